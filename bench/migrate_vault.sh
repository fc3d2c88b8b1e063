#!/usr/bin/env bash
# Measures `keyward migrate vault --apply` for N secrets (default 1000) from
# a loopback moto_server to the in-test Vault KV v2 double: wall time and the
# request counts on both sides, then a resumed run (journal) and a --recheck
# run (digest comparison, no writes).
#
# Usage: bench/migrate_vault.sh [BUILD_DIR] [N]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
n="${2:-1000}"
test_bin="$build/tests/migrate_moto_test"
if [[ ! -x "$test_bin" ]]; then
  echo "build first: ninja -C $build migrate_moto_test keyward" >&2
  exit 2
fi
KEYWARD_BIN="$build/keyward" KEYWARD_MIGRATE_BENCH_N="$n" \
  "$test_bin" --gtest_filter='MigrateMotoTest.Bench' 2>&1 | grep -E '^(BENCH|  )|FAILED|SKIPPED'
