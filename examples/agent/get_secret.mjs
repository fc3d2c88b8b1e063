// Reads a secret through keyward agent (or the AWS Secrets Manager Agent)
// with Node's built-in fetch (Node 18+), no dependencies.
// Usage: node get_secret.mjs SECRET_ID [PROPERTY]
// Env: AGENT_URL (default http://localhost:2773), TOKEN_FILE or AWS_TOKEN.
import { readFileSync } from "node:fs";

function token() {
  const file = process.env.TOKEN_FILE ??
      (process.env.AWS_TOKEN?.startsWith("file://")
           ? process.env.AWS_TOKEN.slice("file://".length)
           : undefined);
  return file ? readFileSync(file, "utf8").trim() : process.env.AWS_TOKEN;
}

export async function getSecret(secretId) {
  const base = process.env.AGENT_URL ?? "http://localhost:2773";
  const res = await fetch(`${base}/v1/${secretId}`, {
    headers: { "X-Aws-Parameters-Secrets-Token": token() },
  });
  if (!res.ok) throw new Error(`agent answered ${res.status}: ${await res.text()}`);
  return res.json();
}

const [secretId, property] = process.argv.slice(2);
const body = await getSecret(secretId);
console.log(property ? JSON.parse(body.SecretString)[property] : body.SecretString);
