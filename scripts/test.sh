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
NUMBERD_BIN="$here/build/numberd" node --test

echo "== API tests (node --test), PostgreSQL"
pgdir=$(mktemp -d /tmp/numberd-pg.XXXXXX)
trap 'bash "$here/scripts/pg-throwaway.sh" stop "$pgdir"' EXIT
pgurl=$(bash "$here/scripts/pg-throwaway.sh" start "$pgdir")
echo "throwaway cluster: $pgurl ($pgdir)"
NUMBERD_TEST_PG="$pgurl" NUMBERD_TEST_PSQL="$(cat "$pgdir/bin")/psql" \
  NUMBERD_BIN="$here/build/numberd" node --test
