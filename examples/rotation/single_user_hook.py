#!/usr/bin/env python3
"""A keyward server rotation hook: the single-user rotation strategy.

keyward server runs this once per rotation step with AWS's rotation event on
stdin ({"Step", "SecretId", "ClientRequestToken", "RotationToken"}) and an
environment that points boto3 at the server itself (AWS_ENDPOINT_URL,
AWS_REGION, AWS_SHARED_CREDENTIALS_FILE/AWS_PROFILE). It follows the shape of
AWS's rotation Lambda template:

  createSecret  put a new value (GetRandomPassword) as AWSPENDING
  setSecret     apply the AWSPENDING value to the protected service
  testSecret    check that the AWSPENDING value works
  finishSecret  move AWSCURRENT to the AWSPENDING version

A value that is a JSON object gets a new "password" member (the other members
are kept); any other value is replaced by the new password.

Options (for the command line given to --rotation-hook):
  --set-command CMD   run CMD for setSecret, with the pending value on its
                      stdin (default: nothing to set; the secret is the
                      service's only copy)
  --fail-at STEP      fail at STEP (exit 1), to rehearse a failed rotation

Nothing is printed that could contain a value; the exit status tells keyward
server whether the step succeeded.
"""
import argparse
import json
import subprocess
import sys

import boto3
from botocore.exceptions import ClientError


def create_secret(client, arn, token):
    current = client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
    try:
        client.get_secret_value(SecretId=arn, VersionId=token,
                                VersionStage="AWSPENDING")
        return  # already created by an earlier attempt of this rotation
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    password = client.get_random_password(
        ExcludeCharacters="/@\"'\\")["RandomPassword"]
    old = current.get("SecretString", "")
    try:
        doc = json.loads(old)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        doc["password"] = password
        value = json.dumps(doc)
    else:
        value = password
    client.put_secret_value(SecretId=arn, ClientRequestToken=token,
                            SecretString=value, VersionStages=["AWSPENDING"])


def set_secret(client, arn, token, set_command):
    if not set_command:
        return
    pending = client.get_secret_value(SecretId=arn, VersionId=token,
                                      VersionStage="AWSPENDING")
    subprocess.run(set_command, shell=True, check=True,
                   input=pending["SecretString"].encode(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_secret(client, arn, token):
    pending = client.get_secret_value(SecretId=arn, VersionId=token,
                                      VersionStage="AWSPENDING")
    if not pending.get("SecretString"):
        raise RuntimeError("the pending version has no value")


def finish_secret(client, arn, token):
    metadata = client.describe_secret(SecretId=arn)
    current = None
    for version, stages in metadata["VersionIdsToStages"].items():
        if "AWSCURRENT" in stages:
            if version == token:
                return  # already finished
            current = version
    client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                       MoveToVersionId=token,
                                       RemoveFromVersionId=current)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--set-command", default="")
    parser.add_argument("--fail-at", default="")
    args = parser.parse_args()
    event = json.load(sys.stdin)
    step, arn = event["Step"], event["SecretId"]
    token = event["ClientRequestToken"]
    if step == args.fail_at:
        print(f"{step}: failing as asked (--fail-at)", file=sys.stderr)
        return 1
    client = boto3.client("secretsmanager")
    # As AWS's template: the version must be staged for this rotation.
    versions = client.describe_secret(SecretId=arn).get("VersionIdsToStages",
                                                        {})
    if token not in versions:
        print(f"version {token} has no stage for rotation", file=sys.stderr)
        return 1
    if "AWSCURRENT" in versions[token] and step != "finishSecret":
        return 0  # already current: nothing to do
    if "AWSPENDING" not in versions[token] and step != "finishSecret":
        print(f"version {token} is not AWSPENDING", file=sys.stderr)
        return 1
    if step == "createSecret":
        create_secret(client, arn, token)
    elif step == "setSecret":
        set_secret(client, arn, token, args.set_command)
    elif step == "testSecret":
        test_secret(client, arn, token)
    elif step == "finishSecret":
        finish_secret(client, arn, token)
    else:
        print(f"unknown step {step}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
