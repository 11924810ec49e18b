#!/usr/bin/env bash
# bench/groupcommit.sh -- durable purchases at the disk's limit (issue 20
# item 4): purchases/s, fsyncs per purchase and the server's CPU with CONNS
# concurrent buyers, same binary, back to back, in three modes:
#   single  NUMBERD_NO_GROUP_COMMIT=1: every write transaction commits by itself
#   group   group commit, writes answered on the HTTP threads (--write-threads 0,
#           the default until 2026-12-04): a group holds at most as many writes as there are
#           HTTP threads that have a write at once
#   pool    group commit, writes answered by 16 writer threads (--write-threads 16,
#           the default on SQLite 2026-12-04 to 12-05), NUMBERD_NO_BATCHES=1
#   batch   --write-threads 16 with batches (the default on SQLite since
#           2026-12-05): one writer runs a run of queued writes, one commit;
#           the log synced after the commit, off the write lock, while the
#           next batch runs (the default since session 22)
#   insync  batch, with NUMBERD_SYNC_IN_COMMIT=1: SQLite syncs inside COMMIT
#           (synchronous=FULL), holding the write lock (session 21's batches)
#
# usage: bench/groupcommit.sh   (environment: ROWS=200000 DUR=5 CONNS_LIST="1 16" THREADS=2
#                                MODES="single group pool batch insync" BENCH_BIN=<numberd> SRV_CPU=0 LOAD_CPU=1
#                                SLOW_FSYNC_MS=N: every fsync of the server waits N ms first,
#                                as on a disk with a slow fsync (the issue's "slower machine"
#                                took ~1.9 ms: 536 purchases/s one at a time; on the 2-core
#                                VM of sessions 12-13, SLOW_FSYNC_MS=1 made 549/s one at a
#                                time -- the slower machine -- and SLOW_FSYNC_MS=2 347/s), through the
#                                test library tests/preload/slowsync.c (SLOWSYNC_LIB=<its .so>,
#                                default build/tests/libnd_slowsync.so: scripts/build.sh builds it))
# needs: wrk, perf (the fsync count: syscalls:sys_enter_fsync/fdatasync
# tracepoints, as root), taskset, curl, node
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS=${ROWS:-200000}
DUR=${DUR:-5}
CONNS_LIST=${CONNS_LIST:-"1 16"}
THREADS=${THREADS:-2}
MODES=${MODES:-"single group pool batch"}
SRV_CPU=${SRV_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
BIN=${BENCH_BIN:-$here/build-release/numberd}
SLOW_FSYNC_MS=${SLOW_FSYNC_MS:-}
SLOWSYNC_LIB=${SLOWSYNC_LIB:-$here/build/tests/libnd_slowsync.so}
if [ -n "$SLOW_FSYNC_MS" ]; then
  [ -f "$SLOWSYNC_LIB" ] || { echo "bench/groupcommit.sh: no $SLOWSYNC_LIB (scripts/build.sh builds it)" >&2; exit 1; }
  echo "== every fsync of the server waits $SLOW_FSYNC_MS ms first ($SLOWSYNC_LIB)"
fi
[ -x "$BIN" ] || { echo "bench/groupcommit.sh: no $BIN (bench/run builds it, or set BENCH_BIN)" >&2; exit 1; }
ADMIN="bench-admin-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work="$(mktemp -d /tmp/numberd-gc.XXXXXX)"
srv_pid=""
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN" inventory generate --count "$ROWS" --seed 7 --country US > "$work/us.csv"
"$BIN" inventory import --db "$work/base.db" "$work/us.csv" > /dev/null
awk -F, 'NR > 1 { print $1 }' "$work/us.csv" | shuf --random-source=<(yes) > "$work/buy.txt"

printf '%-14s %6s %12s %8s %8s %10s %14s %8s %10s\n' "mode" "conns" "purchases/s" "p50 ms" "p99 ms" "fsyncs" "fsyncs/purchase" "CPU %" "cs/purchase"
for mode in $MODES; do
  for conns in $CONNS_LIST; do
    rm -f "$work"/t.db*
    cp "$work/base.db" "$work/t.db"
    log="$work/server.log"
    if [ "$mode" = single ]; then export NUMBERD_NO_GROUP_COMMIT=1; else unset NUMBERD_NO_GROUP_COMMIT; fi
    if [ "$mode" = pool ]; then export NUMBERD_NO_BATCHES=1; else unset NUMBERD_NO_BATCHES; fi
    if [ "$mode" = insync ]; then export NUMBERD_SYNC_IN_COMMIT=1; else unset NUMBERD_SYNC_IN_COMMIT; fi
    wthreads=16
    [ "$mode" = pool ] || [ "$mode" = batch ] || [ "$mode" = insync ] || wthreads=0
    LD_PRELOAD="${SLOW_FSYNC_MS:+$SLOWSYNC_LIB}" ND_SLOWSYNC_MS="$SLOW_FSYNC_MS" \
      NUMBERD_ADMIN_TOKEN="$ADMIN" taskset -c "$SRV_CPU" "$BIN" serve --db "$work/t.db" \
      --listen 127.0.0.1:0 --threads "$THREADS" --write-threads "$wthreads" --rate-limit 0 --log-level info 2>"$log" &
    srv_pid=$!
    port=""
    for _ in $(seq 1 500); do
      port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
      [ -n "$port" ] && break
      sleep 0.01
    done
    [ -n "$port" ] || { cat "$log"; exit 1; }
    acct=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
      -d '{"name":"gc"}' "http://127.0.0.1:$port/admin/v1/accounts")
    id=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).auth_id)' "$acct")
    tok=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).auth_token)' "$acct")
    auth="Authorization: Basic $(printf '%s:%s' "$id" "$tok" | base64 -w0)"
    # the server's context switches too: each hand-off between its
    # threads (a request to a writer, the write lock, a group's wake-up)
    perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,context-switches -p "$srv_pid" \
      -o "$work/perf.out" -- sleep "$((DUR + 1))" &
    perf_pid=$!
    sleep 0.5
    # the server's CPU over the run, user and system (clock ticks of /proc/<pid>/stat)
    cpu0=$(awk '{ print $14 + $15 }' "/proc/$srv_pid/stat")
    t0=$(date +%s%N)
    BUY_FILE="$work/buy.txt" BUY_PATH="/v1/Account/$id/PhoneNumber/" WRK_THREADS=1 \
      taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${DUR}s" --latency -H "$auth" \
      -s "$here/bench/buy.lua" "http://127.0.0.1:$port/" > "$work/wrk.out" 2>&1 || true
    cpu1=$(awk '{ print $14 + $15 }' "/proc/$srv_pid/stat")
    t1=$(date +%s%N)
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%.0f", (b - a) / hz / (t / 1e9) * 100 }')
    wait "$perf_pid" || true
    # purchases actually made (201s), counted in the database afterwards
    kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=""
    bought=$(sqlite3 "$work/t.db" "SELECT count(*) FROM numbers WHERE owner_id IS NOT NULL")
    fsyncs=$(awk -F, '$3 ~ /sync/ { s += $1 } END { print s + 0 }' "$work/perf.out")
    cs=$(awk -F, '$3 ~ /context-switches/ { s += $1 } END { print s + 0 }' "$work/perf.out")
    awk -v mode="$mode" -v conns="$conns" -v bought="$bought" -v fs="$fsyncs" -v cs="$cs" -v dur="$DUR" -v cpu="$cpu" '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
      /Requests\/sec/ { rps = $2 }
      /^ +50%/ { p50 = ms($2) }
      /^ +99%/ { p99 = ms($2) }
      END { printf "%-14s %6d %12d %8.3f %8.3f %10d %14.3f %8d %10.1f\n", mode, conns, rps, p50, p99, fs, bought ? fs / bought : 0, cpu, bought ? cs / bought : 0 }' "$work/wrk.out"
    grep -q "Non-2xx" "$work/wrk.out" && grep "Non-2xx" "$work/wrk.out" | sed 's/^/   /'
  done
done
