import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for bedrock-runtime on 127.0.0.1. Every request must carry a valid AWS SigV4
 * signature (or a known Bedrock API key): the mock recomputes the signature on its own — with
 * node:crypto and the AWS spec, not the gateway's signer — from the bytes it received and the
 * secret it was given, and answers Bedrock's real 403s when something does not match.
 */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface BedrockRequest {
  method: string;
  /** The path exactly as received (model ids keep their %3A). */
  path: string;
  /** The model id, decoded from the path. */
  modelId?: string;
  /** "converse", "converse-stream", "invoke", … */
  action?: string;
  /** ApplyGuardrail's identifier and version, decoded from the path (/guardrail/{id}/version/{version}/apply). */
  guardrail?: { id: string; version: string };
  headers: IncomingMessage["headers"];
  body: Buffer;
  json: any;
  /** Who signed it and for which region (undefined for API-key calls). */
  signer?: { accessKeyId: string; region: string; service: string; signedHeaders: string[]; canonicalRequest: string };
  bearer?: string;
}

export type BedrockHandler = (req: BedrockRequest, res: ServerResponse) => void | Promise<void>;

export interface BedrockUpstream {
  url: string;
  /** Requests that passed authentication. */
  requests: BedrockRequest[];
  /** Every request that arrived, authenticated or not. */
  received: number;
  handle(handler: BedrockHandler): void;
  close(): Promise<void>;
}

export const INVALID_SIGNATURE =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

export async function startBedrockUpstream(opts: { keys: AwsKeys[]; apiKeys?: string[]; handler: BedrockHandler }): Promise<BedrockUpstream> {
  let handler = opts.handler;
  const state: BedrockUpstream = {
    url: "",
    requests: [],
    received: 0,
    handle: (h) => (handler = h),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    state.received++;
    const body = Buffer.concat(chunks);
    const [path = "/", query = ""] = (req.url ?? "/").split("?", 2) as [string, string?];
    const m = /^\/model\/([^/]+)\/([^/]+)$/.exec(path);
    const g = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/.exec(path);
    const request: BedrockRequest = {
      method: req.method ?? "GET",
      path,
      modelId: m ? decodeURIComponent(m[1]!) : undefined,
      action: m?.[2],
      guardrail: g ? { id: decodeURIComponent(g[1]!), version: decodeURIComponent(g[2]!) } : undefined,
      headers: req.headers,
      body,
      json: undefined,
    };
    try {
      request.json = body.length ? JSON.parse(body.toString("utf8")) : undefined;
    } catch {
      request.json = undefined;
    }

    const auth = req.headers.authorization ?? "";
    if (auth.startsWith("Bearer ")) {
      const token = auth.slice(7);
      if (!opts.apiKeys?.includes(token)) return awsError(res, 403, "UnrecognizedClientException", "Invalid API Key format: Must start with pre-defined prefix");
      request.bearer = token;
    } else {
      const verdict = verifySigV4(req, path, query, body, opts.keys);
      if ("error" in verdict) return awsError(res, 403, verdict.type, verdict.error);
      request.signer = verdict;
    }
    state.requests.push(request);
    try {
      await handler(request, res);
    } catch (e) {
      if (!res.headersSent) awsError(res, 500, "InternalServerException", String(e));
      else res.destroy();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** Bedrock's error answer: {"message"} with the exception name in x-amzn-errortype. */
export function awsError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, "x-amzn-requestid": "5c1e7f0a-3a4e-4b8e-9d5e-7a9c1f2b3d4e", ...headers });
  res.end(JSON.stringify({ message }));
}

export function sendConverse(res: ServerResponse, json: unknown) {
  res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "0f2e8c1d-6b7a-4c3d-8e9f-1a2b3c4d5e6f" });
  res.end(typeof json === "string" ? json : JSON.stringify(json));
}

/**
 * Writes an event-stream body as a network would deliver it: in pieces of `chunkSize` bytes (frames
 * cut anywhere), or frame by frame with `frameDelayMs` between them (so each arrives in its own read);
 * `cutAfter` drops the connection after that many bytes.
 */
