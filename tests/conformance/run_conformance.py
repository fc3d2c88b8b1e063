#!/usr/bin/env python3
"""Runs tests/conformance/scenario.json with one client (boto3, the aws CLI or
@aws-sdk/client-secrets-manager + client-sts) against keyward server and against
moto_server, and compares the responses field by field, ignoring generated
ids, ARN suffixes, dates and random passwords. Differences listed in
known_differences.json (each documented in docs/server-conformance.md) are
reported but tolerated; any other difference fails (exit 1).

A step may name a "region" (default us-east-1; the replication steps read
and write replicas in their own regions) and a "poll": {"present": KEY,
"seconds": N} repeats the step until its response has KEY (or N seconds
passed, which is reported as an unexpected difference) and keeps the last
answer. Polling waits for keyward's asynchronous
rotation (AWS rotates asynchronously too); moto rotates inside RotateSecret
(it invokes its Lambda inline), so its answer is final and is not polled
(polling it would only wait out the N seconds). The two servers are driven
concurrently.

Usage: run_conformance.py --client boto3|cli|js --keyward URL --keyward-credentials FILE
                          --keyward-profile P --moto URL
"""
import argparse, base64, json, os, re, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = json.load(open(os.path.join(HERE, "scenario.json")))
KNOWN = json.load(open(os.path.join(HERE, "known_differences.json")))


def error_code(text):
    m = re.search(r"An error occurred \(([A-Za-z.]+)\)", text) or \
        re.search(r"\(([A-Za-z]+(?:Exception|Error|Fault))\)", text)
    return m.group(1) if m else "UnparsedError"


def boto3_clients(endpoint, env):
    """Creates every (service, region) client the scenario uses; credentials
    are resolved here, so the caller sets os.environ for this server first."""
    import boto3
    session = boto3.session.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
        profile_name=env.get("AWS_PROFILE"), region_name="us-east-1")
    return {(service(s), region(s)): session.client(service(s), endpoint_url=endpoint,
                                                    region_name=region(s))
            for s in SCENARIO}


def run_boto3(clients, polls):
    import botocore.exceptions
    from botocore import xform_name

    def call(i, step):
        client = clients[(service(step), region(step))]
        params = dict(step["params"])
        if "SecretBinary" in params:
            params["SecretBinary"] = base64.b64decode(params["SecretBinary"])
        try:
            resp = getattr(client, xform_name(step["op"]))(**params)
            resp.pop("ResponseMetadata", None)
            return {"ok": True, "response": json.loads(json.dumps(resp, default=blob_or_str))}
        except botocore.exceptions.ClientError as e:
            return {"ok": False, "error": e.response["Error"]["Code"]}
        except botocore.exceptions.ParamValidationError:
            return {"ok": False, "error": "ClientSideValidation"}
    return run_steps(call, polls)


def run_steps(call, polls):
    """Runs every step with call(index, step); a step with "poll" is repeated
    (when `polls`) until its response has the key or the time is up."""
    out = []
    for i, step in enumerate(SCENARIO):
        result = call(i, step)
        poll = step.get("poll") if polls else None
        if poll:
            deadline = time.monotonic() + poll["seconds"]
            while not polled(result, poll) and time.monotonic() < deadline:
                time.sleep(0.5)
                result = call(i, step)
            if not polled(result, poll):
                # Never a known difference: the awaited state never came.
                result["poll_timed_out"] = poll["present"]
        out.append(result)
    return out


def polled(result, poll):
    return result.get("ok") and poll["present"] in result.get("response", {})


def service(step):
    return step.get("service", "secretsmanager")


def region(step):
    return step.get("region", "us-east-1")


def blob_or_str(v):
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    return str(v)


def run_cli(endpoint, env, polls):
    with tempfile.TemporaryDirectory() as tmp:
        def call(i, step):
            params = dict(step["params"])
            cmd = ["aws", service(step), re.sub(r"(?<!^)([A-Z])", r"-\1", step["op"]).lower(),
                   "--endpoint-url", endpoint, "--region", region(step), "--output", "json"]
            if "SecretBinary" in params:
                path = os.path.join(tmp, "bin%d" % i)
                open(path, "wb").write(base64.b64decode(params.pop("SecretBinary")))
                cmd += ["--secret-binary", "fileb://" + path]
            path = os.path.join(tmp, "in%d.json" % i)
            json.dump(params, open(path, "w"))
            cmd += ["--cli-input-json", "file://" + path]
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
            if p.returncode == 0:
                return {"ok": True, "response": json.loads(p.stdout) if p.stdout.strip() else {}}
            if "Parameter validation failed" in p.stderr:
                return {"ok": False, "error": "ClientSideValidation"}
            return {"ok": False, "error": error_code(p.stderr)}
        return run_steps(call, polls)


