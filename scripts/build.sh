#!/usr/bin/env bash
# Configures and builds numberd with CMake + Ninja into build/ (or $BUILD_DIR).
# usage: scripts/build.sh [Debug|RelWithDebInfo|Release] [extra cmake args...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
type="${1:-RelWithDebInfo}"
shift || true
dir="${BUILD_DIR:-$here/build}"
cmake -S "$here" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
cmake --build "$dir"
