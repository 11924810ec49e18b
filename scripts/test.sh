#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build, and run every test:
# the cmocka unit tests (ctest) and the black-box API tests (node --test)
# against the real binary, on SQLite and on PostgreSQL (a throwaway cluster
# on a loopback port, removed on exit); every response checked against the
# OpenAPI document; the web console in Debian's chromium (tests/console);
# the Debian package built, linted, installed into a clean Debian 12 root
# and run there; then unit and API tests against an ASan+UBSan build (any
# sanitizer report fails the run), the API files with concurrent writers
# against a ThreadSanitizer build, and each libFuzzer target for 10 s.
#
# Wall time: the node --test runs are mostly waiting (servers' timers,
# leases, slow-client and crash scenarios), not computing, so the API suite
# (but for api_alone below) and the SIP files run two test files at a time
# (--test-concurrency=2; node's default on 2 cores is 1). Every file starts
# its own servers on port 0 (Kamailio and SIPp on free ports), its own temp
# dir and its own database (on PostgreSQL: a database of its own in the
# shared cluster), so files never see each other. Two, not more: the
# timing margins of the tests (a write seen on the other node within 1 s,
# the slow-client and crash cases) are meant for a loaded 2-core machine,
# not for three files' servers fighting over two cores. The web console
# stays one file at a time: each file drives its own chromium.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/deps.sh" --test
bash "$here/scripts/build.sh" RelWithDebInfo

t0=$SECONDS
stage() { echo "== $1 (at $((SECONDS - t0)) s)"; }

# Every node --test run has a bound: a test file that never exits (a child
# process or socket left holding its event loop) fails the run with a
# message here, in minutes, instead of eating CI's 90. timeout(1) signals
# the run's whole process group (tests/sip/lib/rig.js kills the Kamailio
# groups it started on that signal). The bounds are several times each
# run's time on a loaded 2-core machine.
bounded() {
  local secs=$1 rc=0
  shift
  timeout -k 15 "$secs" "$@" || rc=$?
  if ((rc == 124 || rc == 137)); then
    echo "!! still running after $secs s, stopped: $* ($(pwd))" >&2
  fi
  return "$rc"
}

# The API suite, in tests/api with the environment of the run: every
# *.test.js two at a time, then the files of api_alone one at a time with
# nothing beside them: faults.test.js bounds latencies (a purchase beside
# slow clients within 2.5 s, every request within 10 s of a partition, both
# nodes back within 20 s of PostgreSQL's restart) whose margins are for a
# loaded machine, not for another file's servers on the same two cores as
# well (an ASan run with it among the others went over the 2.5 s).
# answer_cache.test.js counts kept answers given: on PostgreSQL any commit
# in the cluster (another file's, in a database of its own) makes them
# misses, so it runs with no other file's server writing.
api_alone=(faults.test.js answer_cache.test.js)
api_suite() {
  local f rc=0 shared=()
  for f in *.test.js; do
    [[ " ${api_alone[*]} " == *" $f "* ]] || shared+=("$f")
  done
  # (a function in an && list runs without set -e: each status is kept)
  bounded 1800 node --test --test-concurrency=2 "${shared[@]}" || rc=1
  bounded 600 node --test --test-concurrency=1 "${api_alone[@]}" || rc=1
  return "$rc"
}

# The builds the later stages need -- the Debian package (scripts/deb.sh:
# dpkg-buildpackage with its unit tests, lintian), the ASan+UBSan tree and
# the fuzz targets, in that order -- run in the background from here on, at
# the lowest CPU priority: the test stages before them mostly wait (on
# timers, leases, chromium) and leave a core idle much of the time, which
# the compilers take, while a test that wants the CPU gets it first (nice 19
# weighs 15 against a test's 1024). Each stage that needs a build waits for
# it (bg_wait), prints its output, and fails the run if it failed.
rec="$(mktemp -d)"
mkdir "$rec/sqlite" "$rec/postgres"
pgdir=""
bg="$(mktemp -d)"
bg_pid=""
cleanup() {
  rm -rf "$rec"
  # the background builds, if the run ends before they do (their own session)
  if [ -n "$bg_pid" ]; then kill -- -"$bg_pid" 2>/dev/null || true; fi
  rm -rf "$bg"
  if [ -n "$pgdir" ]; then bash "$here/scripts/pg-throwaway.sh" stop "$pgdir"; fi
}
trap cleanup EXIT
bg_builds() {
  local rc
  step() { # name command...: its output in $bg/name.log, its status in $bg/name.rc
    local name="$1"; shift
    rc=0; nice -n 19 "$@" >"$bg/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$bg/$name.rc"
  }
  step deb env DEB_BUILD_OPTIONS="parallel=2" bash "$here/scripts/deb.sh"
  step asan env BUILD_DIR="$here/build-asan" bash "$here/scripts/build.sh" RelWithDebInfo -DND_SANITIZE=ON
  step tsan env CC=clang BUILD_DIR="$here/build-tsan" bash "$here/scripts/build.sh" RelWithDebInfo -DND_TSAN=ON \
    -DBUILD_TESTING=OFF
  step fuzz env FUZZ_BUILD_ONLY=1 bash "$here/scripts/fuzz.sh"
  # the Release tree bench/run and bench/sbc build: -O3 sees warnings
  # (-Werror) that -O2 does not, so it is compiled here too
  step release env BUILD_DIR="$here/build-release" bash "$here/scripts/build.sh" Release -DBUILD_TESTING=OFF
}
bg_wait() { # name: waits for that background build, prints its output; fails if it failed
  while [ ! -e "$bg/$1.rc" ] && kill -0 "$bg_pid" 2>/dev/null; do sleep 1; done
  cat "$bg/$1.log" 2>/dev/null || true
  if [ "$(cat "$bg/$1.rc" 2>/dev/null)" != 0 ]; then
    echo "test.sh: the background build '$1' failed (status $(cat "$bg/$1.rc" 2>/dev/null || echo none))" >&2
    exit 1
  fi
}
export -f bg_builds
export here bg
setsid -w bash -c bg_builds &
bg_pid=$!

