#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: initdb into a fresh folder,
# listen on a free loopback port, remove everything on stop.
#
#   scripts/pg-throwaway.sh start DIR   initdb DIR/data, start; prints the URL
#                                       (DIR/bin: the server's bin directory)
#   scripts/pg-throwaway.sh stop DIR    stop the cluster and remove DIR
#
# Faults (tests/api/lib/faults.js): the cluster stays, only its server
# goes down and comes back, on the same port and data:
#   scripts/pg-throwaway.sh down DIR [fast|immediate]   pg_ctl stop -m MODE
#   scripts/pg-throwaway.sh crash DIR   SIGKILL the postmaster (a crash:
#                                       backends die, recovery at next up)
#   scripts/pg-throwaway.sh up DIR      start again with the same options
#
# PostgreSQL refuses to run as root, and CI runs as root: then the cluster
# belongs to a system user, numberd-test, created here if missing.  The
# cluster trusts local connections (loopback only) and runs without fsync:
# it holds test data for a few minutes and is thrown away.
set -euo pipefail

usage() { echo "usage: scripts/pg-throwaway.sh start|stop|down|crash|up DIR [MODE]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
cmd=$1
dir=$2
mode=${3:-fast}

pgbin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    echo "pg-throwaway.sh: no PostgreSQL server found (scripts/deps.sh --test installs it)" >&2
    exit 1
  fi
  echo "$d"
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u numberd-test -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    # a refused connection means nobody listens there
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  echo "pg-throwaway.sh: no free port found" >&2
  exit 1
}

case "$cmd" in
start)
  bin=$(pgbin)
  if [ "$(id -u)" = 0 ] && ! id numberd-test >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin numberd-test
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown numberd-test "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U numberd -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  # fsync off: a test cluster need not survive a power cut, and without
  # fsync CREATE DATABASE and commits cost next to nothing.  PG_DURABLE=1
  # keeps PostgreSQL's defaults (benchmarks: a 201 must be on disk, as
  # with SQLite's synchronous=FULL).
  opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
  if [ "${PG_DURABLE:-0}" != 1 ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$opts" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "$port" >"$dir/port"
  echo "$bin" >"$dir/bin"
  echo "$opts" >"$dir/opts"
  echo "postgresql://numberd@127.0.0.1:$port/"
  ;;
stop)
  bin=$(pgbin)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
down)
  bin=$(cat "$dir/bin")
  case "$mode" in fast|immediate|smart) ;; *) usage ;; esac
  as_owner "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w -t 30 stop >/dev/null
  ;;
crash)
  pid=$(head -n 1 "$dir/data/postmaster.pid")
  kill -KILL "$pid"
  # the postmaster is gone at once; its backends notice and exit
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  ;;
up)
  bin=$(cat "$dir/bin")
  # after a crash the old backends may hold the shared memory a moment
  for _ in $(seq 1 50); do
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "$(cat "$dir/opts")" start >/dev/null 2>&1; then
      exit 0
    fi
    sleep 0.2
  done
  cat "$dir/server.log" >&2
  exit 1
  ;;
*)
  usage
  ;;
esac
