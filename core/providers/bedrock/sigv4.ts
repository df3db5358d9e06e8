import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { UpstreamRequest } from "../../http.js";
import { SigningSha256 } from "./signing-sha256.js";

const SIGNED = /^(host|content-type|x-amz-.*|x-amzn-.*)$/;

/**
 * `req`'s headers with a Bedrock SigV4 signature added. Host is left out: the HTTP client derives
 * it from the URL (fetch may not set it), the same value that was signed.
 */
export async function signV4(
  req: UpstreamRequest,
  region: string,
  credential: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): Promise<Record<string, string>> {
  const u = new URL(req.url);
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
  const unsignableHeaders = new Set(Object.keys(req.headers).filter((h) => !SIGNED.test(h)));
  const out = await signer.sign(
    new HttpRequest({
      method: req.method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      path: u.pathname,
      query,
      headers: { ...req.headers, host: u.host },
      body: req.body,
    }),
    { unsignableHeaders },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers)) if (k !== "host") headers[k] = v;
  return headers;
}
