#!/usr/bin/env bash
# GetSecretValue throughput with keep-alive on loopback, in one run:
#   keyward server (10,000 stored secrets)  vs  moto_server  vs  nginx (static file)
# Prints requests/s, p99 latency and RSS of each, and the ratios
# (targets: keyward >= 50x moto, >= 50% of nginx).
#
# Usage: bench/server_throughput.sh [KEYWARD_BIN]
# Env: SECRETS (10000), DURATION (10s), CONNECTIONS (32), THREADS (2), MOTO_SECRETS (100)
set -euo pipefail
KEYWARD_BIN=${1:-${KEYWARD_BIN:-$(dirname "$0")/../build/keyward}}
SECRETS=${SECRETS:-10000}
MOTO_SECRETS=${MOTO_SECRETS:-100}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
for tool in wrk nginx moto_server python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kb() { awk '/VmRSS/{print $2}' /proc/"$1"/status; }

# --- keyward server --------------------------------------------------------
KW_PORT=$(free_port)
"$KEYWARD_BIN" server --store "$WORK/kw/store.db" --listen 127.0.0.1:"$KW_PORT" \
  --env-file "$WORK/kw.env" --access-log "$WORK/kw-access.log" >"$WORK/kw.out" 2>&1 &
KW_PID=$!; PIDS+=("$KW_PID")
wait_port "$KW_PORT"
for _ in $(seq 1 100); do [ -s "$WORK/kw.env" ] && break; sleep 0.1; done
# shellcheck disable=SC1090
. "$WORK/kw.env"

# --- moto_server -----------------------------------------------------------
MOTO_PORT=$(free_port)
moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!; PIDS+=("$MOTO_PID")
wait_port "$MOTO_PORT"

# --- nginx serving a static file of the same size as a GetSecretValue body -
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/html"
chmod 755 "$WORK" "$WORK/nginx" "$WORK/nginx/html"  # nginx workers run as nobody
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $WORK/nginx/access.log;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/nginx/html; }
}
CONF

# Populate both stores and pre-sign GetSecretValue requests (valid 15 min).
python3 - "$AWS_ENDPOINT_URL" "http://127.0.0.1:$MOTO_PORT" "$SECRETS" "$MOTO_SECRETS" "$WORK" <<'PY'
import concurrent.futures, json, os, sys, boto3, botocore.auth, botocore.awsrequest
kw, moto, n, moto_n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def name(i): return "platform-data/bench/app-%05d" % i
value = json.dumps({"username": "app", "password": "x" * 32, "host": "db.internal", "port": 5432})
kwc = boto3.client("secretsmanager", endpoint_url=kw, region_name="us-east-1")
mc = boto3.client("secretsmanager", endpoint_url=moto, aws_access_key_id="a",
                  aws_secret_access_key="b", region_name="us-east-1")
def create(c, i): c.create_secret(Name=name(i), SecretString=value)
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    list(ex.map(lambda i: create(kwc, i), range(n)))
for i in range(moto_n): create(mc, i)
body = kwc.get_secret_value(SecretId=name(0))
open(os.path.join(work, "nginx/html/secret.json"), "w").write(json.dumps(
    {k: v for k, v in body.items() if k != "ResponseMetadata"}, default=str))
creds = kwc._request_signer._credentials
def lua(path, endpoint, count, cred):
    reqs = []
    for i in range(count):
        payload = json.dumps({"SecretId": name(i)})
        r = botocore.awsrequest.AWSRequest("POST", endpoint + "/", data=payload, headers={
            "X-Amz-Target": "secretsmanager.GetSecretValue",
            "Content-Type": "application/x-amz-json-1.1"})
        botocore.auth.SigV4Auth(cred, "secretsmanager", "us-east-1").add_auth(r)
        hdrs = "".join('["%s"]="%s",' % (k, v) for k, v in r.headers.items() if k.lower() != "host")
        reqs.append('wrk.format("POST", "/", {%s}, %s)' % (hdrs, json.dumps(payload)))
    with open(path, "w") as f:
        f.write("local reqs = {}\ninit = function()\n")
        for r in reqs: f.write("  table.insert(reqs, %s)\n" % r)
        f.write("end\nlocal i = 0\nrequest = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
lua(os.path.join(work, "kw.lua"), kw, min(n, 1000), creds)
lua(os.path.join(work, "moto.lua"), moto, moto_n, botocore.credentials.Credentials("a", "b"))
PY
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' 2>>"$WORK/nginx/error.log" &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_port "$NGINX_PORT"

# Sanity: one request of each must succeed.
chmod 644 "$WORK/nginx/html/secret.json"
curl -sf "http://127.0.0.1:$NGINX_PORT/secret.json" >/dev/null

run() {  # name url [script]
  local out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$3" "$2")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2")
  fi
  echo "$out" >"$WORK/$1.wrk"
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  echo "$1 $rps $p99 ${non2xx:-0}"
}

echo "GetSecretValue, keep-alive, wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores"
KW=$(run keyward "$AWS_ENDPOINT_URL" "$WORK/kw.lua")
MOTO=$(run moto "http://127.0.0.1:$MOTO_PORT" "$WORK/moto.lua")
NGX=$(run nginx "http://127.0.0.1:$NGINX_PORT/secret.json")
NGINX_RSS=0
for p in $(pgrep -P "$NGINX_PID") "$NGINX_PID"; do NGINX_RSS=$((NGINX_RSS + $(rss_kb "$p"))); done
printf '%-8s %12s %10s %10s %8s\n' server rps p99 rss_MiB non2xx
for line in "$KW:$KW_PID" "$MOTO:$MOTO_PID" "$NGX:0"; do
  read -r n rps p99 bad <<<"${line%:*}"
  pid=${line##*:}
  if [ "$pid" = 0 ]; then rss=$NGINX_RSS; else rss=$(rss_kb "$pid"); fi
  printf '%-8s %12s %10s %10s %8s\n' "$n" "$rps" "$p99" "$((rss / 1024))" "$bad"
done
KW_RPS=$(awk '{print $2}' <<<"$KW"); MOTO_RPS=$(awk '{print $2}' <<<"$MOTO"); NGX_RPS=$(awk '{print $2}' <<<"$NGX")
awk -v k="$KW_RPS" -v m="$MOTO_RPS" -v n="$NGX_RPS" 'BEGIN {
  printf "keyward/moto  = %.1fx (target >= 50x)\n", k / m;
  printf "keyward/nginx = %.0f%% (target >= 50%%)\n", 100 * k / n }'
echo "secrets stored in keyward: $SECRETS (moto: $MOTO_SECRETS)"
