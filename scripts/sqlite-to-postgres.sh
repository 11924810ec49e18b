#!/usr/bin/env bash
# Moves a single node's SQLite database to PostgreSQL (docs/DEPLOYMENT.md).
#
#   scripts/sqlite-to-postgres.sh SQLITE_DB POSTGRES_URL
#
# Stop the SQLite node first: the copy is a snapshot (SQLite's online
# backup), and what the node writes after it is not copied.  The
# PostgreSQL database must exist and be empty; the schema is created with
# `numberd migrate` (NUMBERD_BIN, or build/numberd, or numberd on the
# PATH), which must be the numberd that last opened SQLITE_DB: the SQLite
# file must be at the schema that numberd makes.  Everything is copied in
# one transaction, ids included, so every public id, credential,
# idempotency key, event id and webhook cursor stays valid.  The SQLite
# node's server key (<SQLITE_DB>.key) must then be given to every
# PostgreSQL node (--secret-key-file, or its 64 hex digits in
# NUMBERD_SECRET_KEY): the SIP passwords and webhook secrets are sealed
# with it, and the copied database holds its fingerprint.
#
# What is copied: every table both schemas have, the columns both have
# (a column only SQLite has stops the copy: it would be lost).  What is not:
# what PostgreSQL derives itself -- the per-owner and per-carrier counts
# (its triggers count the copied numbers), the SBC change log (a node
# starting on the copy reads its index whole) -- and SQLite's own
# bookkeeping (avail_gen, and its sqlite_ tables).
#
# Needs sqlite3 and psql.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: scripts/sqlite-to-postgres.sh SQLITE_DB POSTGRES_URL" >&2; exit 2; }
src=$1
url=$2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin=${NUMBERD_BIN:-}
if [ -z "$bin" ]; then
  if [ -x "$here/build/numberd" ]; then bin="$here/build/numberd"; else bin=numberd; fi
fi
for tool in sqlite3 psql; do
  command -v "$tool" >/dev/null || { echo "sqlite-to-postgres.sh: $tool is missing" >&2; exit 1; }
done
[ -f "$src" ] || { echo "sqlite-to-postgres.sh: no such file: $src" >&2; exit 1; }

umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The schema this numberd makes on SQLite, and the one the file has: the
# column lists below are read from the file, so they must be the same.
"$bin" migrate --db "$tmp/ref.db" >/dev/null
want=$(sqlite3 -readonly "$tmp/ref.db" "PRAGMA user_version")
version=$(sqlite3 -readonly "$src" "PRAGMA user_version")
if [ "$version" -lt "$want" ]; then
  echo "sqlite-to-postgres.sh: $src has schema version $version, this numberd ($bin) makes $want:" \
       "upgrade it first (numberd migrate --db $src)" >&2
  exit 1
elif [ "$version" -gt "$want" ]; then
  echo "sqlite-to-postgres.sh: $src has schema version $version, newer than this numberd's ($want):" \
       "use the numberd that wrote it (NUMBERD_BIN)" >&2
  exit 1
fi

# a consistent snapshot, even of a database in use
sqlite3 "$src" ".backup '$tmp/snap.db'"

"$bin" migrate --db "$url" >/dev/null
psq() { PGOPTIONS="-c client_min_messages=warning" psql "$url" -qAtX -v ON_ERROR_STOP=1 "$@"; }
rows=$(psq -c "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM numbers) + (SELECT count(*) FROM settings)")
if [ "$rows" != 0 ]; then
  echo "sqlite-to-postgres.sh: the PostgreSQL database is not empty" >&2
  exit 1
fi

# Parents before children (the foreign keys); the one-row tables that
# migrate fills (cred_epoch, webhook_cursor) are replaced.
order="accounts api_keys applications compliance carriers carrier_gateways carrier_probes
       gateway_health registrations numbers idempotency settings cred_epoch events
       webhook_endpoints webhook_deliveries webhook_cursor"
