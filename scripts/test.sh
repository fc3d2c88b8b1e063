#!/usr/bin/env bash
# Sets up everything and runs all of keyward's tests on a fresh Debian 12
# machine: installs packages, builds with g++ (warnings as errors), runs every
# CTest label (unit, integration, conformance), builds the Debian packages,
# then one clang-14 ASan+UBSan build directory that holds the libFuzzer
# targets (run for a bounded time each), the unit tests and the integration
# tests that drive keyward's own binaries, all of which run there too, and a
# clang-14 TSan build of the concurrency-heavy unit and integration tests.
# Every build directory is a unity build (CMAKE_UNITY_BUILD: CLI11 and
# nlohmann::json code is compiled once per batch of files instead of once per
# file), which with -Og test code is what fits all four sanitizer lanes in CI's
# 45 minutes on 2 cores (docs/reliability.md, "Sanitizer lanes", has the
# figures). Every step prints its duration, and a summary of all of them ends
# the output (also on failure).
#
#   ./scripts/test.sh              # everything: unit + integration under ASan+UBSan and TSan
#   KEYWARD_FUZZ_SECONDS=60 ./scripts/test.sh
#   KEYWARD_SKIP_FUZZ=1 ./scripts/test.sh     # no fuzzing (the sanitizer lanes still run)
#   KEYWARD_SANITIZERS=asan,tsan ./scripts/test.sh  # pick lanes: asan, tsan (unit tests),
#                                             # asan-integration, tsan-integration
#   KEYWARD_SANITIZERS=0 ./scripts/test.sh    # no sanitizer test lane
#
# Integration tests need moto_server, boto3 and the aws CLI (pip). Without
# them the tests report SKIPPED loudly; with CI=true a missing peer fails.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${KEYWARD_FUZZ_SECONDS:-10}
# Sanitizer test lanes (docs/reliability.md, "Sanitizer lanes"). The default,
# all four, runs the unit tests and the integration tests that drive keyward's
# binaries under ASan+UBSan, and the concurrency-heavy unit and integration
# tests under TSan; the fuzzers always build in build-asan.
SANITIZERS=${KEYWARD_SANITIZERS-all}
[[ $SANITIZERS == 1 || $SANITIZERS == all ]] &&
  SANITIZERS=asan,tsan,asan-integration,tsan-integration
[[ $SANITIZERS == 0 ]] && SANITIZERS=
lane() { [[ ,$SANITIZERS, == *,$1,* ]]; }

# step NAME: starts a timed step (ending the previous one).
STEP_NAME=
STEP_START=0
STEP_TIMES=()
SCRIPT_START=$(date +%s)
end_step() {
  [[ -n $STEP_NAME ]] || return 0
  local took=$(($(date +%s) - STEP_START))
  STEP_TIMES+=("$(printf '%6ss  %s' "$took" "$STEP_NAME")")
  printf '<== %ss: %s\n' "$took" "$STEP_NAME"
  STEP_NAME=
}
step() {
  end_step
  STEP_NAME="$*"
  STEP_START=$(date +%s)
  printf '\n==> %s\n' "$*"
}
summary() {
  local rc=$?
  end_step
  printf '\n==> step durations (exit %s)\n' "$rc"
  printf '%s\n' "${STEP_TIMES[@]}"
  printf '%6ss  total\n' "$(($(date +%s) - SCRIPT_START))"
}
trap summary EXIT

# clang-14 build directories: -O1 with line tables (readable sanitizer
# reports), no benchmarks, examples or install rules; unity builds; linked by
# lld (a sanitized test binary links in 0.75 s of CPU instead of GNU ld's 3 s).
clang_dir() {  # DIR FLAGS...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DKEYWARD_BUILD_BENCH=OFF -DKEYWARD_BUILD_EXAMPLES=OFF \
    -DKEYWARD_INSTALL=OFF -DCMAKE_UNITY_BUILD=ON "$@" >/dev/null
}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0
# tests/tsan-suppressions.txt: documented third-party false positives only.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan-suppressions.txt

step "installing dependencies"
./scripts/install-deps.sh

step "size limits (files <= 600 lines, functions <= 60; scripts/limits-allow.txt)"
python3 scripts/check-limits.py

# A unity build linked by lld, like the clang directories: CI's time goes to
# the sanitizer lanes. (A plain `cmake -B build` is not a unity build, so a
# developer's first build still checks that every .cc includes what it uses.)
step "building (g++, -Wall -Wextra -Werror, unity build)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld >/dev/null
ninja -C build -j "$JOBS"

step "running tests (unit, integration, conformance)"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 900

step "Debian packages of this build (CPack, lintian, installed into a throwaway root)"
./scripts/package.sh --build-dir build --check

# The test binaries each lane builds and runs. Unit: every test outside
# tests/integration and tests/conformance. ASan integration: the tests that
# run keyward's own binaries hard (under ASan the peers they start are the
# ASan builds); the other integration tests mostly exercise python/aws CLI
# peers, whose time would not buy sanitizer coverage. TSan: the
# concurrency-heavy tests (caches, snapshot reads, agent, supervisor, the
# server's front end, read index and store); the integration ones need a
# TSan `keyward`.
mapfile -t UNIT_TESTS < <(find tests -name '*_test.cc' ! -path 'tests/integration/*' \
  ! -path 'tests/conformance/*' -printf '%f\n' | sed 's/\.cc$//' | sort)
