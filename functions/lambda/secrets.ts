/**
 * Secrets for the function: one Secrets Manager secret (STRAIT_SECRET_ARN) holding a JSON object of
 * environment-style entries — STRAIT_ADMIN_TOKEN, STRAIT_GATEWAY_TOKENS, OPENAI_API_KEY, … — read
 * once per execution environment. The SDK client is imported only when a secret is configured, so
 * it costs nothing at cold start otherwise.
 */

export type SecretReader = (arn: string) => Promise<string | undefined>;

const readWithSdk: SecretReader = async (arn) => {
  const { SecretsManagerClient, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const client = new SecretsManagerClient({});
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    return out.SecretString;
  } finally {
    client.destroy();
  }
};

export class SecretError extends Error {}

/** The secret's entries; string values only (numbers and booleans are stringified, the rest refused). */
export async function loadSecrets(arn: string | undefined, read: SecretReader = readWithSdk): Promise<Record<string, string>> {
  if (!arn) return {};
  let text: string | undefined;
  try {
    text = await read(arn);
  } catch (e) {
    throw new SecretError(`Could not read the secret ${arn}: ${(e as Error)?.name ?? "error"}: ${(e as Error)?.message ?? e}`);
  }
  if (!text) throw new SecretError(`The secret ${arn} has no string value; store a JSON object such as {"STRAIT_ADMIN_TOKEN": "…"}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never echo the text: it is the secret.
    throw new SecretError(`The secret ${arn} is not JSON; store a JSON object such as {"STRAIT_ADMIN_TOKEN": "…"}.`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new SecretError(`The secret ${arn} must hold a JSON object.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else if (Array.isArray(v) && v.every((x) => typeof x === "string")) out[k] = JSON.stringify(v);
    else throw new SecretError(`The secret ${arn} entry "${k}" must be a string or a list of strings.`);
  }
  return out;
}
