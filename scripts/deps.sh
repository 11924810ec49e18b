#!/usr/bin/env bash
# Installs what numberd needs to build, test and benchmark on Debian 12.
# Idempotent: installs only what is missing; safe to run again and again.
# Usage: scripts/deps.sh [--test] [--deb] [--bench]
#   --deb    also debhelper and lintian (`make deb`: scripts/deb.sh)
#   --test   also Node.js, the API tests' pinned npm packages, a
#            PostgreSQL server (scripts/test.sh runs the API tests on a
#            throwaway cluster of it; the package's "main" cluster is unused),
#            Kamailio and SIPp for the SIP tests (tests/sip: the reference
#            SBC of contrib/kamailio; the package's own service is kept
#            stopped and disabled so that nothing holds port 5060),
#            Python with the Plivo Python SDK's dependencies (for
#            tests/sdk/capture, which records SDK golden requests),
#            and what --deb installs, with debootstrap (scripts/deb-test.sh
#            installs the package into a clean Debian 12 root),
#            Debian's chromium and the console tests' pinned playwright-core
#            (tests/console: the web console in a real browser)
#   --bench  also wrk, nginx and iproute2 (bench/run), valgrind (bench/instr)
set -euo pipefail

want_test=0
want_deb=0
want_bench=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1; want_deb=1 ;;
    --deb) want_deb=1 ;;
    --bench) want_bench=1 ;;
    -h|--help) echo "usage: scripts/deps.sh [--test] [--deb] [--bench]"; exit 0 ;;
    *) echo "deps.sh: unknown option: $a" >&2; exit 2 ;;
  esac
done

pkgs=(build-essential cmake ninja-build pkg-config
      libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libpq-dev libcurl4-openssl-dev
      libcmocka-dev sqlite3 curl ca-certificates)
if [ "$want_test" = 1 ] || [ "$want_bench" = 1 ]; then
  pkgs+=(nodejs npm)
fi
if [ "$want_test" = 1 ]; then
  # clang and its runtime libraries (libFuzzer, ASan) for scripts/fuzz.sh
  pkgs+=(clang libclang-rt-14-dev)
  pkgs+=(postgresql)   # Debian 12: PostgreSQL 15
  # Kamailio 5.6 (http_client is in -utils-, jansson in -extra-) and SIPp
  pkgs+=(kamailio kamailio-utils-modules kamailio-extra-modules sip-tester)
  # what the official Plivo Python SDK needs to run from its source tree:
  # tests/sdk/capture/run.js records its golden requests with it
  pkgs+=(python3 python3-requests python3-six python3-decorator python3-lxml python3-jwt)
fi
if [ "$want_deb" = 1 ]; then
  # dpkg-dev (dpkg-buildpackage) comes with build-essential
  pkgs+=(debhelper lintian)
fi
if [ "$want_test" = 1 ]; then
  pkgs+=(debootstrap)
  pkgs+=(chromium)     # driven by playwright-core (its own browser download is not used)
fi
if [ "$want_bench" = 1 ]; then
  pkgs+=(wrk nginx-light iproute2 valgrind)   # valgrind: bench/instr
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
  # Debian starts a freshly installed kamailio service (on 0.0.0.0:5060)
  # unless policy-rc.d says no: say no for kamailio alone while installing,
  # unless the machine already has a policy of its own (containers do).
  policy=""
  if [[ " ${missing[*]} " == *" kamailio "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# numberd deps.sh: keep kamailio from starting during install\n[ "$1" = kamailio ] && exit 101\nexit 0\n' \
      | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
  fi
  $SUDO apt-get update -qq
  rc=0
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  if [ -n "$policy" ]; then $SUDO rm -f "$policy"; fi
  [ "$rc" = 0 ] || exit "$rc"
fi

# The tests start their own Kamailio on a free loopback port; a system
# kamailio service (started by the package, or by a later boot) is stopped
# and disabled so that it cannot hold 5060 or answer in their place.
if [ "$want_test" = 1 ] && { [ -e /etc/init.d/kamailio ] || [ -e /lib/systemd/system/kamailio.service ]; }; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-enabled --quiet kamailio 2>/dev/null || systemctl is-active --quiet kamailio 2>/dev/null; then
      echo "deps.sh: stopping and disabling the system kamailio service" >&2
      $SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
    fi
  elif [ -e /etc/init.d/kamailio ]; then
    if [ -s /run/kamailio/kamailio.pid ] && kill -0 "$(cat /run/kamailio/kamailio.pid)" 2>/dev/null; then
      echo "deps.sh: stopping the system kamailio service" >&2
      $SUDO /etc/init.d/kamailio stop >/dev/null 2>&1 || true
    fi
    if ls /etc/rc[2-5].d/S*kamailio >/dev/null 2>&1; then
      $SUDO update-rc.d kamailio disable >/dev/null 2>&1 || true
    fi
  fi
fi

if [ "$want_test" = 1 ]; then
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  # A node_modules that is a symlink is an install shared with another
  # checkout (a git worktree): `npm ci` would replace the link and empty the
  # shared directory under every checkout using it, so it is left alone.
  if [ -L "$here/tests/api/node_modules" ]; then
    [ -d "$here/tests/api/node_modules/plivo" ] ||
      echo "deps.sh: tests/api/node_modules is a symlink to an incomplete install; not touching it" >&2
  elif [ ! -d "$here/tests/api/node_modules/plivo" ] || \
     [ ! -d "$here/tests/api/node_modules/@seriousme/openapi-schema-validator" ] || \
     [ "$here/tests/api/package-lock.json" -nt "$here/tests/api/node_modules/.package-lock.json" ]; then
    (cd "$here/tests/api" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ ! -d "$here/tests/console/node_modules/playwright-core" ] || \
     [ "$here/tests/console/package-lock.json" -nt "$here/tests/console/node_modules/.package-lock.json" ]; then
    (cd "$here/tests/console" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
