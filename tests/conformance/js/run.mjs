// Runs the conformance scenario with @aws-sdk/client-secrets-manager (and
// @aws-sdk/client-sts for steps with "service": "sts") and
// prints the results as JSON: [{ok, response} | {ok: false, error}].
// Usage: node run.mjs ENDPOINT SCENARIO.json (credentials from the
// environment / shared files, region us-east-1).
import { readFileSync } from "node:fs";
import * as sm from "@aws-sdk/client-secrets-manager";
import * as sts from "@aws-sdk/client-sts";

const [endpoint, scenarioPath] = process.argv.slice(2);
const scenario = JSON.parse(readFileSync(scenarioPath, "utf8"));
const options = { endpoint, region: "us-east-1", maxAttempts: 1 };
const clients = {
  secretsmanager: [new sm.SecretsManagerClient(options), sm],
  sts: [new sts.STSClient(options), sts],
};

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

const results = [];
for (const step of scenario) {
  const params = { ...step.params };
  if (params.SecretBinary) params.SecretBinary = Buffer.from(params.SecretBinary, "base64");
  try {
    const [client, mod] = clients[step.service || "secretsmanager"];
    const resp = await client.send(new mod[`${step.op}Command`](params));
    results.push({ ok: true, response: plain(resp) });
  } catch (e) {
    results.push({ ok: false, error: e.name || "UnknownError" });
  }
}
process.stdout.write(JSON.stringify(results));