export async function sendEventStream(res: ServerResponse, bytes: Uint8Array, opts: { chunkSize?: number; frameDelayMs?: number; cutAfter?: number } = {}) {
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4", "transfer-encoding": "chunked" });
  const end = opts.cutAfter ?? bytes.length;
  const cuts = opts.frameDelayMs !== undefined ? frameEnds(bytes) : Array.from({ length: Math.ceil(bytes.length / (opts.chunkSize ?? bytes.length)) }, (_, i) => Math.min((i + 1) * (opts.chunkSize ?? bytes.length), bytes.length));
  let at = 0;
  for (const cut of cuts) {
    if (res.destroyed || at >= end) break;
    res.write(bytes.subarray(at, Math.min(cut, end)));
    at = cut;
    if (opts.frameDelayMs) await new Promise((r) => setTimeout(r, opts.frameDelayMs));
  }
  if (opts.cutAfter !== undefined) res.destroy();
  else res.end();
}

/** Where each event-stream frame ends (every frame starts with its total length). */
export function frameEnds(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; ) out.push((at += view.getUint32(at)));
  return out;
}

// ---- SigV4, computed from the spec (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)

type Verdict = { error: string; type: string } | NonNullable<BedrockRequest["signer"]>;

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export function verifySigV4(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer, keys: AwsKeys[]): Verdict {
  const auth = req.headers.authorization;
  if (!auth) return { type: "MissingAuthenticationTokenException", error: "Missing Authentication Token" };
  const m = AUTH.exec(auth);
  if (!m) return { type: "IncompleteSignatureException", error: "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters." };
  const [, accessKeyId, date, region, service, signedList, signature] = m as unknown as string[];
  const key = keys.find((k) => k.accessKeyId === accessKeyId);
  if (!key) return { type: "UnrecognizedClientException", error: "The security token included in the request is invalid." };
  if (key.sessionToken !== undefined && req.headers["x-amz-security-token"] !== key.sessionToken) {
    return { type: "UnrecognizedClientException", error: "The security token included in the request is invalid." };
  }
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) return { type: "InvalidSignatureException", error: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP." };
  const skew = Math.abs(Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`) - Date.now());
  if (skew > 5 * 60_000) return { type: "InvalidSignatureException", error: "Signature expired." };
  const signedHeaders = signedList!.split(";");
  if (!signedHeaders.includes("host")) return { type: "InvalidSignatureException", error: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." };

  // Canonical URI: each path segment, as received, URI-encoded once more (non-S3 services).
  const canonicalUri = rawPath.split("/").map(uriEncode).join("/");
  const canonicalQuery = rawQuery
    .split("&")
    .filter(Boolean)
    .map((p) => p.split("=", 2).map((s) => uriEncode(decodeURIComponent((s ?? "").replace(/\+/g, " ")))) as [string, string?])
    .map(([k, v]) => [k, v ?? ""] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signedHeaders
    .map((h) => {
      const v = req.headers[h];
      const value = (Array.isArray(v) ? v.join(",") : (v ?? "")).trim().replace(/\s+/g, " ");
      return `${h}:${value}\n`;
    })
    .join("");
  const payloadHash = sha256hex(body);
  const claimed = req.headers["x-amz-content-sha256"];
  if (claimed !== undefined && claimed !== payloadHash) return { type: "InvalidSignatureException", error: INVALID_SIGNATURE };
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedList, payloadHash].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, date!), region!), service!), "aws4_request");
  const expected = createHmac("sha256", signingKey).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature!, "hex"))) return { type: "InvalidSignatureException", error: INVALID_SIGNATURE };
  if (service !== "bedrock") return { type: "InvalidSignatureException", error: `Credential should be scoped to correct service: 'bedrock'.` };
  return { accessKeyId: accessKeyId!, region: region!, service: service!, signedHeaders, canonicalRequest };
}
