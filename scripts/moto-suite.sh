#!/usr/bin/env bash
# Runs moto's own Secrets Manager tests in moto's server mode against keyward
# server (issue 19): every test gets a fresh `keyward server` (new store) on
# one loopback port, and moto's mock_aws, in TEST_SERVER_MODE, points boto3 at
# it. moto's code is not part of this repository: pass a directory holding
# moto's tests/test_secretsmanager/*.py (from a moto checkout, e.g. tag 5.2.1).
#
#   scripts/moto-suite.sh MOTO_TESTS_DIR [KEYWARD_BIN] [pytest args...]
#
# Needs python3 with moto (for mock_aws), boto3, pytest and freezegun (moto's
# tests import them). Prints pytest's per-test result lines and a summary; the
# split into passing / missing operation / moto quirk / other is a judgement
# recorded in docs/server-conformance.md.
set -euo pipefail
src=${1:?usage: moto-suite.sh MOTO_TESTS_DIR [KEYWARD_BIN] [pytest args]}
shift
bin=${1:-}
if [[ -n "$bin" && -x "$bin" ]]; then shift; else bin=""; fi
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${bin:-$here/build/keyward}
[[ -x "$bin" ]] || { echo "no keyward binary at $bin" >&2; exit 2; }
if [[ -d "$src/tests/test_secretsmanager" ]]; then src="$src/tests/test_secretsmanager"; fi
[[ -d "$src" ]] || { echo "no such directory: $src" >&2; exit 2; }

work=$(mktemp -d /tmp/kw-moto-suite.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tests/test_secretsmanager" "$work/tests/test_awslambda" \
  "$work/tests/test_dynamodb"
cp "$src"/*.py "$work/tests/test_secretsmanager/"

# moto's tests/__init__.py decorators: run the mocked form (server mode).
cat > "$work/tests/__init__.py" <<'PY'
from moto import mock_aws
DEFAULT_ACCOUNT_ID = "123456789012"
def aws_verified(func):
    return mock_aws(func)
def allow_aws_request():
    return False
PY
# Tests that need moto's Lambda or DynamoDB backends cannot run against
# keyward server (it serves Secrets Manager only): they are skipped as such.
cat > "$work/tests/test_awslambda/__init__.py" <<'PY'
import pytest
def lambda_aws_verified(func):
    return pytest.mark.skip(reason="needs moto's Lambda backend")(func)
PY
cat > "$work/tests/test_awslambda/utilities.py" <<'PY'
def _process_lambda(*args, **kwargs):
    raise RuntimeError("needs moto's Lambda backend")
def get_role_name(*args, **kwargs):
    raise RuntimeError("needs moto's IAM backend")
def get_test_zip_file1(*args, **kwargs):
    raise RuntimeError("needs moto's Lambda backend")
PY
cat > "$work/tests/test_dynamodb/__init__.py" <<'PY'
import pytest
def dynamodb_aws_verified(*args, **kwargs):
    def wrap(func):
        return pytest.mark.skip(reason="needs moto's DynamoDB backend")(func)
    return wrap
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/conftest.py" <<PY
import os, subprocess, tempfile, time, pytest

BIN = "$bin"
PORT = $port

@pytest.fixture(autouse=True)
def keyward_server():
    d = tempfile.mkdtemp(prefix="kw-moto-", dir="/tmp")
    os.chmod(d, 0o700)
    creds = os.path.join(d, "credentials")
    # mock_aws puts moto's fake key pair in the environment.
    with open(creds, "w") as f:
        f.write("[default]\naws_access_key_id = FOOBARKEY\n"
                "aws_secret_access_key = FOOBARSECRET\n")
    os.chmod(creds, 0o600)
    env_file = os.path.join(d, "env")
    p = subprocess.Popen([BIN, "server", "--store", os.path.join(d, "s.db"),
                          "--listen", "127.0.0.1:%d" % PORT, "--credentials",
                          creds, "--env-file", env_file, "--access-log", "off"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(3000):
        if os.path.exists(env_file) or p.poll() is not None:
            break
        time.sleep(0.01)
    yield
    p.terminate()
    p.wait()
    subprocess.run(["rm", "-rf", d])
PY

cd "$work"
env -u AWS_ENDPOINT_URL -u AWS_PROFILE -u AWS_ACCESS_KEY_ID \
  -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
  TEST_SERVER_MODE=true TEST_SERVER_MODE_ENDPOINT=http://127.0.0.1:$port \
  AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
  python3 - -p no:cacheprovider -q -rA "$@" tests/test_secretsmanager <<'PY' || true
# pytest/freezegun from Debian (python3-pytest, python3-freezegun) when the
# python that has moto lacks them: appended, so moto/boto3 stay the same.
import sys
try:
    import pytest, freezegun  # noqa: F401
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
    import pytest
sys.exit(pytest.main(sys.argv[1:]))
PY
