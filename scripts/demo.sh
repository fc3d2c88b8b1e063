#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, on the embedded default:
#   install packages, build, start `keyward server` (throwaway encrypted store,
#   generated credentials), lint the example inventory, populate it with the
#   operator workflow (generated passwords, nothing typed on the command line),
#   check it for drift, run the example service through the Secret Config
#   Module, rotate a password, read through `keyward agent` from Python, and show the least-privilege IAM policy and the
#   Phase 1 ESO manifests generated from the inventory.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
ninja -C build keyward_cli orders-service

work=$(mktemp -d)
server_pid=""
agent_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

K=./build/keyward
INV=examples/secrets-inventory.yaml

say "keyward server --store $work/store.db --listen 127.0.0.1:0 --env-file $work/env &"
$K server --store "$work/store.db" --listen 127.0.0.1:0 --env-file "$work/env" \
  --access-log off >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do [[ -s $work/env ]] && break; sleep 0.05; done
[[ -s $work/env ]] || { cat "$work/server.log"; exit 1; }
head -n 2 "$work/server.log"
# AWS_ENDPOINT_URL, AWS_REGION, AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE=keyward-local
# shellcheck disable=SC1091
. "$work/env"

run $K inventory lint "$INV"

say "echo '{\"username\":\"orders\"}' | keyward put platform-data/postgres/orders --generate password=32"
echo '{"username":"orders"}' | $K --inventory "$INV" put platform-data/postgres/orders --generate password=32
say "echo '{\"host\":\"db.internal\",\"port\":\"5432\"}' | keyward put platform-config/postgres/platform-postgres"
echo '{"host":"db.internal","port":"5432"}' | $K --inventory "$INV" put platform-config/postgres/platform-postgres
say "echo '{}' | keyward put platform-data/stripe/orders --generate token=40"
echo '{}' | $K --inventory "$INV" put platform-data/stripe/orders --generate token=40

run $K --inventory "$INV" inventory check
run $K list
run $K get platform-data/postgres/orders
run $K get platform-config/postgres/platform-postgres --property host --reveal

run ./build/examples/orders-service --once

say "keyward put platform-data/postgres/orders --merge --generate password=32   # rotate one property"
$K --inventory "$INV" put platform-data/postgres/orders --merge --generate password=32 </dev/null
run $K history platform-data/postgres/orders
run ./build/examples/orders-service --once

# Any language reads through keyward agent (the AWS Secrets Manager Agent's
# HTTP API): prefetch what `orders` consumes, then one line of Python stdlib.
AWS_TOKEN=$(openssl rand -hex 32)
export AWS_TOKEN
say "keyward agent --inventory $INV --app orders --listen 127.0.0.1:2773 &"
$K --inventory "$INV" agent --app orders --listen 127.0.0.1:2773 >"$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 200); do [[ $(curl -s localhost:2773/ping) == healthy ]] && break; sleep 0.05; done
say "python3 -c '...urllib... secretsmanager/get?secretId=platform-config/postgres/platform-postgres'"
python3 -c 'import json,os,urllib.request as u; print(json.loads(json.load(u.urlopen(u.Request("http://localhost:2773/secretsmanager/get?secretId=platform-config/postgres/platform-postgres", headers={"X-Aws-Parameters-Secrets-Token": os.environ["AWS_TOKEN"]})))["SecretString"])["host"])'

run $K --inventory "$INV" inventory report
run $K --inventory "$INV" iam policy --app orders --region eu-west-1
run $K --inventory "$INV" export eso --phase 1 --region eu-west-1 --out-dir "$work/eso"
say "cat $work/eso/external-secrets-orders.yaml"
cat "$work/eso/external-secrets-orders.yaml"

printf '\ndemo complete: the store, its key and the generated credentials are deleted on exit\n'
