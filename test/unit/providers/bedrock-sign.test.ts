import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import type { UpstreamRequest } from "../../../core/http.js";
import { bedrockProvider } from "../../../core/providers/bedrock/index.js";
import { regionFor } from "../../../core/providers/bedrock/region.js";
import { authorizeBedrock } from "../../../core/providers/bedrock/sign.js";
import { credentialFor } from "../../../core/upstream/credentials.js";
import { KeyPool } from "../../../core/providers/key-pool.js";
import { SigningSha256 } from "../../../core/providers/bedrock/signing-sha256.js";
import { createHash, createHmac } from "node:crypto";
import type { CallContext, Credential } from "../../../core/providers/types.js";
import { verifySigV4, type AwsKeys } from "../../helpers/bedrock-upstream.js";

const KEYS: AwsKeys = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const TEMP: AwsKeys = { accessKeyId: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "tmp/K7MDENG+bPxRfiCYEXAMPLEKEYwJalrXUtnF", sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==" };

const ctx = (over: Partial<CallContext> = {}): CallContext => ({
  providerName: "aws-bedrock",
  provider: bedrockProvider,
  config: {},
  model: "m",
  baseUrl: "https://bedrock-runtime.us-east-1.amazonaws.com",
  credential: { kind: "aws", ...KEYS, source: "config" },
  stream: false,
  clientWantsUsage: false,
  clientHeaders: new Headers(),
  env: {},
  ...over,
});

const request = (path: string, body = '{"messages":[{"role":"user","content":[{"text":"hi"}]}]}'): UpstreamRequest => ({
  url: `https://bedrock-runtime.us-east-1.amazonaws.com${path}`,
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json" },
  body,
});

/** Checks a signed request the way Bedrock would, with the independent verifier the mock uses. */
function verify(signed: UpstreamRequest, keys: AwsKeys[] = [KEYS, TEMP]) {
  const u = new URL(signed.url);
  const headers: Record<string, string> = { host: u.host };
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  const fake = { method: signed.method, headers } as unknown as IncomingMessage;
  const body = Buffer.from(typeof signed.body === "string" ? signed.body : (signed.body ?? new Uint8Array()));
  return verifySigV4(fake, u.pathname, u.search.slice(1), body, keys);
}

function gatewayError(p: Promise<unknown>): Promise<GatewayError> {
  return p.then(
    () => {
      throw new Error("expected a GatewayError");
    },
    (e) => {
      expect(e).toBeInstanceOf(GatewayError);
      return e as GatewayError;
    },
  );
}

describe("Bedrock SigV4 signing", () => {
  it("signs a colon model id so Bedrock's double-encoded canonical URI matches", async () => {
    const signed = await authorizeBedrock(request("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse"), ctx());
    const verdict = verify(signed);
    expect(verdict).toMatchObject({ accessKeyId: KEYS.accessKeyId, region: "us-east-1", service: "bedrock" });
    expect((verdict as any).canonicalRequest.split("\n")[1]).toBe("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%253A0/converse");
    expect(signed.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(signed.headers.host).toBeUndefined();
  });

  it("a signature made over the single-encoded path would not verify (the mock is not lenient)", async () => {
    const signed = await authorizeBedrock(request("/model/a%3A0/converse"), ctx());
    const tampered = { ...signed, url: signed.url.replace("%3A", ":") };
    expect(verify(tampered)).toMatchObject({ type: "InvalidSignatureException" });
    expect(verify({ ...signed, body: String(signed.body).replace("hi", "ho") })).toMatchObject({ type: "InvalidSignatureException" });
    expect(verify(signed, [{ ...KEYS, secretAccessKey: "another" }])).toMatchObject({ type: "InvalidSignatureException" });
  });

  it("signs any pass-through path and query: an inference-profile ARN, repeated query keys", async () => {
    const arn = encodeURIComponent("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6");
    const signed = await authorizeBedrock(request(`/model/${arn}/invoke-with-response-stream?b=2&a=1&a=0&x=a%20b`), ctx());
    expect(verify(signed)).toMatchObject({ region: "us-east-1" });
    const get = await authorizeBedrock({ url: "https://bedrock-runtime.us-east-1.amazonaws.com/async-invoke?maxResults=10", method: "GET", headers: {} }, ctx());
    expect(verify(get)).toMatchObject({ service: "bedrock" });
  });

  it("adds the session token of temporary credentials", async () => {
    const signed = await authorizeBedrock(request("/model/m/converse"), ctx({ credential: { kind: "aws", ...TEMP, source: "environment" } }));
    expect(signed.headers["x-amz-security-token"]).toBe(TEMP.sessionToken);
    expect(verify(signed)).toMatchObject({ accessKeyId: TEMP.accessKeyId });
    expect((verify(signed) as any).signedHeaders).toContain("x-amz-security-token");
  });

  it("signs host, content-type and x-amz(n)-* headers only, so a client rewriting others cannot break it", async () => {
    const req = request("/model/m/invoke");
    req.headers = { ...req.headers, "accept-encoding": "gzip", "content-length": "57", "x-amzn-bedrock-guardrailidentifier": "g1" };
    const signed = await authorizeBedrock(req, ctx());
    const verdict = verify(signed) as any;
    expect(verdict.signedHeaders).toEqual(["content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amzn-bedrock-guardrailidentifier"]);
    expect(signed.headers.accept).toBe("application/json");
    expect(signed.headers["accept-encoding"]).toBe("gzip");
  });

  it("replaces stale credentials headers instead of signing them", async () => {
    const req = request("/model/m/converse");
    req.headers = { ...req.headers, authorization: "Bearer old", "x-amz-date": "20000101T000000Z", Host: "evil.example" };
    const signed = await authorizeBedrock(req, ctx());
    expect(verify(signed)).toMatchObject({ service: "bedrock" });
  });

  it("points the call at the caller's region, and at the configured region otherwise", async () => {
    const signed = await authorizeBedrock(request("/model/m/converse"), ctx({ clientHeaders: new Headers({ "x-aws-region": "eu-west-3" }) }));
    expect(signed.url).toBe("https://bedrock-runtime.eu-west-3.amazonaws.com/model/m/converse");
    expect(verify(signed)).toMatchObject({ region: "eu-west-3" });
    const cfg = await authorizeBedrock(request("/model/m/converse"), ctx({ config: { region: "ap-northeast-1" } }));
    expect(cfg.url).toBe("https://bedrock-runtime.ap-northeast-1.amazonaws.com/model/m/converse");
    // A configured baseUrl (VPC endpoint, test mock) is kept; the region still scopes the signature.
    const vpc = await authorizeBedrock(
      { ...request("/model/m/converse"), url: "https://vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com/model/m/converse" },
      ctx({ config: { baseUrl: "https://vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com" }, baseUrl: "https://vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com", clientHeaders: new Headers({ "x-aws-region": "us-east-2" }) }),
    );
    expect(vpc.url).toBe("https://vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com/model/m/converse");
    expect(verify(vpc)).toMatchObject({ region: "us-east-2" });
  });

  it("takes the region from the header, config, AWS_REGION, AWS_DEFAULT_REGION, then us-east-1", () => {
    const h = (r?: string) => new Headers(r === undefined ? {} : { "x-aws-region": r });
    expect(regionFor({ clientHeaders: h("us-gov-west-1"), config: { region: "eu-west-1" }, env: {} })).toBe("us-gov-west-1");
    expect(regionFor({ clientHeaders: h(), config: { region: "eu-west-1" }, env: { AWS_REGION: "us-west-2" } })).toBe("eu-west-1");
    expect(regionFor({ clientHeaders: h(), config: {}, env: { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "ca-central-1" } })).toBe("us-west-2");
    expect(regionFor({ clientHeaders: h(), config: {}, env: { AWS_DEFAULT_REGION: "ca-central-1" } })).toBe("ca-central-1");
    expect(regionFor({ clientHeaders: h(), config: {}, env: {} })).toBe("us-east-1");
  });

  it("refuses a region header that is not a region name before anything is built", async () => {
    for (const bad of ["us-east-1.evil.com", "evil.com/", "us-east-1#", "US-EAST-1", "us-east-12", "x", "", "us-east-1\t.evil", "127.0.0.1", "eu-west-1:443"]) {
      const err = await gatewayError(authorizeBedrock(request("/model/m/converse"), ctx({ clientHeaders: new Headers({ "x-aws-region": bad }) })));
      expect([bad, err.status, err.code]).toEqual([bad, 400, "invalid_region"]);
    }
  });

  it("sends a Bedrock API key as a bearer token", async () => {
    const key = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWtleS0xMjM0NTY3ODkw";
    for (const credential of [
      { kind: "key", value: key, source: "client" },
      { kind: "key", value: "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbg==", source: "client" },
      { kind: "key", value: "anything-configured", source: "config" },
    ] as Credential[]) {
      const signed = await authorizeBedrock(request("/model/m/converse"), ctx({ credential }));
      expect(signed.headers.authorization).toBe(`Bearer ${(credential as any).value}`);
      expect(signed.headers["x-amz-date"]).toBeUndefined();
    }
  });

  // The openai SDK always sends some Authorization: the gateway picks the credential (core/pipeline/credentials.ts)
  // and only a Bedrock API key there counts as the caller's Bedrock credential.
  const route = (config: CallContext["config"] = {}) => ({ name: "aws-bedrock", provider: bedrockProvider, config, pool: new KeyPool([]) });
  const placeholder = { providerKey: "sk-placeholder" };

  it("serves a caller's non-Bedrock Authorization value with the gateway's own AWS keys, or says none exist", async () => {
    const c = ctx({ env: { AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey } });
    c.credential = await credentialFor(route(), placeholder, c);
    const signed = await authorizeBedrock(request("/model/m/converse"), c);
    expect(verify(signed)).toMatchObject({ accessKeyId: KEYS.accessKeyId });
    expect(c.credential).toMatchObject({ kind: "aws", source: "environment" });
    const err = await gatewayError(Promise.resolve().then(() => credentialFor(route(), placeholder, ctx())));
    expect(err.status).toBe(401);
    expect((await gatewayError(authorizeBedrock(request("/model/m/converse"), ctx({ credential: { kind: "none", source: "config" } })))).status).toBe(401);
  });

  it("prefers the caller's x-aws-* keys to the gateway's when their Authorization was not a Bedrock key (passthrough: always)", async () => {
    const config = { passthrough: "always" as const, accessKeyId: "AKIACONFIG", secretAccessKey: "config-secret" };
    const c = ctx({
      config,
      clientHeaders: new Headers({ "x-aws-access-key-id": TEMP.accessKeyId, "x-aws-secret-access-key": TEMP.secretAccessKey, "x-aws-session-token": TEMP.sessionToken! }),
    });
    c.credential = await credentialFor(route(config), placeholder, c);
    expect(verify(await authorizeBedrock(request("/model/m/converse"), c))).toMatchObject({ accessKeyId: TEMP.accessKeyId });
    expect(c.credential.source).toBe("client");
  });
});

describe("Bedrock credentials", () => {
  const base = ctx();
  it("reads the caller's x-aws-* headers only when both halves are there", () => {
    const h = (o: Record<string, string>) => bedrockProvider.clientCredential!(new Headers(o), base);
    expect(h({})).toBeNull();
    expect(h({ "x-aws-access-key-id": "AKIA1", "x-aws-secret-access-key": "s" })).toEqual({ kind: "aws", accessKeyId: "AKIA1", secretAccessKey: "s", sessionToken: undefined, source: "client" });
    expect(h({ "x-aws-access-key-id": "ASIA1", "x-aws-secret-access-key": "s", "x-aws-session-token": "t" })).toMatchObject({ sessionToken: "t" });
    for (const half of [{ "x-aws-access-key-id": "AKIA1" }, { "x-aws-secret-access-key": "s" }, { "x-aws-session-token": "t" }] as Record<string, string>[]) {
      expect(() => h(half)).toThrow(GatewayError);
    }
  });

  it("orders the gateway's own: config keys, then AWS env keys, then AWS_BEARER_TOKEN_BEDROCK", () => {
    const amb = (config: Record<string, string>, env: Record<string, string>) => bedrockProvider.ambientCredential!({ ...base, config, env });
    const env = { AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "envsecret", AWS_SESSION_TOKEN: "envtoken", AWS_BEARER_TOKEN_BEDROCK: "ABSKbearer" };
    expect(amb({ accessKeyId: "AKIACFG", secretAccessKey: "cfgsecret" }, env)).toMatchObject({ accessKeyId: "AKIACFG", source: "config" });
    expect(amb({}, env)).toMatchObject({ accessKeyId: "AKIAENV", sessionToken: "envtoken", source: "environment" });
    expect(amb({}, { AWS_BEARER_TOKEN_BEDROCK: "ABSKbearer" })).toEqual({ kind: "key", value: "ABSKbearer", source: "environment" });
    expect(amb({}, {})).toBeNull();
  });

  it("reports a half-configured or badly configured provider at startup", () => {
    expect(bedrockProvider.checkConfig!({ accessKeyId: "AKIA" }, {})).toMatch(/accessKeyId and secretAccessKey/);
    expect(bedrockProvider.checkConfig!({ region: "us-east-1.evil.com" }, {})).toMatch(/not a valid region/);
    expect(bedrockProvider.checkConfig!({}, { AWS_REGION: "nowhere" })).toMatch(/not a valid region/);
    expect(bedrockProvider.checkConfig!({ region: "eu-west-1" }, {})).toBeUndefined();
  });
});

describe("SigningSha256", () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  it("hashes small and large inputs, in one or many parts, like node:crypto", async () => {
    for (const size of [0, 1, 100, 4095, 4096, 70_000]) {
      const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
      const whole = new SigningSha256();
      whole.update(data);
      const parts = new SigningSha256();
      for (let i = 0; i < size; i += 1000) parts.update(data.subarray(i, i + 1000));
      const want = createHash("sha256").update(data).digest("hex");
      expect([size, hex(await whole.digest()), hex(await parts.digest())]).toEqual([size, want, want]);
    }
  });

  it("computes HMACs", async () => {
    const h = new SigningSha256("AWS4secret");
    h.update(new TextEncoder().encode("20250101"));
    expect(hex(await h.digest())).toBe(createHmac("sha256", "AWS4secret").update("20250101").digest("hex"));
  });

  it("signs a large body (hashed natively) that still verifies", async () => {
    const body = JSON.stringify({ messages: [{ role: "user", content: [{ image: { format: "png", source: { bytes: "A".repeat(300_000) } } }] }] });
    expect(verify(await authorizeBedrock(request("/model/m/converse", body), ctx()))).toMatchObject({ service: "bedrock" });
  });
});
