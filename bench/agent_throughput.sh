#!/usr/bin/env bash
# keyward agent, in one run against peers on the same machine:
#   * cache-hit GET throughput with keep-alive (wrk -c32) vs nginx serving the
#     same response body as a static file: ratio (target >= 80%), p99
#     (target <= 2 ms), errors (target 0);
#   * RSS with 1,000 cached secrets (target <= 30 MiB);
#   * the prefetch: BatchGetSecretValue requests for 1,000 secrets (target
#     <= 5 per 100);
#   * upstream requests in steady state, counted from keyward server's access
#     log: DescribeSecret per secret per TTL (target exactly 1) and
#     GetSecretValue (target 0 while nothing rotates).
#
# Usage: bench/agent_throughput.sh [KEYWARD_BIN]
# Env: SECRETS (1000), DURATION (10s), CONNECTIONS (32), THREADS (wrk's,
#      nproc/2), TTL (10, seconds), PERIODS (3, TTL periods counted),
#      AGENT_THREADS (agent's threads and nginx's workers, nproc/2).
# wrk runs on the same machine: by default it and the server under test each
# get half the cores, so the tail latency measures the server, not four busy
# threads queueing for two cores.
set -euo pipefail
KEYWARD_BIN=${1:-${KEYWARD_BIN:-$(dirname "$0")/../build/keyward}}
SECRETS=${SECRETS:-1000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
HALF=$(( $(nproc) / 2 )); (( HALF >= 1 )) || HALF=1
THREADS=${THREADS:-$HALF}
TTL=${TTL:-10}
PERIODS=${PERIODS:-3}
AGENT_THREADS=${AGENT_THREADS:-$HALF}
for tool in wrk nginx python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
count_op() { grep -c "\"op\":\"$1\"" "$WORK/kw-access.log" || true; }

# --- keyward server (the store) --------------------------------------------
KW_PORT=$(free_port)
"$KEYWARD_BIN" server --store "$WORK/kw/store.db" --listen 127.0.0.1:"$KW_PORT" \
  --env-file "$WORK/kw.env" --access-log "$WORK/kw-access.log" >"$WORK/kw.out" 2>&1 &
PIDS+=("$!")
wait_port "$KW_PORT"
for _ in $(seq 1 100); do [ -s "$WORK/kw.env" ] && break; sleep 0.1; done
# shellcheck disable=SC1090
. "$WORK/kw.env"

# --- secrets and an inventory whose application "bench" consumes them all --
python3 - "$AWS_ENDPOINT_URL" "$SECRETS" "$WORK" <<'PY'
import concurrent.futures, json, os, sys, urllib.request
sys.path.insert(0, "")
endpoint, n, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
import boto3
c = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
value = json.dumps({"username": "app", "password": "x" * 32, "host": "db.internal", "port": 5432})
def name(i): return "platform-data/bench/app-%05d" % i
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    list(ex.map(lambda i: c.create_secret(Name=name(i), SecretString=value), range(n)))
with open(os.path.join(work, "inventory.yaml"), "w") as f:
    f.write("version: 1\napplications:\n  bench:\n    description: benchmark\nsecrets:\n")
    for i in range(n):
        f.write("  - name: %s\n    description: bench\n    consumers: [bench]\n"
                "    properties: [username, password, host, port]\n"
                "    rotation: {status: none}\n" % name(i))
PY

# --- keyward agent -----------------------------------------------------------
AGENT_PORT=$(free_port)
export AWS_TOKEN
AWS_TOKEN=$(python3 -c 'import secrets;print(secrets.token_hex(32))')
BEFORE_BATCH=$(count_op BatchGetSecretValue)
BEFORE_GET=$(count_op GetSecretValue)
"$KEYWARD_BIN" agent --listen 127.0.0.1:"$AGENT_PORT" --inventory "$WORK/inventory.yaml" \
  --app bench --ttl-seconds "$TTL" --threads "$AGENT_THREADS" --log-level warn \
  >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!; PIDS+=("$AGENT_PID")
for _ in $(seq 1 600); do
  [ "$(curl -s "http://127.0.0.1:$AGENT_PORT/ping" || true)" = healthy ] && break; sleep 0.1
done
LOADED_AT=$(date +%s.%N)
BATCHES=$(( $(count_op BatchGetSecretValue) - BEFORE_BATCH ))
LOAD_GETS=$(( $(count_op GetSecretValue) - BEFORE_GET ))
SECRET_URL="http://127.0.0.1:$AGENT_PORT/secretsmanager/get?secretId=platform-data/bench/app-00000"
curl -sf -H "X-Aws-Parameters-Secrets-Token: $AWS_TOKEN" "$SECRET_URL" >"$WORK/body.json"

# --- nginx serving that exact body as a static file ------------------------
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/html"
cp "$WORK/body.json" "$WORK/nginx/html/secret.json"
chmod 755 "$WORK" "$WORK/nginx" "$WORK/nginx/html"; chmod 644 "$WORK/nginx/html/secret.json"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes $AGENT_THREADS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/nginx/html; }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' 2>>"$WORK/nginx/error.log" &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_port "$NGINX_PORT"
curl -sf "http://127.0.0.1:$NGINX_PORT/secret.json" | cmp -s - "$WORK/body.json" \
  || { echo "nginx body differs" >&2; exit 1; }

run() {  # name url [header]
  local out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$3" "$2")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2")
  fi
  echo "$out" >"$WORK/$1.wrk"
  local rps p99 non2xx errs
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  errs=$(awk '/Socket errors/{gsub(",","");print $4+$6+$8+$10}' <<<"$out")
  echo "$1 $rps $p99 $(( ${non2xx:-0} + ${errs:-0} ))"
}

