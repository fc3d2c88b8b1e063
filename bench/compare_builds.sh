#!/usr/bin/env bash
# Before/after: two builds of keyward measured in one run of the machine, each
# measurement alternating between them (ROUNDS times), medians compared.
#   1. the Google Benchmark binaries both builds have (sigv4_bench,
#      config_bench, ... : SigV4 signing/verifying, cached reads)
#   2. CLI cold start: `keyward get NAME` against one moto_server (hyperfine)
#   3. server throughput: GetSecretValue through `keyward server` (SECRETS
#      stored, wrk with keep-alive and pre-signed requests, as
#      bench/server_throughput.sh)
# Prints one table: benchmark, before, after, after/before (for times lower
# is better, for requests/s higher is better; the last column says which).
#
# Usage: bench/compare_builds.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR
# Env: ROUNDS (3), BENCH_MIN_TIME (0.2: Google Benchmark --benchmark_min_time,
#      seconds), BENCH_FILTER (all), RUNS (30: hyperfine runs per round),
#      SECRETS (1000), DURATION (5s), CONNECTIONS (32), THREADS (2),
#      PARTS ("gbench cli server")
set -euo pipefail
BEFORE=${1:?usage: $0 BEFORE_BUILD_DIR AFTER_BUILD_DIR}
AFTER=${2:?usage: $0 BEFORE_BUILD_DIR AFTER_BUILD_DIR}
ROUNDS=${ROUNDS:-3}
BENCH_MIN_TIME=${BENCH_MIN_TIME:-0.2}
BENCH_FILTER=${BENCH_FILTER:-.}
RUNS=${RUNS:-30}
SECRETS=${SECRETS:-1000}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PARTS=${PARTS:-gbench cli server}
for d in "$BEFORE" "$AFTER"; do
  [[ -x $d/keyward ]] || { echo "no keyward binary in $d" >&2; exit 2; }