derived=" owner_counts carrier_counts sbc_changes avail_gen "
replaced=" cred_epoch webhook_cursor "
for t in $(sqlite3 -readonly "$tmp/snap.db" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name"); do
  case " $(echo $order) $derived" in
    *" $t "*) ;;
    *) echo "sqlite-to-postgres.sh: table $t is neither copied nor derived: this script needs" \
            "updating for it" >&2; exit 1 ;;
  esac
done

# One CSV file per table (NULL an unquoted empty field, which the sqlite3
# shell never writes for a text -- an empty one is "" -- so a text of \N,
# or an empty one, stays what it is; 0/1 are read as booleans where the
# column is one; blobs as bytea hex), then one psql session loads them all
# in one transaction.  numberd.rounds = on keeps the copied events' ids
# (the sequencing trigger would number them anew) and stills the NOTIFYs.
load="$tmp/load.sql"
{ echo "BEGIN;"; echo "SET LOCAL numberd.rounds = 'on';"; } >"$load"
for t in $order; do
  pgcols=$(psq -c "SELECT column_name || ':' || data_type FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = '$t'")
  [ -n "$pgcols" ] || { echo "sqlite-to-postgres.sh: PostgreSQL has no table $t" >&2; exit 1; }
  cols=""
  sel=""
  for c in $(sqlite3 -readonly "$tmp/snap.db" "SELECT name FROM pragma_table_info('$t') ORDER BY cid"); do
    type=$(printf '%s\n' "$pgcols" | awk -F: -v c="$c" '$1 == c { print $2 }')
    if [ -z "$type" ]; then
      echo "sqlite-to-postgres.sh: column $t.$c is not in PostgreSQL's schema: it would be lost" >&2
      exit 1
    fi
    case "$type" in
      bytea) expr="CASE WHEN \"$c\" IS NULL THEN NULL ELSE '\\x' || lower(hex(\"$c\")) END" ;;
      *) expr="\"$c\"" ;;
    esac
    cols="${cols:+$cols, }\"$c\""
    sel="${sel:+$sel, }$expr"
  done
  sqlite3 -readonly -bail -csv -nullvalue '' "$tmp/snap.db" "SELECT $sel FROM \"$t\"" >"$tmp/$t.csv"
  case "$replaced" in *" $t "*) echo "DELETE FROM $t;" >>"$load" ;; esac
  echo "\\copy $t($cols) FROM '$tmp/$t.csv' WITH (FORMAT csv)" >>"$load"
  # identities and serials continue after the copied ids
  for c in $(psq -c "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = '$t' AND pg_get_serial_sequence('$t', column_name) IS NOT NULL"); do
    echo "SELECT setval(pg_get_serial_sequence('$t', '$c'), COALESCE((SELECT max(\"$c\") FROM $t), 0) + 1, false);" >>"$load"
  done
done
# the events' ids come from a sequence of their own
echo "SELECT setval('events_seq', COALESCE((SELECT max(id) FROM events), 0) + 1, false);" >>"$load"
# the copy's own change-log rows (written by the triggers as the rows came)
echo "DELETE FROM sbc_changes;" >>"$load"
echo "COMMIT;" >>"$load"
psq -f "$load" >/dev/null
psq -c "ANALYZE"

# the same rows on both sides, table by table
bad=0
for t in $order; do
  a=$(sqlite3 -readonly "$tmp/snap.db" "SELECT count(*) FROM \"$t\"")
  b=$(psq -c "SELECT count(*) FROM $t")
  printf '%-19s %s\n' "$t" "$b"
  [ "$a" = "$b" ] || { echo "sqlite-to-postgres.sh: $t: $a rows in SQLite, $b in PostgreSQL" >&2; bad=1; }
done
[ "$bad" = 0 ] || exit 1
echo "copied $src to PostgreSQL; give every node the server key $src.key"
