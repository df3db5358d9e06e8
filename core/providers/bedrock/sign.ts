import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { unauthorized } from "../../errors.js";
import type { UpstreamRequest } from "../../http.js";
import type { CallContext } from "../types.js";
import { endpointFor, regionFor } from "./region.js";
import { SigningSha256 } from "./signing-sha256.js";

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

  const u = new URL(url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({
    service: "bedrock",
    region,
    sha256: SigningSha256,
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, sessionToken: credential.sessionToken },
    // Default, spelled out: the canonical URI is the request path URI-encoded once more, so a model
    // id's ":" travels as %3A and is signed as %253A — what Bedrock computes on its side.
    uriEscapePath: true,
  });
  // Only headers no HTTP client or proxy rewrites are signed (fetch may change accept-encoding,
  // content-length, …; a pass-through call forwards more headers than a Converse call).
  const unsignableHeaders = new Set(Object.keys(headers).filter((h) => !SIGNED.test(h)));
  const signed = await signer.sign(
    new HttpRequest({
      method: req.method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      path: u.pathname,
      query,
      headers: { ...headers, host: u.host },
      body: req.body,
    }),
    { unsignableHeaders },
  );
  const out: Record<string, string> = {};
  // The HTTP client derives Host from the URL (fetch may not set it): the same value that was signed.
  for (const [k, v] of Object.entries(signed.headers)) if (k !== "host") out[k] = v;
  return { ...req, url, headers: out };
}

const SIGNED = /^(host|content-type|x-amz-.*|x-amzn-.*)$/;

export const NO_CREDENTIAL =
  'The gateway has no AWS credential for provider "aws-bedrock": send x-aws-access-key-id and x-aws-secret-access-key, ' +
  "configure providers.aws-bedrock.accessKeyId/secretAccessKey, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_BEARER_TOKEN_BEDROCK), or run with an IAM role.";
