#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build, and run every test:
# the cmocka unit tests (ctest) and the black-box API tests (node --test)
# against the real binary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/deps.sh" --test
bash "$here/scripts/build.sh" RelWithDebInfo

echo "== unit tests (ctest)"
(cd "$here/build" && ctest --output-on-failure -j2)

echo "== API tests (node --test)"
cd "$here/tests/api"
# Every response the suite receives is recorded, then checked against the
# OpenAPI document (docs/openapi.json): status, content type and body schema.
rec="$(mktemp -d)"
trap 'rm -rf "$rec"' EXIT
NUMBERD_BIN="$here/build/numberd" NUMBERD_RECORD_DIR="$rec" node --test

echo "== API responses against docs/openapi.json"
NUMBERD_BIN="$here/build/numberd" NUMBERD_REPLAY_DIR="$rec" node --test openapi.test.js
