#!/usr/bin/env bash
# Moves a single node's SQLite database to PostgreSQL (docs/DEPLOYMENT.md).
#
#   scripts/sqlite-to-postgres.sh SQLITE_DB POSTGRES_URL
#
# Stop the SQLite node first: the copy is a snapshot (SQLite's online
# backup), and what the node writes after it is not copied.  The
# PostgreSQL database must exist and be empty; the schema is created with
# `numberd migrate` (NUMBERD_BIN, or build/numberd, or numberd on the
# PATH).  Everything is copied in one transaction, ids included, so every
# public id, credential and idempotency key stays valid.  The SQLite node's
# server key (<SQLITE_DB>.key) must then be given to every PostgreSQL node
# (--secret-key-file, or its 64 hex digits in NUMBERD_SECRET_KEY): the SIP
# passwords are sealed with it, and the copied database holds its
# fingerprint.
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

# The column lists below are those of SQLite schema version 2.
version=$(sqlite3 -readonly "$src" "PRAGMA user_version")
if [ "$version" != 2 ]; then
  echo "sqlite-to-postgres.sh: $src has schema version $version; this script copies version 2" \
       "(start that database once with this numberd to upgrade it)" >&2
  exit 1
fi

umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a consistent snapshot, even of a database in use
sqlite3 "$src" ".backup '$tmp/snap.db'"

"$bin" migrate --db "$url" >/dev/null
psq() { PGOPTIONS="-c client_min_messages=warning" psql "$url" -qAtX -v ON_ERROR_STOP=1 "$@"; }
rows=$(psq -c "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM numbers) + (SELECT count(*) FROM settings)")
if [ "$rows" != 0 ]; then
  echo "sqlite-to-postgres.sh: the PostgreSQL database is not empty" >&2
  exit 1
fi

# table|columns|SELECT list (blobs as bytea hex text, NULL kept)
blob() { echo "CASE WHEN $1 IS NULL THEN NULL ELSE '\\x' || lower(hex($1)) END"; }
tables=(
  "accounts|id, auth_id, parent_id, name, token_hash, enabled, created_at, modified_at|id, auth_id, parent_id, name, $(blob token_hash), enabled, created_at, modified_at"
  "api_keys|id, account_id, key_hash, scopes, created_at|id, account_id, $(blob key_hash), scopes, created_at"
  "applications|app_id, account_id, sub_id, app_name, answer_url, answer_method, hangup_url, hangup_method, fallback_answer_url, fallback_method, message_url, message_method, default_number_app, default_endpoint_app, public_uri, log_incoming_messages, is_voice_request, created_at, modified_at|"
  "carriers|id, uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, voice, sms, in_username, in_password, reg_username, reg_password, reg_realm, reg_from_user, reg_from_domain, reg_expires, created_at, updated_at|id, uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, voice, sms, in_username, $(blob in_password), reg_username, $(blob reg_password), reg_realm, reg_from_user, reg_from_domain, reg_expires, created_at, updated_at"
  "carrier_gateways|carrier, pos, sid, address, port, netmask, inbound, outbound|"
  "numbers|id, number, country_iso, type, sub_type, prefix, city, region, rate_center, lata, voice_enabled, sms_enabled, mms_enabled, caps, setup_rate, monthly_rental_rate, voice_rate, sms_rate, mms_rate, restriction, restriction_text, carrier, source, state, owner_id, sub_id, app_id, alias, added_on, renewal_date, released_at, compliance_id, cnam_lookup, cnam, cnam_callback_url, cnam_callback_method, caller_reputation_status, profile_uuid, cr_callback_url, cr_callback_method, tendlc_registration_status, tendlc_campaign_id, toll_free_sms_verification, carrier_id, byoc_id, label, created_at, updated_at|"
  "compliance|id, seq, account_id, country_iso, number_type, approved, created_at|"
  "idempotency|account_id, key, req_hash, status, body, created_at|account_id, key, $(blob req_hash), status, body, created_at"
  "settings|name, value|"
)

# One CSV file per table (\N is NULL; 0/1 are read as booleans where the
# column is one), then one psql session loads them all in one transaction.
load="$tmp/load.sql"
echo "BEGIN;" >"$load"
for t in "${tables[@]}"; do
  IFS='|' read -r name cols sel <<<"$t"
  [ -n "$sel" ] || sel=$cols
  sqlite3 -readonly -bail -csv -nullvalue '\N' "$tmp/snap.db" "SELECT $sel FROM $name" >"$tmp/$name.csv"
  echo "\\copy $name($cols) FROM '$tmp/$name.csv' WITH (FORMAT csv, NULL '\\N')" >>"$load"
done
# identities continue after the copied ids
for t in accounts:id api_keys:id carriers:id numbers:id compliance:seq; do
  echo "SELECT setval(pg_get_serial_sequence('${t%%:*}', '${t##*:}'), COALESCE(max(${t##*:}), 0) + 1, false) FROM ${t%%:*};" >>"$load"
done
echo "COMMIT;" >>"$load"
psq -f "$load" >/dev/null
psq -c "ANALYZE"

for t in accounts numbers carriers applications; do
  printf '%-13s %s\n' "$t" "$(psq -c "SELECT count(*) FROM $t")"
done
echo "copied $src to PostgreSQL; give every node the server key $src.key"
