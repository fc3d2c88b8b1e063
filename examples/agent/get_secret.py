#!/usr/bin/env python3
"""Reads a secret through keyward agent (or the AWS Secrets Manager Agent):
Python standard library only. Usage: get_secret.py SECRET_ID [PROPERTY]

Env: AGENT_URL (default http://localhost:2773), TOKEN_FILE (default
/run/keyward-agent/$APP.token if APP is set, else the AWS_TOKEN value).
Tested by tests/integration/agent_clients_test.cc (same calls)."""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def token():
    path = os.environ.get("TOKEN_FILE")
    if not path and os.environ.get("APP"):
        path = "/run/keyward-agent/%s.token" % os.environ["APP"]
    if path:
        with open(path) as fp:
            return fp.read().strip()
    value = os.environ["AWS_TOKEN"]
    if value.startswith("file://"):
        with open(value[len("file://"):]) as fp:
            return fp.read().strip()
    return value


def get_secret(secret_id, refresh_now=False):
    base = os.environ.get("AGENT_URL", "http://localhost:2773")
    query = {"secretId": secret_id}
    if refresh_now:
        query["refreshNow"] = "true"
    req = urllib.request.Request(
        base + "/secretsmanager/get?" + urllib.parse.urlencode(query),
        headers={"X-Aws-Parameters-Secrets-Token": token()})
    with urllib.request.urlopen(req, timeout=5) as response:
        return json.load(response)


if __name__ == "__main__":
    try:
        body = get_secret(sys.argv[1])
    except urllib.error.HTTPError as e:
        sys.exit("agent answered %d: %s" % (e.code, e.read().decode()[:200]))
    value = body["SecretString"]
    if len(sys.argv) > 2:
        value = json.loads(value)[sys.argv[2]]
    # A real service would use the value; printing is for the demo only.
    print(value)
