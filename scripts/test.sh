#!/usr/bin/env bash
# Sets up everything and runs all of keyward's tests on a fresh Debian 12
# machine: installs packages, builds with g++ (warnings as errors), runs every
# CTest label (unit, integration, conformance), then builds the libFuzzer
# targets with clang-14 (+ASan/UBSan) and runs each for a bounded time.
#
#   ./scripts/test.sh              # everything
#   KEYWARD_FUZZ_SECONDS=60 ./scripts/test.sh
#   KEYWARD_SKIP_FUZZ=1 ./scripts/test.sh
#
# Integration tests need moto_server, boto3 and the aws CLI (pip). Without
# them the tests report SKIPPED loudly; with CI=true a missing peer fails.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${KEYWARD_FUZZ_SECONDS:-20}

step() { printf '\n==> %s\n' "$*"; }

step "installing dependencies"
./scripts/install-deps.sh

step "building (g++, -Wall -Wextra -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
ninja -C build -j "$JOBS"

step "running tests (unit, integration, conformance)"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 900

step "Debian packages of this build (CPack, lintian, installed into a throwaway root)"
./scripts/package.sh --build-dir build --check

if [[ -z ${KEYWARD_SKIP_FUZZ:-} ]]; then
  step "building fuzz targets (clang-14, libFuzzer, ASan+UBSan)"
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DKEYWARD_FUZZ=ON -DKEYWARD_BUILD_TESTS=OFF >/dev/null
  ninja -C build-fuzz -j "$JOBS" fuzzers
  shopt -s nullglob
  for target in build-fuzz/fuzz/*_fuzz; do
    name=$(basename "$target")
    corpus="build-fuzz/corpus/$name"
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

step "all tests passed"
