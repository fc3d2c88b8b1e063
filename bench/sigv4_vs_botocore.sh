#!/usr/bin/env bash
# Signs the same GetSecretValue request with keyward's signer (Google
# Benchmark) and with botocore's SigV4Auth in the same run, and prints both
# and the ratio (target: keyward >= 40x faster, <= 1.2 us).
# Usage: bench/sigv4_vs_botocore.sh [build-dir]
set -euo pipefail
BUILD=${1:-build}
BENCH="$BUILD/bench/sigv4_bench"
[[ -x $BENCH ]] || { echo "build first: $BENCH not found" >&2; exit 2; }

kw_ns=$("$BENCH" --benchmark_filter=BM_SignGetSecretValue_CachedKey \
  --benchmark_min_time=1 --benchmark_format=json 2>/dev/null |
  python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(b["real_time"] if b["time_unit"]=="ns" else b["real_time"]*1000)')

boto_ns=$(python3 - <<'PY'
import datetime, time
from unittest import mock
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
body = b'{"SecretId":"platform-data/postgres/orders"}'
def sign():
    req = AWSRequest(method="POST", url="https://secretsmanager.eu-west-1.amazonaws.com/",
                     data=body, headers={"Content-Type": "application/x-amz-json-1.1",
                                         "X-Amz-Target": "secretsmanager.GetSecretValue"})
    SigV4Auth(creds, "secretsmanager", "eu-west-1").add_auth(req)
for _ in range(200):
    sign()
n = 0
start = time.perf_counter()
while time.perf_counter() - start < 2.0:
    for _ in range(100):
        sign()
    n += 100
print((time.perf_counter() - start) / n * 1e9)
PY
)
python3 - "$kw_ns" "$boto_ns" <<'PY'
import sys
kw, boto = float(sys.argv[1]), float(sys.argv[2])
print(f"keyward  SigV4 sign GetSecretValue: {kw/1000:8.2f} us")
print(f"botocore SigV4 sign GetSecretValue: {boto/1000:8.2f} us")
print(f"ratio (botocore / keyward): {boto/kw:.1f}x  (target >= 40x; keyward target <= 1.2 us)")
PY