stage "unit tests (ctest)"
(cd "$here/build" && ctest --output-on-failure -j2)

stage "SIP rig self-test (Kamailio + SIPp against a stub of /sbc/v1)"
# Not a test of numberd yet: proves the rig that the SIP tests run on
# (contrib/kamailio/kamailio.cfg, tests/sip/scenarios) works end to end.
(cd "$here/tests/sip" && bounded 300 node --test --test-concurrency=1 rig_selftest.test.js)

stage "SIP end to end and registration: Kamailio + SIPp against numberd (SQLite; two processes on one file)"
# Issue 16 item 5: the calls of SIP.md §3-4 through the reference SBC, and a
# write on one process seen by the other's lookups (propagation printed);
# sip_edge: a registrar's address accepted, gateway health in outbound
# routes, with the SIP client on one node and the lookups on the other.
# registration: SIP.md §5: MD5 and SHA-256 digest, refresh, 423, 403, PATCH,
# 503 + Retry-After, no answer, delete and shutdown unregister
# (tests/sip/registrar/); registration_dns: a registrar's name on a silent
# DNS server holds up no other carrier (root: unshare -m, ~12 s). Each
# file has its own Kamailio and numberd on free ports: two at a time
# (registration.test.js, ~26 s of timers, beside the others).
(cd "$here/tests/sip" && NUMBERD_BIN="$here/build/numberd" \
  bounded 900 node --test --test-concurrency=2 numberd_e2e.test.js multinode_sbc.test.js sip_edge.test.js registration.test.js \
  registration_edges.test.js registration_dns.test.js)

stage "API tests (node --test), SQLite"
# Every response the suite receives is recorded (in $rec), then checked
# against the OpenAPI document (docs/openapi.json): status, content type and
# body schema.
# (faults.test.js last and alone: on SQLite, slow clients beside purchases
# and a full disk -- a tmpfs it mounts as root; about 10 s)
(cd "$here/tests/api" && export NUMBERD_BIN="$here/build/numberd" NUMBERD_RECORD_DIR="$rec/sqlite" && api_suite)

stage "web console in a browser (chromium, node --test), SQLite"
# Debian's chromium driven by playwright-core against the real binary:
# the customer's and the operator's pages, how the files are served, live
# registration and gateway health (live.test.js: a Kamailio registrar and
# serve --sip-listen, as tests/sip), and the numbers page's load time with
# 10,000 numbers (printed, not judged).
(cd "$here/tests/console" && NUMBERD_BIN="$here/build/numberd" bounded 1200 node --test --test-concurrency=1)

stage "API tests (node --test), PostgreSQL"
# A throwaway cluster (initdb as a non-root user into a temp dir, a free
# loopback port); every test server gets a database of its own in it.
pgdir=$(mktemp -d /tmp/numberd-pg.XXXXXX)
pgurl=$(bash "$here/scripts/pg-throwaway.sh" start "$pgdir")
echo "throwaway cluster: $pgurl ($pgdir)"
# the store conformance cases (tests/unit/store), now on PostgreSQL too
(cd "$here/build" && NUMBERD_TEST_PG="$pgurl" ctest --output-on-failure -R '^store/test_conformance$')
# faults.test.js here (last and alone) also starts a durable cluster of its
# own (never this shared one) and stops, crashes and restarts it under two
# nodes' purchase load, and cuts and loses replies through a proxy: about
# 45 s of the stage
(cd "$here/tests/api" && export NUMBERD_TEST_PG="$pgurl" NUMBERD_TEST_PSQL="$(cat "$pgdir/bin")/psql" \
  NUMBERD_BIN="$here/build/numberd" NUMBERD_RECORD_DIR="$rec/postgres" && api_suite)
