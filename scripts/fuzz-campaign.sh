#!/usr/bin/env bash
# Runs a fuzzing campaign: every libFuzzer target in fuzz/ (or those named in
# KEYWARD_FUZZ_TARGETS), ONE AT A TIME, for SECONDS each (or until
# KEYWARD_FUZZ_RUNS executions), starting from the seed corpus in the repo
# and a persistent working corpus in build-fuzz/campaign/. Prints one line of
# figures per target and a table at the end:
#
#   target  seconds  executions  exec/s  cov  ft  corpus  findings  slow
#
#   ./scripts/fuzz-campaign.sh 600                 # 10 min per target
#   KEYWARD_FUZZ_RUNS=10000000 ./scripts/fuzz-campaign.sh 3600
#   KEYWARD_FUZZ_TARGETS="ini_fuzz policy_fuzz" ./scripts/fuzz-campaign.sh 60
#
# Findings (crashes, timeouts, OOMs) are written to
# build-fuzz/campaign/findings/<target>/ and counted; the script exits 1 when
# there is any. Builds the targets first (clang-14, ASan+UBSan) unless
# KEYWARD_FUZZ_NO_BUILD=1. KEYWARD_FUZZ_OUT=DIR puts corpus, findings, logs and
# summary elsewhere (two campaigns over disjoint targets can then run at once,
# one per core).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
RUNS=${KEYWARD_FUZZ_RUNS:--1}
JOBS=${JOBS:-2}
OUT=${KEYWARD_FUZZ_OUT:-build-fuzz/campaign}

if [[ -z ${KEYWARD_FUZZ_NO_BUILD:-} ]]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DKEYWARD_FUZZ=ON \
    -DKEYWARD_BUILD_TESTS=OFF >/dev/null
  ninja -C build-fuzz -j "$JOBS" fuzzers
fi

shopt -s nullglob
targets=()
if [[ -n ${KEYWARD_FUZZ_TARGETS:-} ]]; then
  for t in $KEYWARD_FUZZ_TARGETS; do targets+=("build-fuzz/fuzz/$t"); done
else
  targets=(build-fuzz/fuzz/*_fuzz)
fi

mkdir -p "$OUT"
summary="$OUT/summary.txt"
printf '%-22s %8s %12s %8s %7s %8s %7s %8s %5s\n' target seconds executions exec/s cov ft corpus findings slow \
  >"$summary"
total_findings=0
for target in "${targets[@]}"; do
  name=$(basename "$target")
  corpus="$OUT/corpus/$name"
  findings="$OUT/findings/$name"
  log="$OUT/$name.log"
  mkdir -p "$corpus" "$findings"
  seeds=()
  for d in "fuzz/corpus/$name" "fuzz/${name%_fuzz}_corpus"; do
    [[ -d $d ]] && seeds+=("$d")
  done
  extra=()
  [[ -f fuzz/$name.options ]] && read -ra extra <"fuzz/$name.options"
  printf '==> %s: %ss %s\n' "$name" "$SECONDS_PER_TARGET" "${extra[*]}"
  start=$(date +%s)
  set +e
  "$target" -max_total_time="$SECONDS_PER_TARGET" -runs="$RUNS" -max_len=65536 \
    -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 -artifact_prefix="$findings/" \
    "${extra[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  set -e
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  files=$(find "$corpus" -type f | wc -l)
  # slow-unit-* files are inputs that took over 10 s once (libFuzzer's
  # -report_slow_units); on a busy machine that is often the scheduler, so
  # they are listed apart from crashes, leaks, timeouts (> 25 s) and OOMs.
  slow=$(find "$findings" -type f -name 'slow-unit-*' | wc -l)
  found=$(find "$findings" -type f ! -name 'slow-unit-*' | wc -l)
  if [[ $rc -ne 0 && $found -eq 0 ]]; then
    echo "    $name exited $rc without an artifact; see $log" >&2
    found=1
  fi
  total_findings=$((total_findings + found))
  printf '%-22s %8s %12s %8s %7s %8s %7s %8s %5s\n' "$name" "$took" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$files" "$found" "$slow" | tee -a "$summary"
done
echo
cat "$summary"
[[ $total_findings -eq 0 ]]