done
for tool in python3 moto_server hyperfine wrk; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# Results: one line per sample, "part<TAB>name<TAB>side<TAB>value<TAB>unit".
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# --- 1. Google Benchmark binaries -------------------------------------------
if [[ " $PARTS " == *" gbench "* ]]; then
  for bin in "$AFTER"/bench/*_bench; do
    [[ -x $bin ]] || continue
    b=$(basename "$bin")
    [[ -x $BEFORE/bench/$b ]] || { echo "skip $b: not in $BEFORE/bench" >&2; continue; }
    for r in $(seq 1 "$ROUNDS"); do
      for side in before after; do
        dir=$BEFORE; [[ $side == after ]] && dir=$AFTER
        "$dir/bench/$b" --benchmark_filter="$BENCH_FILTER" \
          --benchmark_min_time="$BENCH_MIN_TIME" --benchmark_format=json \
          >"$WORK/$b.$side.$r.json" 2>/dev/null || true
        python3 - "$WORK/$b.$side.$r.json" "$b" "$side" >>"$RESULTS" <<'PY'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except ValueError:  # BENCH_FILTER matched nothing in this binary
    doc = {"benchmarks": []}
for x in doc["benchmarks"]:
    if x.get("run_type", "iteration") != "iteration":
        continue
    print("gbench\t%s/%s\t%s\t%s\t%s" % (sys.argv[2], x["name"], sys.argv[3],
                                        x["real_time"], x["time_unit"]))
PY
      done
    done
  done
fi

export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$WORK/none AWS_SHARED_CREDENTIALS_FILE=$WORK/none
unset AWS_PROFILE

# --- 2. CLI cold start --------------------------------------------------------
if [[ " $PARTS " == *" cli "* ]]; then
  MOTO_PORT=$(free_port)
  moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
  PIDS+=($!)
  wait_port "$MOTO_PORT"
  NAME=platform-data/postgres/bench
  echo '{"username":"bench","password":"not-a-real-secret"}' |
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
      AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" "$AFTER/keyward" put "$NAME" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
      AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" \
      hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/cli.$r.json" \
      -n before "$BEFORE/keyward get $NAME --reveal" \
      -n after "$AFTER/keyward get $NAME --reveal" >/dev/null 2>&1
    python3 - "$WORK/cli.$r.json" >>"$RESULTS" <<'PY'
import json, sys
for x in json.load(open(sys.argv[1]))["results"]:
    print("cli\tkeyward get (cold start, moto_server)\t%s\t%s\tms" % (x["command"], x["mean"] * 1e3))
PY
  done
fi

# --- 3. keyward server GetSecretValue throughput ------------------------------
if [[ " $PARTS " == *" server "* ]]; then
  for side in before after; do
    dir=$BEFORE; [[ $side == after ]] && dir=$AFTER
    port=$(free_port)
    mkdir -p "$WORK/$side"
    "$dir/keyward" server --store "$WORK/$side/store.db" --listen 127.0.0.1:"$port" \
      --env-file "$WORK/$side.env" >"$WORK/$side.out" 2>&1 &
    PIDS+=($!)
    wait_port "$port"
    for _ in $(seq 1 100); do [ -s "$WORK/$side.env" ] && break; sleep 0.1; done
    (
      # shellcheck disable=SC1090
      . "$WORK/$side.env"
      python3 - "$AWS_ENDPOINT_URL" "$SECRETS" "$WORK/$side.lua" <<'PY'
import concurrent.futures, json, sys, boto3, botocore.auth, botocore.awsrequest
endpoint, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def name(i): return "platform-data/bench/app-%05d" % i
value = json.dumps({"username": "app", "password": "x" * 32, "host": "db.internal", "port": 5432})
c = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    list(ex.map(lambda i: c.create_secret(Name=name(i), SecretString=value), range(n)))
creds = c._request_signer._credentials
with open(out, "w") as f:
    f.write("local reqs = {}\ninit = function()\n")
    for i in range(min(n, 1000)):
        payload = json.dumps({"SecretId": name(i)})
        r = botocore.awsrequest.AWSRequest("POST", endpoint + "/", data=payload, headers={
            "X-Amz-Target": "secretsmanager.GetSecretValue",
            "Content-Type": "application/x-amz-json-1.1"})
        botocore.auth.SigV4Auth(creds, "secretsmanager", "us-east-1").add_auth(r)
        hdrs = "".join('["%s"]="%s",' % (k, v) for k, v in r.headers.items() if k.lower() != "host")
        f.write('  table.insert(reqs, wrk.format("POST", "/", {%s}, %s))\n' % (hdrs, json.dumps(payload)))
    f.write("end\nlocal i = 0\nrequest = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
PY
      echo "$AWS_ENDPOINT_URL" >"$WORK/$side.url"
    )
  done
  for r in $(seq 1 "$ROUNDS"); do
    for side in before after; do
      out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/$side.lua" "$(cat "$WORK/$side.url")")
      if grep -q "Non-2xx" <<<"$out"; then
        echo "$side: non-2xx responses from keyward server" >&2
        echo "$out" >&2
        exit 1
      fi
      rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
      printf 'server\tGetSecretValue via keyward server (wrk)\t%s\t%s\trequests/s\n' "$side" "$rps" >>"$RESULTS"
    done
  done
fi

# --- the table ------------------------------------------------------------------
python3 - "$RESULTS" "$ROUNDS" <<'PY'
import statistics, sys
from collections import OrderedDict
rows = OrderedDict()
for line in open(sys.argv[1]):
    part, name, side, value, unit = line.rstrip("\n").split("\t")
    rows.setdefault((part, name, unit), {"before": [], "after": []})[side].append(float(value))
print("before/after, medians of %s alternating rounds on %s" % (sys.argv[2], open("/proc/cpuinfo").read().count("processor\t")) + " cores")
print("%-62s %14s %14s %8s  %s" % ("benchmark", "before", "after", "ratio", "unit"))
worst = None
for (part, name, unit), v in rows.items():
    if not v["before"] or not v["after"]:
        continue
    b, a = statistics.median(v["before"]), statistics.median(v["after"])
    higher_better = unit == "requests/s"
    ratio = a / b if b else float("nan")
    speed = ratio if higher_better else (b / a if a else float("nan"))
    worst = speed if worst is None else min(worst, speed)
    print("%-62s %14.1f %14.1f %8.3f  %s (%s is better)" % (
        name[:62], b, a, ratio, unit, "higher" if higher_better else "lower"))
if worst is not None:
    print("slowest after/before speed: %.3f (1.0 = same speed; below 1 = slower)" % worst)
PY
