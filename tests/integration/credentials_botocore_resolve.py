#!/usr/bin/env python3
"""Resolves AWS credentials and region with botocore for a table of cases.

Used by credentials_botocore_test.cc (the differential test): keyward and
botocore must agree on every case.

Input (argv[1]): a JSON list of cases, each
  {"name": str, "dir": str, "env": {VAR: value}, "profile": str or null}
where "dir" already holds the case's files. Keys of "env" starting with "--"
are the CLI's flags --region and --endpoint-url (passed to create_client like
`aws --region R --endpoint-url U`), not variables. AWS_REGION is honoured
before AWS_DEFAULT_REGION as AWS CLI v2 and every other SDK do (botocore alone
reads only AWS_DEFAULT_REGION; keyward follows the CLI v2 rule). Output (stdout): a JSON list of
  {"name", "access_key", "secret_sha256", "token_sha256", "method", "region",
   "endpoint", "error"}
where "endpoint" is the Secrets Manager endpoint botocore's client would use
(region us-east-1 when none is configured).
Secrets are reported only as SHA-256 digests, so nothing secret is printed.
"""
import hashlib
import json
import os
import sys

import botocore.session


def sha(value):
    if value is None:
        return ""
    return hashlib.sha256(value.encode()).hexdigest()


def resolve(case):
    for key in list(os.environ):
        if key.startswith("AWS_"):
            del os.environ[key]
    os.environ["HOME"] = case["dir"]
    flags = {k: v for k, v in case["env"].items() if k.startswith("--")}
    os.environ.update({k: v for k, v in case["env"].items()
                       if not k.startswith("--")})
    out = {"name": case["name"], "access_key": "", "secret_sha256": "",
           "token_sha256": "", "method": "", "region": "", "endpoint": "",
           "error": ""}
    try:
        if case.get("profile"):
            session = botocore.session.Session(profile=case["profile"])
        else:
            session = botocore.session.Session()
        creds = session.get_credentials()
        if creds is not None:
            frozen = creds.get_frozen_credentials()
            out["access_key"] = frozen.access_key
            out["secret_sha256"] = sha(frozen.secret_key)
            out["token_sha256"] = sha(frozen.token)
            out["method"] = creds.method
        out["region"] = (flags.get("--region")
                         or os.environ.get("AWS_REGION")
                         or session.get_config_variable("region") or "")
        client = session.create_client(
            "secretsmanager", region_name=out["region"] or "us-east-1",
            endpoint_url=flags.get("--endpoint-url"),
            aws_access_key_id="x", aws_secret_access_key="x")
        out["endpoint"] = client.meta.endpoint_url
    except Exception as e:  # botocore raises many types; the name is enough
        out["error"] = type(e).__name__
    return out


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    json.dump([resolve(c) for c in cases], sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
