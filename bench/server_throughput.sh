#!/usr/bin/env bash
# GetSecretValue throughput with keep-alive on loopback, in one run:
#   keyward server (10,000 stored secrets)  vs  moto_server  vs  nginx (static file)
# Prints requests/s, p99 latency and RSS of each, and the ratios
# (targets: keyward >= 50x moto, >= 50% of nginx).
#
# With KEYWARD_IAM=1 a second keyward server runs in the same session with
# the access layer enforced (issue 15): `--inventory` with IAM_APPS
# applications, each consuming an equal share of the secrets wrk reads, its
# generated identity policy, and a resource policy on every read secret
# (`keyward iam resource-policy --apply`); each request is signed by the key
# of the application that consumes the secret. Printed as "keyward-iam", with
# its throughput relative to plain keyward (target: >= 90%): ROUNDS IAM runs
# alternate with plain runs and the medians are compared.
#
# Usage: bench/server_throughput.sh [KEYWARD_BIN]
# Env: SECRETS (10000), DURATION (10s), CONNECTIONS (32), THREADS (2), MOTO_SECRETS (100),
#      KEYWARD_IAM (0), IAM_APPS (50), ROUNDS (3: alternating plain/IAM runs)
set -euo pipefail
KEYWARD_BIN=${1:-${KEYWARD_BIN:-$(dirname "$0")/../build/keyward}}
SECRETS=${SECRETS:-10000}
MOTO_SECRETS=${MOTO_SECRETS:-100}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
KEYWARD_IAM=${KEYWARD_IAM:-0}
ROUNDS=${ROUNDS:-3}
IAM_APPS=${IAM_APPS:-50}
for tool in wrk nginx moto_server python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# --- keyward server --------------------------------------------------------
KW_PORT=$(free_port)
"$KEYWARD_BIN" server --store "$WORK/kw/store.db" --listen 127.0.0.1:"$KW_PORT" \
  --env-file "$WORK/kw.env" --access-log "$WORK/kw-access.log" >"$WORK/kw.out" 2>&1 &
KW_PID=$!; PIDS+=("$KW_PID")
wait_port "$KW_PORT"
for _ in $(seq 1 100); do [ -s "$WORK/kw.env" ] && break; sleep 0.1; done
# shellcheck disable=SC1090
. "$WORK/kw.env"

# --- keyward server with per-application principals and resource policies --
if [ "$KEYWARD_IAM" = 1 ]; then
  python3 - "$WORK/inventory.yaml" "$(( SECRETS < 1000 ? SECRETS : 1000 ))" "$IAM_APPS" <<'PY'
import sys
path, n, apps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    f.write("version: 1\napplications:\n")
    for a in range(apps):
        f.write("  bench-app-%03d: {description: Benchmark application %d}\n" % (a, a))
    f.write("secrets:\n")
    for i in range(n):
        f.write("  - {name: platform-data/bench/app-%05d, description: Bench secret %d, "
                "consumers: [bench-app-%03d], properties: [username, password, host, port], "
                "rotation: {status: none}}\n" % (i, i, i % apps))
PY
  KWI_PORT=$(free_port)
  mkdir -p "$WORK/kwi"; chmod 700 "$WORK/kwi"
  "$KEYWARD_BIN" server --store "$WORK/kwi/store.db" --listen 127.0.0.1:"$KWI_PORT" \
    --inventory "$WORK/inventory.yaml" \
    --env-file "$WORK/kwi.env" --access-log "$WORK/kwi-access.log" >"$WORK/kwi.out" 2>&1 &
  KWI_PID=$!; PIDS+=("$KWI_PID")
  wait_port "$KWI_PORT"
  for _ in $(seq 1 100); do [ -s "$WORK/kwi.env" ] && break; sleep 0.1; done
  KWI_ENDPOINT=$(sed -n 's/^export AWS_ENDPOINT_URL=//p' "$WORK/kwi.env")
  KWI_CREDS=$(sed -n 's/^export AWS_SHARED_CREDENTIALS_FILE=//p' "$WORK/kwi.env")
fi

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
python3 - "$AWS_ENDPOINT_URL" "http://127.0.0.1:$MOTO_PORT" "$SECRETS" "$MOTO_SECRETS" "$WORK" \
    "${KWI_ENDPOINT:-}" "${KWI_CREDS:-}" "$IAM_APPS" <<'PY'
