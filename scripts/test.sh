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
NUMBERD_BIN="$here/build/numberd" node --test
