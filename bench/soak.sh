#!/usr/bin/env bash
# Soak: `keyward server` under wrk for DURATION (default 10 min) with mixed
# reads and writes, reporting RSS at start and end and every error.
#   reads:  GetSecretValue over READ_SECRETS secrets
#   writes: PutSecretValue (1 request in WRITE_EVERY), WRITES distinct
#           pre-signed versions cycled; once every distinct write has been
#           sent, later sends are replays with the same ClientRequestToken
#           and value, which Secrets Manager (and keyward) answer 200 without
#           a new version (the idempotent-retry path).
# Requests are pre-signed with botocore (wrk's Lua cannot compute HMAC) and
# stay valid for the server's 15-minute skew window, so DURATION <= 14m.
#
# Pass criteria (exit 1 otherwise): 0 socket errors, 0 non-2xx responses,
# RSS growth <= 5% from the end of the warm-up to the end of the run.
#
# Usage: bench/soak.sh [KEYWARD_BIN]
# Env: DURATION (10m), WARMUP (30s), CONNECTIONS (16), THREADS (2),
#      READ_SECRETS (1000), WRITES (10000), WRITE_EVERY (10)
set -euo pipefail
KEYWARD_BIN=${1:-${KEYWARD_BIN:-$(dirname "$0")/../build/keyward}}
DURATION=${DURATION:-10m}
WARMUP=${WARMUP:-30s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
READ_SECRETS=${READ_SECRETS:-1000}
WRITES=${WRITES:-10000}
WRITE_EVERY=${WRITE_EVERY:-10}
for tool in wrk python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
python3 -c 'import boto3' 2>/dev/null || { echo "missing boto3" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
"$KEYWARD_BIN" server --store "$WORK/store.db" --listen 127.0.0.1:"$PORT" \
  --env-file "$WORK/kw.env" --access-log /dev/null >"$WORK/kw.out" 2>&1 &
KW_PID=$!; PIDS+=("$KW_PID")
wait_port "$PORT"
for _ in $(seq 1 100); do [ -s "$WORK/kw.env" ] && break; sleep 0.1; done
# shellcheck disable=SC1090
. "$WORK/kw.env"

python3 - "$AWS_ENDPOINT_URL" "$READ_SECRETS" "$WRITES" "$WRITE_EVERY" "$WORK/soak.lua" <<'PY'
import concurrent.futures, json, sys, uuid, boto3, botocore.auth, botocore.awsrequest
endpoint, n, writes, every, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def name(i): return "platform-data/soak/app-%05d" % i
c = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
value = json.dumps({"username": "app", "password": "x" * 32, "host": "db.internal", "port": 5432})
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    list(ex.map(lambda i: c.create_secret(Name=name(i), SecretString=value), range(n)))
creds = c._request_signer._credentials
def signed(op, payload):
    r = botocore.awsrequest.AWSRequest("POST", endpoint + "/", data=payload, headers={
        "X-Amz-Target": "secretsmanager." + op, "Content-Type": "application/x-amz-json-1.1"})
    botocore.auth.SigV4Auth(creds, "secretsmanager", "us-east-1").add_auth(r)
    hdrs = "".join('["%s"]="%s",' % (k, v) for k, v in r.headers.items() if k.lower() != "host")
    return 'wrk.format("POST", "/", {%s}, %s)' % (hdrs, json.dumps(payload))
with open(out, "w") as f:
    f.write("local reads, writes = {}, {}\ninit = function()\n")
    for i in range(n):
        f.write("  table.insert(reads, %s)\n" % signed("GetSecretValue", json.dumps({"SecretId": name(i)})))
    for i in range(writes):
        v = json.dumps({"username": "app", "password": "w%08d" % i, "host": "db.internal", "port": 5432})
        f.write("  table.insert(writes, %s)\n" % signed("PutSecretValue", json.dumps(
            {"SecretId": name(i % n), "SecretString": v, "ClientRequestToken": str(uuid.uuid4())})))
    f.write("end\nlocal r, w, k = 0, 0, 0\nrequest = function()\n  k = k + 1\n"
            "  if k %% %d == 0 then w = w %% #writes + 1; return writes[w] end\n"
            "  r = r %% #reads + 1\n  return reads[r]\nend\n" % every)
    f.write("response = function(status, headers, body)\n"
            "  if status ~= 200 and not printed then printed = true; print(status, body) end\nend\n")
PY

RSS0=$(rss_kb "$KW_PID")
echo "soak: keyward server pid $KW_PID, $READ_SECRETS secrets, RSS after populating: $((RSS0 / 1024)) MiB"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$WORK/soak.lua" "$AWS_ENDPOINT_URL" >"$WORK/warmup.wrk"
RSS1=$(rss_kb "$KW_PID")
echo "soak: RSS after ${WARMUP} warm-up: $((RSS1 / 1024)) MiB; running ${DURATION} (wrk -t$THREADS -c$CONNECTIONS)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/soak.lua" "$AWS_ENDPOINT_URL" | tee "$WORK/soak.wrk"
RSS2=$(rss_kb "$KW_PID")
kill -0 "$KW_PID"  # still alive
echo "soak: RSS at the end: $((RSS2 / 1024)) MiB ($RSS2 kB; after warm-up $RSS1 kB)"

requests=$(awk '/requests in/{print $1}' "$WORK/soak.wrk")
rps=$(awk '/Requests\/sec/{print $2}' "$WORK/soak.wrk")
non2xx=$(awk '/Non-2xx/{print $NF}' "$WORK/soak.wrk")
# wrk prints these lines only when there were errors.
sockerr=$({ grep 'Socket errors' "$WORK/soak.wrk" || true; } | { grep -o '[0-9]\+' || true; } | awk '{s += $1} END {print s + 0}')
warm_bad=$(awk '/Non-2xx/{print $NF}' "$WORK/warmup.wrk")
growth=$(awk -v a="$RSS1" -v b="$RSS2" 'BEGIN{printf "%.2f", 100 * (b - a) / a}')
versions=$(python3 - "$AWS_ENDPOINT_URL" "$READ_SECRETS" <<'PY'
import sys, boto3
c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1")
print(sum(len(c.list_secret_version_ids(SecretId="platform-data/soak/app-%05d" % i, IncludeDeprecated=True)["Versions"])
          for i in range(int(sys.argv[2]))))
PY
)
echo
echo "soak result ($(nproc) cores, duration $DURATION):"
echo "  requests:        ${requests} (${rps} req/s), 1 in ${WRITE_EVERY} a PutSecretValue"
echo "  versions stored: ${versions} (${READ_SECRETS} initial + distinct writes)"
echo "  errors:          socket ${sockerr:-0}, non-2xx ${non2xx:-0} (warm-up non-2xx ${warm_bad:-0})"
echo "  RSS:             start $((RSS0 / 1024)) MiB, after warm-up $((RSS1 / 1024)) MiB, end $((RSS2 / 1024)) MiB (growth ${growth}% since warm-up)"
fail=0
[ "${sockerr:-0}" -eq 0 ] || fail=1
[ "${non2xx:-0}" -eq 0 ] || fail=1
[ "${warm_bad:-0}" -eq 0 ] || fail=1
awk -v g="$growth" 'BEGIN{exit !(g <= 5.0)}' || fail=1
if [ $fail -eq 0 ]; then echo "soak: PASS"; else echo "soak: FAIL"; fi
exit $fail