ASAN_INTEGRATION_TESTS=(server_client_test server_durability_test server_files_test
  server_regions_test server_notify_test deep_input_server_test faults_cache_test
  faults_cli_test faults_migrate_test faults_agent_test agent_clients_test agent_per_app_test
  agent_template_test cli_ops_test cli_put_test cli_canary_test cli_exec_test
  read_commands_test config_peers_test supervise_test)
TSAN_UNIT_TESTS=(snapshot_cell_test secret_cache_test secret_config_test caching_provider_test
  agent_handler_test supervisor_test template_runner_test http_front_end_test service_test
  read_index_test)
TSAN_INTEGRATION_TESTS=(server_client_test server_durability_test faults_cache_test
  faults_agent_test agent_clients_test)

# Runs test binaries of build DIR directly, each once ($JOBS at a time; a
# failing one's log is shown): one process per binary rather than CTest's one
# per test case, which under ASan costs three times the CPU, and no CTest
# test list that wants every binary built.
run_binaries() {  # DIR BINARY...  (PARALLEL=N: N at a time, default $JOBS)
  local dir=$1
  shift
  printf '%s\n' "$@" | KEYWARD_BIN=$PWD/$dir/keyward \
    xargs -P "${PARALLEL:-$JOBS}" -I{} bash -c 'log=$0/tests/{}.log start=$(date +%s)
      if "$0/tests/{}" --gtest_brief=1 >"$log" 2>&1; then
        echo "passed {} ($(($(date +%s) - start))s)"
      else
        echo "FAILED {} ($(($(date +%s) - start))s):"; cat "$log"; exit 1
      fi' "$dir"
}

# One clang-14 ASan+UBSan directory for the fuzzers and the tests: the
# library compiles once (with libFuzzer's coverage instrumentation, which the
# test binaries carry harmlessly: the ASan runtime defines its callbacks).
# Only the targets of the enabled lanes are built.
asan_targets=()
asan_what=()
if [[ -z ${KEYWARD_SKIP_FUZZ:-} ]]; then asan_targets+=(fuzzers) asan_what+=("fuzz targets"); fi
if lane asan; then asan_targets+=("${UNIT_TESTS[@]}") asan_what+=("unit tests"); fi
if lane asan-integration; then
  asan_targets+=(keyward_cli "${ASAN_INTEGRATION_TESTS[@]}") asan_what+=("keyward + integration tests")
fi
if ((${#asan_targets[@]})); then
  what=$(printf '%s, ' "${asan_what[@]}")
  step "building ${what%, } (clang-14, ASan+UBSan, build-asan)"
  clang_dir build-asan -DKEYWARD_FUZZ=ON -DKEYWARD_BUILD_TESTS=ON
  ninja -C build-asan -j "$JOBS" "${asan_targets[@]}"
fi

if [[ -z ${KEYWARD_SKIP_FUZZ:-} ]]; then
  shopt -s nullglob
  for target in build-asan/fuzz/*_fuzz; do
    name=$(basename "$target")
    corpus="build-asan/corpus/$name"
    mkdir -p "$corpus"
    seeds=()
    for d in "fuzz/corpus/$name" "fuzz/${name%_fuzz}_corpus"; do
      [[ -d $d ]] && seeds+=("$d")
    done
    # fuzz/NAME.options: extra libFuzzer flags for one target (one line).
    extra=()
    [[ -f fuzz/$name.options ]] && read -ra extra <"fuzz/$name.options"
    step "fuzzing $name for ${FUZZ_SECONDS}s ${extra[*]}"
    "$target" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -rss_limit_mb=2048 \
      -print_final_stats=1 "${extra[@]}" "$corpus" "${seeds[@]}" 2>&1 | tail -n 12
  done
fi

if lane asan; then
  step "sanitizer lane ASan+UBSan: ${#UNIT_TESTS[@]} unit test binaries"
  run_binaries build-asan "${UNIT_TESTS[@]}"
fi

if lane asan-integration; then
  step "sanitizer lane ASan+UBSan: ${#ASAN_INTEGRATION_TESTS[@]} integration test binaries"
  PARALLEL=$((JOBS + 1)) run_binaries build-asan "${ASAN_INTEGRATION_TESTS[@]}"
fi

tsan_targets=()
lane tsan && tsan_targets+=("${TSAN_UNIT_TESTS[@]}")
lane tsan-integration && tsan_targets+=(keyward_cli "${TSAN_INTEGRATION_TESTS[@]}")
if ((${#tsan_targets[@]})); then
  step "building ${#tsan_targets[@]} targets (clang-14, TSan, build-tsan)"
  clang_dir build-tsan -DKEYWARD_TSAN=ON
  ninja -C build-tsan -j "$JOBS" "${tsan_targets[@]}"
fi

if lane tsan; then
  step "sanitizer lane TSan: ${#TSAN_UNIT_TESTS[@]} concurrency-heavy unit test binaries"
  run_binaries build-tsan "${TSAN_UNIT_TESTS[@]}"
fi

if lane tsan-integration; then
  step "sanitizer lane TSan: ${#TSAN_INTEGRATION_TESTS[@]} integration test binaries"
  PARALLEL=$((JOBS + 1)) run_binaries build-tsan "${TSAN_INTEGRATION_TESTS[@]}"
fi

step "all tests passed"
