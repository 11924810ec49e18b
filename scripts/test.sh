#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build, and run every test:
# the cmocka unit tests (ctest) and the black-box API tests (node --test)
# against the real binary, twice: on SQLite, then on PostgreSQL (a
# throwaway cluster on a loopback port, removed on exit).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/deps.sh" --test
bash "$here/scripts/build.sh" RelWithDebInfo

echo "== unit tests (ctest)"
(cd "$here/build" && ctest --output-on-failure -j2)

echo "== API tests (node --test), SQLite"
cd "$here/tests/api"
# Every response the suite receives is recorded, then checked against the
# OpenAPI document (docs/openapi.json): status, content type and body schema.
rec="$(mktemp -d)"
pgdir=""
cleanup() {
  rm -rf "$rec"
  if [ -n "$pgdir" ]; then bash "$here/scripts/pg-throwaway.sh" stop "$pgdir"; fi
}
trap cleanup EXIT
mkdir "$rec/sqlite" "$rec/postgres"
NUMBERD_BIN="$here/build/numberd" NUMBERD_RECORD_DIR="$rec/sqlite" node --test

echo "== API tests (node --test), PostgreSQL"
# A throwaway cluster (initdb as a non-root user into a temp dir, a free
# loopback port); every test server gets a database of its own in it.
pgdir=$(mktemp -d /tmp/numberd-pg.XXXXXX)
pgurl=$(bash "$here/scripts/pg-throwaway.sh" start "$pgdir")
echo "throwaway cluster: $pgurl ($pgdir)"
NUMBERD_TEST_PG="$pgurl" NUMBERD_TEST_PSQL="$(cat "$pgdir/bin")/psql" \
  NUMBERD_BIN="$here/build/numberd" NUMBERD_RECORD_DIR="$rec/postgres" node --test

echo "== API responses against docs/openapi.json (SQLite, PostgreSQL)"
NUMBERD_BIN="$here/build/numberd" NUMBERD_REPLAY_DIR="$rec/sqlite" node --test openapi.test.js
NUMBERD_BIN="$here/build/numberd" NUMBERD_REPLAY_DIR="$rec/postgres" node --test openapi.test.js
