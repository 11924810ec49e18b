#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ND_FUZZ=ON, into build-fuzz/) and runs
# each for a set time, FUZZ_JOBS at a time, starting from the seed corpus in
# tests/fuzz/corpus/<target>/.  New inputs go to tests/fuzz/corpus-run/
# (ignored by git), crashes to build-fuzz/crashes/.  Prints executions and
# coverage per target and fails if any target crashed, leaked or hung.
#
# usage: scripts/fuzz.sh [target...]      (default: every target)
#   FUZZ_SECONDS  seconds per target (60)
#   FUZZ_JOBS     targets run at once (the number of cores)
#   FUZZ_BUILD_ONLY=1  build the targets and stop (scripts/test.sh builds
#                 them ahead, in the background)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-$(nproc)}"
build="$here/build-fuzz"
all=(router query form json api csv e164 net auth idem sbc_lpm sip_msg lean)
targets=("${@:-${all[@]}}")

# quiet when it works; when it does not, the compiler's last words (a
# warning clang makes that gcc does not, under -Werror) say why
if ! out=$(CC=clang cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DND_FUZZ=ON -DBUILD_TESTING=OFF 2>&1) ||
   ! out=$(cmake --build "$build" --target $(printf 'fuzz_%s ' "${targets[@]}") 2>&1); then
  printf '%s\n' "$out" | tail -40 >&2
  echo "fuzz.sh: building the fuzz targets failed" >&2
  exit 1
fi
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

mkdir -p "$build/logs" "$build/crashes"
# Leaks are bugs too; a single input running for 10 s is a hang.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

run_one() {
  local t="$1" work="$here/tests/fuzz/corpus-run/$1"
  mkdir -p "$work"
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$t-" "$work" "$here/tests/fuzz/corpus/$t" \
    >"$build/logs/$t.log" 2>&1
}

echo "== fuzzing ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time"
declare -A pid_of
failed=()
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$t" &
  pid_of[$t]=$!
  running=$((running + 1))
done
for t in "${targets[@]}"; do
  if ! wait "${pid_of[$t]}"; then failed+=("$t"); fi
done

printf '%-8s %12s %8s %8s %10s\n' target executions exec/s cov features
for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-8s %12s %8s %8s %10s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}"
done

if [ "${#failed[@]}" -gt 0 ]; then
  for t in "${failed[@]}"; do
    echo "== fuzz_$t FAILED (log: $build/logs/$t.log; reproduce: $build/fuzz/fuzz_$t <crash file>)" >&2
    grep -E 'ERROR|SUMMARY|property does not hold|runtime error|Test unit written' "$build/logs/$t.log" | head -20 >&2 || true
    # the input itself, so that a CI log alone can reproduce it
    # (base64 -d > crash; the first 4000 characters of it)
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$build/logs/$t.log" | head -1)
    if [ -n "$crash" ] && [ -f "$crash" ]; then
      echo "input (base64): $(base64 -w0 "$crash" | cut -c1-4000)" >&2
    fi
  done
  exit 1
fi
