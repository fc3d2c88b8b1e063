#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install, build, start a local
# Secrets Manager endpoint, create secrets named by the convention and read
# them back through keyward.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
ninja -C build keyward_cli

work=$(mktemp -d)
cleanup() { [[ -n ${endpoint_pid:-} ]] && kill "$endpoint_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$work/endpoint.log" 2>&1 &
endpoint_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
aws secretsmanager create-secret --name platform-data/postgres/orders \
  --secret-string '{"username":"orders","password":"demo-only-password"}' >/dev/null
aws secretsmanager create-secret --name platform-config/postgres/platform-postgres \
  --secret-string '{"host":"db.internal","port":"5432"}' >/dev/null

./build/keyward list
./build/keyward get platform-data/postgres/orders
./build/keyward get platform-config/postgres/platform-postgres --property host --reveal