def run_js(endpoint, env, polls):
    p = subprocess.run(["node", os.path.join(HERE, "js", "run.mjs"), endpoint,
                        os.path.join(HERE, "scenario.json")] + (["--poll"] if polls else []),
                       env=env, capture_output=True, text=True, timeout=480)
    if p.returncode != 0:
        raise RuntimeError("js driver failed: " + p.stderr[-2000:])
    return json.loads(p.stdout)


def concurrently(keyward, moto):
    """Runs the two zero-argument functions on two threads; returns both
    results (re-raising the first failure)."""
    results, errors = {}, []

    def run(name, fn):
        try:
            results[name] = fn()
        except BaseException as e:  # reported below, on the main thread
            errors.append(e)
    threads = [threading.Thread(target=run, args=(n, f)) for n, f in
               (("keyward", keyward), ("moto", moto))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results["keyward"], results["moto"]


def normalize(value, key=""):
    if isinstance(value, dict):
        return {normalize(k): normalize(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [normalize(v, key) for v in value]
        if key in ("VersionStages", "TagKeys"):
            items = sorted(items)
        if key == "Tags":
            items = sorted(items, key=lambda t: t.get("Key", ""))
        if key in ("SecretList", "SecretValues", "Errors"):
            items = sorted(items, key=lambda s: s.get("Name", s.get("SecretId", "")))
        return items
    if key.endswith("Date") and value is not None:
        return "<date>"
    if key == "NextToken":
        return "<token>"
    if key == "RandomPassword":
        return "<password of length %d>" % len(value)
    if key in ("AccessKeyId", "SecretAccessKey", "SessionToken") and isinstance(value, str):
        return "<%s>" % key
    if key == "Expiration" and value is not None:
        return "<date>"
    if key == "AssumedRoleId" and isinstance(value, str):
        return re.sub(r"^[A-Z0-9]+:", "<role-id>:", value)
    if isinstance(value, str):
        value = re.sub(r"(:secret:[A-Za-z0-9/_+=.@-]+?)-[A-Za-z0-9]{6}\b", r"\1-XXXXXX", value)
        value = re.sub(r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:", "arn:...:", value)
        if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value) \
                and not re.match(r"[1-9]0000000-0000-4000-8000-", value):
            return "<generated-uuid>"
    return value


def diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append((path + "/" + k, "<absent>", b[k]))
            elif k not in b:
                out.append((path + "/" + k, a[k], "<absent>"))
            else:
                out += diff(a[k], b[k], path + "/" + k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s[%d]" % (path, i))
        return out
    return [] if a == b else [(path, a, b)]


def known(step, path):
    for k in KNOWN:
        steps = k["steps"]
        if (steps == "*" or step in steps) and re.fullmatch(k["path"], path):
            return k
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True, choices=["boto3", "cli", "js"])
    ap.add_argument("--keyward", required=True)
    ap.add_argument("--keyward-credentials", required=True)
    ap.add_argument("--keyward-profile", default="keyward-local")
    ap.add_argument("--moto", required=True)
    args = ap.parse_args()
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base["AWS_DEFAULT_REGION"] = base["AWS_REGION"] = "us-east-1"
    kw_env = dict(base, AWS_SHARED_CREDENTIALS_FILE=args.keyward_credentials,
                  AWS_PROFILE=args.keyward_profile, AWS_CONFIG_FILE="/dev/null")
    moto_env = dict(base, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    started = time.monotonic()
    if args.client == "boto3":
        os.environ.update(kw_env)
        kw_clients = boto3_clients(args.keyward, kw_env)
        for k in list(os.environ):
            if k.startswith("AWS_"):
                del os.environ[k]
        os.environ.update(moto_env)
        moto_clients = boto3_clients(args.moto, moto_env)
        kw, moto = concurrently(lambda: run_boto3(kw_clients, True),
                                lambda: run_boto3(moto_clients, False))
    else:
        runner = {"cli": run_cli, "js": run_js}[args.client]
        kw, moto = concurrently(lambda: runner(args.keyward, kw_env, True),
                                lambda: runner(args.moto, moto_env, False))
    unexpected, tolerated = 0, 0
    for i, (step, a, b) in enumerate(zip(SCENARIO, kw, moto)):
        for path, x, y in diff(normalize(a), normalize(b)):
            k = known(i, path)
            tag = "known" if k else "UNEXPECTED"
            if k:
                tolerated += 1
            else:
                unexpected += 1
            print("[%s] step %d %s %s: keyward=%s moto=%s%s" % (
                tag, i, step["op"], path, json.dumps(x), json.dumps(y),
                (" (" + k["reason"] + ")") if k else ""))
    print("%s: %d steps, %d known differences, %d unexpected (%.0f s)" % (
        args.client, len(SCENARIO), tolerated, unexpected, time.monotonic() - started))
    if os.environ.get("KW_CONFORMANCE_DUMP"):
        json.dump({"keyward": kw, "moto": moto}, open(os.environ["KW_CONFORMANCE_DUMP"], "w"), indent=1)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
