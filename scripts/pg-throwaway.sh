#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: initdb into a fresh folder,
# listen on a free loopback port, remove everything on stop.
#
#   scripts/pg-throwaway.sh start DIR   initdb DIR/data, start; prints the URL
#                                       (DIR/bin: the server's bin directory)
#   scripts/pg-throwaway.sh stop DIR    stop the cluster and remove DIR
#   scripts/pg-throwaway.sh start-on DIR DATADIR
#                                       the same, with the cluster's data in
#                                       DATADIR (e.g. a small tmpfs: a full
#                                       disk); DATADIR must not exist or be
#                                       empty, and is emptied on stop
#
# Environment: PG_DURABLE=1 keeps fsync and synchronous commits on;
# PG_INITDB_ARGS adds initdb arguments (--wal-segsize=1: WAL files of 1 MiB,
# so that a full disk hits the WAL soon); PG_SERVER_OPTS adds server options
# (-c min_wal_size=2MB).
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

usage() { echo "usage: scripts/pg-throwaway.sh start|start-on|stop|down|crash|up DIR [MODE|DATADIR]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
cmd=$1
dir=$2
mode=${3:-fast}

# The data directory: DIR/data, or what start-on recorded in DIR/datadir.
datadir() {
  if [ -f "$dir/datadir" ]; then cat "$dir/datadir"; else echo "$dir/data"; fi
}

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

# free_port: a port below the kernel's ephemeral range (scripts/free-port.sh)
. "$(dirname "${BASH_SOURCE[0]}")/free-port.sh"

case "$cmd" in
start|start-on)
  bin=$(pgbin)
  if [ "$(id -u)" = 0 ] && ! id numberd-test >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin numberd-test
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown numberd-test "$dir"
  if [ "$cmd" = start-on ]; then
    [ $# -eq 3 ] || usage
    mkdir -p "$3"
    [ -z "$(ls -A "$3")" ] || { echo "pg-throwaway.sh: $3 is not empty" >&2; exit 1; }
    [ "$(id -u)" = 0 ] && chown numberd-test "$3"
    chmod 0700 "$3"
    echo "$3" >"$dir/datadir"
  fi
  data=$(datadir)
  # shellcheck disable=SC2086 # PG_INITDB_ARGS: words
  as_owner "$bin/initdb" -D "$data" -U numberd -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync ${PG_INITDB_ARGS:-} >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port) || exit 1
  # fsync off: a test cluster need not survive a power cut, and without
  # fsync CREATE DATABASE and commits cost next to nothing.  PG_DURABLE=1
  # keeps PostgreSQL's defaults (benchmarks: a 201 must be on disk, as
  # with SQLite's synchronous=FULL).
  opts="-k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
  if [ "${PG_DURABLE:-0}" != 1 ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  opts="$opts ${PG_SERVER_OPTS:-}"
  # a port taken between the probe and the bind: another port, up to 5 tries
  for try in 1 2 3 4 5; do
    if as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 -o "-p $port $opts" \
        start >/dev/null 2>"$dir/pg_ctl.err"; then
      break
    fi
    if [ "$try" = 5 ] || ! grep -q "could not create any TCP/IP sockets" "$dir/server.log"; then
      cat "$dir/pg_ctl.err" "$dir/server.log" >&2
      exit 1
    fi
    port=$(free_port)
  done
  opts="-p $port $opts"
  echo "$port" >"$dir/port"
  echo "$bin" >"$dir/bin"
  echo "$opts" >"$dir/opts"
  echo "postgresql://numberd@127.0.0.1:$port/"
  ;;
stop)
  bin=$(pgbin)
  data=$(datadir)
  if [ -f "$data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  # a DATADIR of start-on may be a mount point: emptied, not removed
  if [ -f "$dir/datadir" ]; then find "$data" -mindepth 1 -delete 2>/dev/null || true; fi
  rm -rf "$dir"
  ;;
down)
  bin=$(cat "$dir/bin")
  case "$mode" in fast|immediate|smart) ;; *) usage ;; esac
  as_owner "$bin/pg_ctl" -D "$(datadir)" -m "$mode" -w -t 30 stop >/dev/null
  ;;
crash)
  pid=$(head -n 1 "$(datadir)/postmaster.pid")
  kill -KILL "$pid"
  # the postmaster is gone at once; its backends notice and exit
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  ;;
up)
  bin=$(cat "$dir/bin")
  # after a crash the old backends may hold the shared memory a moment
  for _ in $(seq 1 50); do
    if as_owner "$bin/pg_ctl" -D "$(datadir)" -l "$dir/server.log" -w -t 30 \
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