import concurrent.futures, configparser, json, os, sys, boto3, botocore.auth, botocore.awsrequest
kw, moto, n, moto_n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
kwi, kwi_creds, apps = sys.argv[6], sys.argv[7], int(sys.argv[8])
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
if kwi:
    ini = configparser.ConfigParser()
    ini.read(kwi_creds)
    def key(profile):
        return botocore.credentials.Credentials(ini[profile]["aws_access_key_id"],
                                                ini[profile]["aws_secret_access_key"])
    op = key("keyward-operator")
    kwic = boto3.client("secretsmanager", endpoint_url=kwi, region_name="us-east-1",
                        aws_access_key_id=op.access_key, aws_secret_access_key=op.secret_key)
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda i: create(kwic, i), range(n)))
    # Each request signed by the application that consumes the secret.
    per_app = [key("bench-app-%03d" % (i % apps)) for i in range(min(n, 1000))]
    reqs = []
    for i in range(min(n, 1000)):
        payload = json.dumps({"SecretId": name(i)})
        r = botocore.awsrequest.AWSRequest("POST", kwi + "/", data=payload, headers={
            "X-Amz-Target": "secretsmanager.GetSecretValue",
            "Content-Type": "application/x-amz-json-1.1"})
        botocore.auth.SigV4Auth(per_app[i], "secretsmanager", "us-east-1").add_auth(r)
        hdrs = "".join('["%s"]="%s",' % (k, v) for k, v in r.headers.items() if k.lower() != "host")
        reqs.append('wrk.format("POST", "/", {%s}, %s)' % (hdrs, json.dumps(payload)))
    with open(os.path.join(work, "kwi.lua"), "w") as f:
        f.write("local reqs = {}\ninit = function()\n")
        for r in reqs: f.write("  table.insert(reqs, %s)\n" % r)
        f.write("end\nlocal i = 0\nrequest = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
lua(os.path.join(work, "moto.lua"), moto, moto_n, botocore.credentials.Credentials("a", "b"))
PY
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' 2>>"$WORK/nginx/error.log" &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_port "$NGINX_PORT"

if [ "$KEYWARD_IAM" = 1 ]; then
  AWS_ENDPOINT_URL=$KWI_ENDPOINT AWS_SHARED_CREDENTIALS_FILE=$KWI_CREDS \
    AWS_PROFILE=keyward-operator AWS_REGION=us-east-1 \
    "$KEYWARD_BIN" iam resource-policy --apply --file "$WORK/inventory.yaml" \
    --account 123456789012 >"$WORK/kwi-apply.log" 2>&1 ||
    { cat "$WORK/kwi-apply.log" >&2; exit 1; }
fi

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
if [ "$KEYWARD_IAM" = 1 ]; then
  # The machine's load drifts by more than the 10% being measured: plain and
  # IAM runs alternate ROUNDS times and the medians are compared.
  KW_ALL=("$KW") KWI_ALL=()
  for ((r = 1; r <= ROUNDS; r++)); do
    KWI_ALL+=("$(run keyward-iam "$KWI_ENDPOINT" "$WORK/kwi.lua")")
    KW_ALL+=("$(run keyward-again "$AWS_ENDPOINT_URL" "$WORK/kw.lua")")
  done
  median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
  KW_MED=$(for l in "${KW_ALL[@]}"; do awk '{print $2}' <<<"$l"; done | median)
  KWI_MED=$(for l in "${KWI_ALL[@]}"; do awk '{print $2}' <<<"$l"; done | median)
  KWI=${KWI_ALL[-1]} KW2=${KW_ALL[-1]}
fi
MOTO=$(run moto "http://127.0.0.1:$MOTO_PORT" "$WORK/moto.lua")
NGX=$(run nginx "http://127.0.0.1:$NGINX_PORT/secret.json")
NGINX_RSS=0
for p in $(pgrep -P "$NGINX_PID") "$NGINX_PID"; do NGINX_RSS=$((NGINX_RSS + $(rss_kb "$p"))); done
printf '%-8s %12s %10s %10s %8s\n' server rps p99 rss_MiB non2xx
LINES=("$KW:$KW_PID")
[ "$KEYWARD_IAM" = 1 ] && LINES+=("$KWI:$KWI_PID" "$KW2:$KW_PID")
LINES+=("$MOTO:$MOTO_PID" "$NGX:0")
for line in "${LINES[@]}"; do
  read -r n rps p99 bad <<<"${line%:*}"
  pid=${line##*:}
  if [ "$pid" = 0 ]; then rss=$NGINX_RSS; else rss=$(rss_kb "$pid"); fi
  printf '%-8s %12s %10s %10s %8s\n' "$n" "$rps" "$p99" "$((rss / 1024))" "$bad"
done
KW_RPS=$(awk '{print $2}' <<<"$KW"); MOTO_RPS=$(awk '{print $2}' <<<"$MOTO"); NGX_RPS=$(awk '{print $2}' <<<"$NGX")
awk -v k="$KW_RPS" -v m="$MOTO_RPS" -v n="$NGX_RPS" 'BEGIN {
  printf "keyward/moto  = %.1fx (target >= 50x)\n", k / m;
  printf "keyward/nginx = %.0f%% (target >= 50%%)\n", 100 * k / n }'
if [ "$KEYWARD_IAM" = 1 ]; then
  echo "keyward runs (req/s):     $(for l in "${KW_ALL[@]}"; do awk '{printf "%d ", $2}' <<<"$l"; done)"
  echo "keyward-iam runs (req/s): $(for l in "${KWI_ALL[@]}"; do awk '{printf "%d ", $2}' <<<"$l"; done)"
  awk -v k="$KW_MED" -v i="$KWI_MED" 'BEGIN {
    printf "keyward-iam/keyward = %.0f%% (medians %d / %d req/s; target >= 90%%)\n", 100 * i / k, i, k }'
  echo "keyward-iam: $IAM_APPS application principals, $(( SECRETS < 1000 ? SECRETS : 1000 )) secrets with resource policies"
fi
echo "secrets stored in keyward: $SECRETS (moto: $MOTO_SECRETS)"
