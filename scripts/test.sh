#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build, and run every test:
# the cmocka unit tests (ctest) and the black-box API tests (node --test)
# against the real binary, on SQLite and on PostgreSQL (a throwaway cluster
# on a loopback port, removed on exit); every response checked against the
# OpenAPI document; the web console in Debian's chromium (tests/console);
# the Debian package built, linted, installed into a clean Debian 12 root
# and run there; then unit and API tests against an ASan+UBSan build (any
# sanitizer report fails the run), and each libFuzzer target for 20 s.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/deps.sh" --test
bash "$here/scripts/build.sh" RelWithDebInfo

t0=$SECONDS
stage() { echo "== $1 (at $((SECONDS - t0)) s)"; }

stage "unit tests (ctest)"
(cd "$here/build" && ctest --output-on-failure -j2)

stage "SIP rig self-test (Kamailio + SIPp against a stub of /sbc/v1)"
# Not a test of numberd yet: proves the rig that the SIP tests run on
# (contrib/kamailio/kamailio.cfg, tests/sip/scenarios) works end to end.
(cd "$here/tests/sip" && node --test --test-concurrency=1 rig_selftest.test.js)

stage "SIP end to end: Kamailio + SIPp against numberd (SQLite; two processes on one file)"
# Issue 16 item 5: the calls of SIP.md §3-4 through the reference SBC, and a
# write on one process seen by the other's lookups (propagation printed);
# sip_edge: a registrar's address accepted, gateway health in outbound
# routes, with the SIP client on one node and the lookups on the other.
(cd "$here/tests/sip" && NUMBERD_BIN="$here/build/numberd" \
  node --test --test-concurrency=1 numberd_e2e.test.js multinode_sbc.test.js sip_edge.test.js)
stage "SIP registration (numberd's registration client against Kamailio registrars)"
# SIP.md §5: MD5 and SHA-256 digest, refresh, 423, 403, PATCH, 503 +
# Retry-After, no answer, delete and shutdown unregister (tests/sip/registrar/).
(cd "$here/tests/sip" && NUMBERD_BIN="$here/build/numberd" node --test --test-concurrency=1 registration.test.js)

stage "API tests (node --test), SQLite"
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
# (faults.test.js among them: on SQLite, slow clients beside purchases and
# a full disk -- a tmpfs it mounts as root; about 10 s)
(cd "$here/tests/api" && NUMBERD_BIN="$here/build/numberd" NUMBERD_RECORD_DIR="$rec/sqlite" node --test)

stage "web console in a browser (chromium, node --test), SQLite"
# Debian's chromium driven by playwright-core against the real binary:
# the customer's and the operator's pages, how the files are served, and
# the numbers page's load time with 10,000 numbers (printed, not judged).
(cd "$here/tests/console" && NUMBERD_BIN="$here/build/numberd" node --test --test-concurrency=1)

stage "API tests (node --test), PostgreSQL"
# A throwaway cluster (initdb as a non-root user into a temp dir, a free
# loopback port); every test server gets a database of its own in it.
pgdir=$(mktemp -d /tmp/numberd-pg.XXXXXX)
pgurl=$(bash "$here/scripts/pg-throwaway.sh" start "$pgdir")
echo "throwaway cluster: $pgurl ($pgdir)"
# the store conformance cases (tests/unit/store), now on PostgreSQL too
(cd "$here/build" && NUMBERD_TEST_PG="$pgurl" ctest --output-on-failure -R '^store/test_conformance$')
# faults.test.js here also starts a durable cluster of its own (never this
# shared one, which other files use meanwhile) and stops, crashes and
# restarts it under two nodes' purchase load, and cuts and loses replies
# through a proxy: about 30 s of the stage
(cd "$here/tests/api" && NUMBERD_TEST_PG="$pgurl" NUMBERD_TEST_PSQL="$(cat "$pgdir/bin")/psql" \
  NUMBERD_BIN="$here/build/numberd" NUMBERD_RECORD_DIR="$rec/postgres" node --test)
# the SIP cases on PostgreSQL: two nodes, LISTEN/NOTIFY propagation measured
(cd "$here/tests/sip" && NUMBERD_TEST_PG="$pgurl" NUMBERD_TEST_PSQL="$(cat "$pgdir/bin")/psql" \
  NUMBERD_BIN="$here/build/numberd" node --test --test-concurrency=1 numberd_e2e.test.js multinode_sbc.test.js \
  sip_edge.test.js)
# SIP.md §5 with two nodes: one registers each carrier, the other takes over after kill -9
(cd "$here/tests/sip" && NUMBERD_TEST_PG="$pgurl" NUMBERD_TEST_PSQL="$(cat "$pgdir/bin")/psql" \
  NUMBERD_BIN="$here/build/numberd" node --test --test-concurrency=1 registration_pg.test.js)
bash "$here/scripts/pg-throwaway.sh" stop "$pgdir"
pgdir=""

stage "API responses against docs/openapi.json (SQLite, PostgreSQL)"
(cd "$here/tests/api" && NUMBERD_BIN="$here/build/numberd" NUMBERD_REPLAY_DIR="$rec/sqlite" node --test openapi.test.js)
(cd "$here/tests/api" && NUMBERD_BIN="$here/build/numberd" NUMBERD_REPLAY_DIR="$rec/postgres" node --test openapi.test.js)
t_plain=$((SECONDS - t0))

# The .deb from this tree (dpkg-buildpackage, its unit tests and lintian
# included), installed with apt into a clean Debian 12 root (debootstrap,
# cached in /var/cache/numberd-test) and run there; scripts/deb-test.sh.
stage "Debian package: build, lintian, install into a clean Debian 12 root"
DEB_BUILD_OPTIONS="parallel=2" bash "$here/scripts/deb-test.sh"
t_deb=$((SECONDS - t0 - t_plain))
# Sanitizers: abort on the first report (the harness then sees a server
# killed by SIGABRT, or a sanitizer report on its stderr, and fails).
stage "ASan+UBSan build (build-asan, -Werror)"
BUILD_DIR="$here/build-asan" bash "$here/scripts/build.sh" RelWithDebInfo -DND_SANITIZE=ON
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
stage "unit tests under ASan+UBSan"
(cd "$here/build-asan" && ctest --output-on-failure -j2)
stage "API tests under ASan+UBSan"
(cd "$here/tests/api" && NUMBERD_BIN="$here/build-asan/numberd" node --test)
unset ASAN_OPTIONS UBSAN_OPTIONS
t_asan=$((SECONDS - t0 - t_plain - t_deb))

stage "fuzzing: each target for 20 s, 2 at a time"
FUZZ_SECONDS=20 FUZZ_JOBS=2 bash "$here/scripts/fuzz.sh"
t_fuzz=$((SECONDS - t0 - t_plain - t_deb - t_asan))

echo "== done: plain ${t_plain} s, Debian package ${t_deb} s, sanitizers ${t_asan} s, fuzzing ${t_fuzz} s"