# the SIP cases on PostgreSQL: two nodes, LISTEN/NOTIFY propagation measured;
# registration_pg: SIP.md §5 with two nodes, one registers each carrier, the
# other takes over after kill -9; registration_outage: a state that changed
# while PostgreSQL was down (a cluster of its own, stopped and started) is
# stored once it is back. Two files at a time, as on SQLite.
(cd "$here/tests/sip" && NUMBERD_TEST_PG="$pgurl" NUMBERD_TEST_PSQL="$(cat "$pgdir/bin")/psql" \
  NUMBERD_BIN="$here/build/numberd" bounded 900 node --test --test-concurrency=2 numberd_e2e.test.js multinode_sbc.test.js \
  sip_edge.test.js registration_pg.test.js registration_outage.test.js)
bash "$here/scripts/pg-throwaway.sh" stop "$pgdir"
pgdir=""

stage "API responses against docs/openapi.json (SQLite, PostgreSQL)"
(cd "$here/tests/api" && NUMBERD_BIN="$here/build/numberd" NUMBERD_REPLAY_DIR="$rec/sqlite" bounded 300 node --test openapi.test.js)
(cd "$here/tests/api" && NUMBERD_BIN="$here/build/numberd" NUMBERD_REPLAY_DIR="$rec/postgres" bounded 300 node --test openapi.test.js)
t_plain=$((SECONDS - t0))

# The .deb from this tree (dpkg-buildpackage, its unit tests and lintian
# included), installed with apt into a clean Debian 12 root (debootstrap,
# cached in /var/cache/numberd-test) and run there; scripts/deb-test.sh.
stage "Debian package: build, lintian (the background build), install into a clean Debian 12 root"
bg_wait deb
bash "$here/scripts/deb-test.sh" \
  "$here/build-deb/numberd_$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)_$(dpkg-architecture -qDEB_HOST_ARCH).deb"
t_deb=$((SECONDS - t0 - t_plain))
# Sanitizers: abort on the first report (the harness then sees a server
# killed by SIGABRT, or a sanitizer report on its stderr, and fails).
stage "ASan+UBSan build (build-asan, -Werror; the background build)"
bg_wait asan
# up to date by now: this only proves it
BUILD_DIR="$here/build-asan" bash "$here/scripts/build.sh" RelWithDebInfo -DND_SANITIZE=ON
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
stage "unit tests under ASan+UBSan"
(cd "$here/build-asan" && ctest --output-on-failure -j2)
stage "API tests under ASan+UBSan"
(cd "$here/tests/api" && export NUMBERD_BIN="$here/build-asan/numberd" && api_suite)
unset ASAN_OPTIONS UBSAN_OPTIONS
# ThreadSanitizer: the files whose servers run writers, readers, the
# search index, the SBC feed and the webhook deliverer on several threads
# at once (the whole suite under TSan, SQLite and PostgreSQL, and the SIP
# files were clean once, docs/RELIABILITY.md; this subset keeps it so in
# ~1.5 min). The first report ends numberd (halt_on_error): its test file
# then fails (a sanitizer summary on stderr, an exit that is not 0).
# detect_deadlocks=0: the SBC index's writer takes all 64 of its read
# slots' locks at once, past TSan's deadlock detector's 64.
stage "API files with concurrent writers under ThreadSanitizer (build-tsan, clang; the background build)"
bg_wait tsan
tsan_files=(race.test.js races.test.js rmw_races.test.js keyrace.test.js multinode.test.js counters.test.js
  readlocks.test.js webhooks.test.js sbc.test.js sbc_listen.test.js events.test.js durable.test.js
  credentials.test.js answer_cache.test.js search_index.test.js)
(cd "$here/tests/api" && NUMBERD_BIN="$here/build-tsan/numberd" TSAN_OPTIONS=halt_on_error=1:detect_deadlocks=0 \
  bounded 900 node --test --test-concurrency=2 "${tsan_files[@]}")
t_asan=$((SECONDS - t0 - t_plain - t_deb))

# 10 s a target here, from the seeds and the kept corpus: a smoke test that
# every parser and its properties hold on what the fuzzer reaches quickly;
# the long runs are `make fuzz` (60 s) and `make fuzz-long` (600 s, corpus
# kept), docs/RELIABILITY.md.
stage "fuzzing: each target for 10 s, 2 at a time"
bg_wait fuzz
FUZZ_SECONDS=10 FUZZ_JOBS=2 bash "$here/scripts/fuzz.sh"
stage "Release build (bench/run's tree, -Werror; the background build)"
bg_wait release
t_fuzz=$((SECONDS - t0 - t_plain - t_deb - t_asan))

echo "== done: plain ${t_plain} s, Debian package ${t_deb} s, sanitizers ${t_asan} s, fuzzing ${t_fuzz} s"
