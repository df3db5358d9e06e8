import { badRequest } from "../../errors.js";
import type { CallContext, Credential } from "../types.js";
import type { RequestHeaders } from "../../http.js";

type Ctx = Omit<CallContext, "credential">;

/**
 * The caller's own AWS keys (MagicAPI convention). Both halves or neither: a request that sends
 * only one is a mistake the caller should hear about, not a silent switch to the gateway's keys.
 */
export function clientAwsCredential(headers: RequestHeaders): Credential | null {
  const accessKeyId = headers.get("x-aws-access-key-id")?.trim();
  const secretAccessKey = headers.get("x-aws-secret-access-key")?.trim();
  const sessionToken = headers.get("x-aws-session-token")?.trim() || undefined;
  if (!accessKeyId && !secretAccessKey) {
    if (sessionToken) throw badRequest("x-aws-session-token needs x-aws-access-key-id and x-aws-secret-access-key with it.", "x-aws-session-token", "incomplete_aws_credentials");
    return null;
  }
  if (!accessKeyId || !secretAccessKey) {
    const missing = accessKeyId ? "x-aws-secret-access-key" : "x-aws-access-key-id";
    throw badRequest(`AWS credentials in headers need both x-aws-access-key-id and x-aws-secret-access-key; ${missing} is missing.`, missing, "incomplete_aws_credentials");
  }
  return { kind: "aws", accessKeyId, secretAccessKey, sessionToken, source: "client" };
}

/**
 * The gateway's own credential: providers.aws-bedrock.accessKeyId/secretAccessKey(/sessionToken),
 * then the standard AWS environment variables (on Lambda these hold the function role's
 * temporary keys), then a Bedrock API key in AWS_BEARER_TOKEN_BEDROCK.
 */
export function gatewayAwsCredential(ctx: Pick<Ctx, "config" | "env">): Credential | null {
  const { config, env } = ctx;
  const id = config.accessKeyId as string | undefined;
  const secret = config.secretAccessKey as string | undefined;
  if (id || secret) {
    if (!id || !secret) throw badRequest("providers.aws-bedrock needs both accessKeyId and secretAccessKey.", null, "provider_not_configured");
    return { kind: "aws", accessKeyId: id, secretAccessKey: secret, sessionToken: (config.sessionToken as string | undefined) || undefined, source: "config" };
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { kind: "aws", accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined, source: "environment" };
  }
  if (env.AWS_BEARER_TOKEN_BEDROCK) return { kind: "key", value: env.AWS_BEARER_TOKEN_BEDROCK, source: "environment" };
  return null;
}

/**
 * Bedrock API keys: long-term ones are "ABSK" + base64 ("BedrockAPIKey-…"), short-term ones start
 * "bedrock-api-key-". Anything else a client sent in Authorization (the openai SDK always sends
 * some key) is not meant for Bedrock.
 */
export const isBedrockApiKey = (value: string) => /^(ABSK[A-Za-z0-9+/=]{20,}|bedrock-api-key-[A-Za-z0-9+/=_-]{20,})$/.test(value);
