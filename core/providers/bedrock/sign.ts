import { unauthorized } from "../../errors.js";
import type { UpstreamRequest } from "../../http.js";
import type { CallContext } from "../types.js";
import { endpointFor, regionFor } from "./region.js";

/**
 * Adds the credential to any Bedrock request — a translated Converse call or a raw pass-through
 * one: points it at the call's region, then signs it (SigV4) or adds the Bedrock API key.
 */
export async function authorizeBedrock(req: UpstreamRequest, ctx: CallContext): Promise<UpstreamRequest> {
  const region = regionFor(ctx);
  let url = req.url;
  // The public endpoint is per region; a configured baseUrl (a VPC endpoint, a test mock) is kept.
  if (!ctx.config.baseUrl && url.startsWith(ctx.baseUrl)) url = endpointFor(region) + url.slice(ctx.baseUrl.length);

  const credential = ctx.credential;

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    const name = k.toLowerCase();
    if (name !== "authorization" && name !== "host" && !name.startsWith("x-amz-")) headers[name] = v;
  }
  if (credential.kind === "key") {
    headers["authorization"] = `Bearer ${credential.value}`;
    return { ...req, url, headers };
  }
  if (credential.kind !== "aws") throw unauthorized(NO_CREDENTIAL, "missing_provider_key");

  // The signer and its @smithy dependencies load on the first signed call, not at module init.
  const { signV4 } = await import("./sigv4.js");
  return { ...req, url, headers: await signV4({ ...req, url, headers }, region, credential) };
}

export const NO_CREDENTIAL =
  'The gateway has no AWS credential for provider "aws-bedrock": send x-aws-access-key-id and x-aws-secret-access-key, ' +
  "configure providers.aws-bedrock.accessKeyId/secretAccessKey, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_BEARER_TOKEN_BEDROCK), or run with an IAM role.";
