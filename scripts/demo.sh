#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build, and run numberd on
# SQLite with demo data.  It prints demo credentials and a curl command.
# Extra arguments go to `numberd serve` (e.g. --listen 127.0.0.1:9090).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/deps.sh"
bash "$here/scripts/build.sh" RelWithDebInfo
cd "$here"
exec ./build/numberd serve --demo --db "${NUMBERD_DB:-demo.db}" "$@"
