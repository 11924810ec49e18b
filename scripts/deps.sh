#!/usr/bin/env bash
# Installs what numberd needs to build, test and benchmark on Debian 12.
# Idempotent: installs only what is missing; safe to run again and again.
# Usage: scripts/deps.sh [--test]   (--test also installs the API-test npm packages
#                                    and a PostgreSQL server for the second API run)
set -euo pipefail

want_test=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    -h|--help) echo "usage: scripts/deps.sh [--test]"; exit 0 ;;
    *) echo "deps.sh: unknown option: $a" >&2; exit 2 ;;
  esac
done

pkgs=(build-essential cmake ninja-build pkg-config
      libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libpq-dev
      libcmocka-dev sqlite3 curl ca-certificates)
if [ "$want_test" = 1 ]; then
  # postgresql: Debian 12's is 15; scripts/test.sh runs a throwaway cluster
  # of it (the package's own "main" cluster is not used)
  pkgs+=(nodejs npm postgresql)
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
     [ "$here/tests/api/package-lock.json" -nt "$here/tests/api/node_modules/.package-lock.json" ]; then
    (cd "$here/tests/api" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
