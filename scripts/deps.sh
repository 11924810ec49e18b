#!/usr/bin/env bash
# Installs what numberd needs to build, test and benchmark on Debian 12.
# Idempotent: installs only what is missing; safe to run again and again.
# Usage: scripts/deps.sh [--test] [--bench]
#   --test   also Node.js, the API tests' pinned npm packages, and a
#            PostgreSQL server (scripts/test.sh runs the API tests on a
#            throwaway cluster of it; the package's "main" cluster is unused);
#            Debian's chromium and the console tests' pinned playwright-core
#            (tests/console: the web console in a real browser)
#   --bench  also wrk, nginx and iproute2 (bench/run)
set -euo pipefail

want_test=0
want_bench=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    --bench) want_bench=1 ;;
    -h|--help) echo "usage: scripts/deps.sh [--test] [--bench]"; exit 0 ;;
    *) echo "deps.sh: unknown option: $a" >&2; exit 2 ;;
  esac
done

pkgs=(build-essential cmake ninja-build pkg-config
      libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libpq-dev
      libcmocka-dev sqlite3 curl ca-certificates)
if [ "$want_test" = 1 ] || [ "$want_bench" = 1 ]; then
  pkgs+=(nodejs npm)
fi
if [ "$want_test" = 1 ]; then
  # clang and its runtime libraries (libFuzzer, ASan) for scripts/fuzz.sh
  pkgs+=(clang libclang-rt-14-dev)
  pkgs+=(postgresql)   # Debian 12: PostgreSQL 15
  pkgs+=(chromium)     # driven by playwright-core (its own browser download is not used)
fi
if [ "$want_bench" = 1 ]; then
  pkgs+=(wrk nginx-light iproute2)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may already carry a newer Node.js than Debian's (not from a .deb);
# then we keep it and do not pull Debian's nodejs/npm.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  keep=()
  for p in "${missing[@]}"; do
    case "$p" in nodejs|npm) ;; *) keep+=("$p") ;; esac
  done
  missing=("${keep[@]+"${keep[@]}"}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "deps.sh: installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$want_test" = 1 ]; then
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ ! -d "$here/tests/api/node_modules/plivo" ] || \
     [ ! -d "$here/tests/api/node_modules/@seriousme/openapi-schema-validator" ] || \
     [ "$here/tests/api/package-lock.json" -nt "$here/tests/api/node_modules/.package-lock.json" ]; then
    (cd "$here/tests/api" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ ! -d "$here/tests/console/node_modules/playwright-core" ] || \
     [ "$here/tests/console/package-lock.json" -nt "$here/tests/console/node_modules/.package-lock.json" ]; then
    (cd "$here/tests/console" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