echo "Cache-hit GET, keep-alive, wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores" \
     "(agent and nginx: $AGENT_THREADS worker threads/processes each)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
AGENT=$(run agent "$SECRET_URL" "X-Aws-Parameters-Secrets-Token: $AWS_TOKEN")
NGX=$(run nginx "http://127.0.0.1:$NGINX_PORT/secret.json")
NGINX_RSS=0
for p in $(pgrep -P "$NGINX_PID") "$NGINX_PID"; do NGINX_RSS=$((NGINX_RSS + $(rss_kb "$p"))); done
AGENT_RSS=$(rss_kb "$AGENT_PID")
printf '%-8s %12s %10s %10s %8s\n' server rps p99 rss_MiB errors
read -r n rps p99 bad <<<"$AGENT"; printf '%-8s %12s %10s %10.1f %8s\n' "$n" "$rps" "$p99" "$(bc -l <<<"$AGENT_RSS/1024")" "$bad"
read -r n rps p99 bad <<<"$NGX"; printf '%-8s %12s %10s %10.1f %8s\n' "$n" "$rps" "$p99" "$(bc -l <<<"$NGINX_RSS/1024")" "$bad"
awk -v a="$(awk '{print $2}' <<<"$AGENT")" -v n="$(awk '{print $2}' <<<"$NGX")" 'BEGIN {
  printf "agent/nginx = %.0f%% (target >= 80%%)\n", 100 * a / n }'
echo "agent p99 = $(awk '{print $3}' <<<"$AGENT") (target <= 2ms); errors = $(awk '{print $4}' <<<"$AGENT") (target 0)"
echo "agent RSS with $SECRETS cached secrets = $((AGENT_RSS / 1024)) MiB (target <= 30 MiB)"
echo "prefetch of $SECRETS secrets: $BATCHES BatchGetSecretValue, $LOAD_GETS GetSecretValue" \
     "(target <= $(( (SECRETS + 99) / 100 * 5 )) requests)"

# --- steady state: count upstream requests over PERIODS TTLs ----------------
# Refreshes are due TTL after the load; wait until just past PERIODS of them.
NOW=$(date +%s.%N)
WAIT=$(bc -l <<<"$LOADED_AT + $PERIODS * $TTL + $TTL / 2 - $NOW")
if [ "$(bc -l <<<"$WAIT > 0")" = 1 ]; then sleep "$WAIT"; fi
DESCRIBES=$(count_op DescribeSecret)
GETS=$(( $(count_op GetSecretValue) - BEFORE_GET - LOAD_GETS ))
awk -v d="$DESCRIBES" -v s="$SECRETS" -v p="$PERIODS" -v t="$TTL" -v g="$GETS" 'BEGIN {
  printf "steady state over %d x %ds: %d DescribeSecret = %.3f per secret per TTL (target 1), %d GetSecretValue (target 0)\n",
         p, t, d, d / (s * p), g }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
