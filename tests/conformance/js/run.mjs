// Runs the conformance scenario with @aws-sdk/client-secrets-manager (and
// @aws-sdk/client-sts for steps with "service": "sts") and
// prints the results as JSON: [{ok, response} | {ok: false, error}].
// Usage: node run.mjs ENDPOINT SCENARIO.json [--poll] (credentials from the
// environment / shared files; a step's "region", default us-east-1). With
// --poll a step with "poll": {"present": KEY, "seconds": N} is repeated until
// its response has KEY or N seconds passed (run_conformance.py says why).
import { readFileSync } from "node:fs";
import * as sm from "@aws-sdk/client-secrets-manager";
import * as sts from "@aws-sdk/client-sts";

const [endpoint, scenarioPath, pollFlag] = process.argv.slice(2);
const polls = pollFlag === "--poll";
const scenario = JSON.parse(readFileSync(scenarioPath, "utf8"));
const modules = { secretsmanager: [sm, "SecretsManagerClient"], sts: [sts, "STSClient"] };
const clients = new Map();

function clientFor(step) {
  const service = step.service || "secretsmanager";
  const region = step.region || "us-east-1";
  const key = `${service} ${region}`;
  const [mod, ctor] = modules[service];
  if (!clients.has(key)) {
    clients.set(key, new mod[ctor]({ endpoint, region, maxAttempts: 1 }));
  }
  return [clients.get(key), mod];
}

function plain(value) {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (k !== "$metadata" && v !== undefined) out[k] = plain(v);
    }
    return out;
  }
  return value;
}

async function call(step) {
  const params = { ...step.params };
  if (params.SecretBinary) params.SecretBinary = Buffer.from(params.SecretBinary, "base64");
  try {
    const [client, mod] = clientFor(step);
    const resp = await client.send(new mod[`${step.op}Command`](params));
    return { ok: true, response: plain(resp) };
  } catch (e) {
    return { ok: false, error: e.name || "UnknownError" };
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const results = [];
for (const step of scenario) {
  let result = await call(step);
  if (polls && step.poll) {
    const deadline = Date.now() + step.poll.seconds * 1000;
    while (!(result.ok && step.poll.present in result.response) && Date.now() < deadline) {
      await sleep(500);
      result = await call(step);
    }
    // Never a known difference: the awaited state never came.
    if (!(result.ok && step.poll.present in result.response)) {
      result.poll_timed_out = step.poll.present;
    }
  }
  results.push(result);
}
process.stdout.write(JSON.stringify(results));
