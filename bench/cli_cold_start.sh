#!/usr/bin/env bash
# Cold start, whole process: `keyward get NAME` vs `aws secretsmanager
# get-secret-value` against the same local moto_server, side by side in one
# run (hyperfine when installed, else a timing loop). Prints both means and the
# ratio (target: keyward >= 10x faster).
# Usage: bench/cli_cold_start.sh [build-dir] [runs]
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-30}
KEYWARD="$BUILD/keyward"
[[ -x $KEYWARD ]] || { echo "build first: $KEYWARD not found" >&2; exit 2; }
command -v moto_server >/dev/null || { echo "moto_server is not installed" >&2; exit 2; }
command -v aws >/dev/null || { echo "the aws CLI is not installed" >&2; exit 2; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
WORK=$(mktemp -d)
moto_server -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null; wait $MOTO 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2)" 2>/dev/null && break
  sleep 0.1
done

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_CONFIG_FILE="$WORK/none" AWS_SHARED_CREDENTIALS_FILE="$WORK/none"
unset AWS_PROFILE
NAME=platform-data/postgres/bench
echo '{"username":"bench","password":"not-a-real-secret"}' | "$KEYWARD" put "$NAME" >/dev/null

KW_CMD="$KEYWARD get $NAME --reveal"
AWS_CMD="aws secretsmanager get-secret-value --secret-id $NAME --endpoint-url $AWS_ENDPOINT_URL"

if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/h.json" \
    -n "keyward get" "$KW_CMD" -n "aws secretsmanager get-secret-value" "$AWS_CMD" >&2
  read -r KW_S AWS_S < <(python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))["results"]; print(r[0]["mean"], r[1]["mean"])' "$WORK/h.json")
else
  time_loop() {  # mean seconds of RUNS runs of "$@"
    local start end
    start=$(date +%s%N)
    for _ in $(seq "$RUNS"); do "$@" >/dev/null; done
    end=$(date +%s%N)
    python3 -c "print(($end-$start)/1e9/$RUNS)"
  }
  $KW_CMD >/dev/null; $AWS_CMD >/dev/null  # warm the page cache
  KW_S=$(time_loop $KW_CMD)
  AWS_S=$(time_loop $AWS_CMD)
fi
python3 - "$KW_S" "$AWS_S" <<'PY'
import sys
kw, aws = float(sys.argv[1]), float(sys.argv[2])
print(f"keyward get:                        {kw*1000:8.1f} ms")
print(f"aws secretsmanager get-secret-value: {aws*1000:8.1f} ms")
print(f"ratio (aws / keyward):              {aws/kw:8.1f}x  (target >= 10x)")
PY
