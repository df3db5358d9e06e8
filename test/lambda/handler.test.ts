/**
 * The Lambda adapter without the runtime: event conversion, the prelude, streaming into a
 * response-stream double, buffered results, secrets and deferred work. The real runtime client
 * runs the bundled handler in runtime.test.ts.
 */
import type { CallRecord } from "../../core/types.js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { toRequest, type HttpEventV1, type HttpEventV2 } from "../../functions/lambda/event.js";
import { createLambdaGateway, type LambdaGatewayOptions } from "../../functions/lambda/handler.js";
import { preludeOf, sendStreaming, toBufferedResult } from "../../functions/lambda/response.js";
import { loadSecrets, SecretError } from "../../functions/lambda/secrets.js";
import { lambdaStore } from "../../functions/lambda/store.js";
import { KeyCache } from "../../core/keys/cache.js";
import { KeyService } from "../../core/keys/service.js";
import { silentLogger, type Logger } from "../../core/runtime.js";
import { memoryStore } from "../../core/store/memory.js";
import { ResponseStreamDouble } from "./response-stream-double.js";

const TOKEN = "gw-test-token-0123456789";

function v2(over: Partial<HttpEventV2> & { method?: string } = {}): HttpEventV2 {
  const { method = "GET", ...rest } = over;
  return {
    version: "2.0",
    rawPath: "/health",
    rawQueryString: "",
    headers: {},
    requestContext: { http: { method } },
    isBase64Encoded: false,
    ...rest,
  };
}

function chat(body: object, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): HttpEventV2 {
  return v2({ method: "POST", rawPath: "/v1/chat/completions", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

const recordingLog = () => {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => lines.push({ level, msg, fields });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines };
};

function gateway(opts: Partial<LambdaGatewayOptions> = {}) {
  return createLambdaGateway({ env: { STRAIT_GATEWAY_TOKENS: TOKEN }, log: silentLogger, emitMetrics: () => {}, ...opts });
}

describe("event → Request", () => {
  it("payload 2.0: method, raw path and query, headers, cookies, base64 body", async () => {
    const req = toRequest(
      v2({
        method: "POST",
        rawPath: "/v1/chat/completions",
        rawQueryString: "a=1&b=%20x&a=2",
        headers: { "content-type": "application/octet-stream", "x-custom": "yes" },
        cookies: ["session=abc", "theme=dark"],
        body: Buffer.from([0, 1, 2, 255]).toString("base64"),
        isBase64Encoded: true,
      }),
    );
    const url = new URL(req.url);
    expect(req.method).toBe("POST");
    expect(url.pathname).toBe("/v1/chat/completions");
    expect(url.search).toBe("?a=1&b=%20x&a=2");
    expect(url.searchParams.getAll("a")).toEqual(["1", "2"]);
    expect(req.headers.get("x-custom")).toBe("yes");
    expect(req.headers.get("cookie")).toBe("session=abc; theme=dark");
    expect([...new Uint8Array(await req.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  });

  it("payload 2.0: a text body is taken as it is; GET carries no body", async () => {
    expect(await toRequest(v2({ method: "POST", body: '{"x":"é"}' })).text()).toBe('{"x":"é"}');
    expect(toRequest(v2({ method: "GET", body: "ignored" })).body).toBeNull();
  });

  it("the Host header never becomes the request's origin", () => {
    const req = toRequest(v2({ headers: { host: "evil.example" } }));
    expect(new URL(req.url).host).toBe("lambda.invalid");
  });

  it("payload 1.0 (API Gateway REST): multi-value headers and query, encoded once", () => {
    const event: HttpEventV1 = {
      httpMethod: "GET",
      path: "/v1/models",
      multiValueHeaders: { accept: ["application/json"], "x-a": ["1", "2"] },
      multiValueQueryStringParameters: { q: ["a b", "c&d"] },
      body: null,
      isBase64Encoded: false,
    };
    const req = toRequest(event);
    expect(new URL(req.url).searchParams.getAll("q")).toEqual(["a b", "c&d"]);
    expect(req.headers.get("x-a")).toBe("1, 2");
  });

  it("ALB: query values arrive already encoded and stay so", () => {
    const event: HttpEventV1 = {
      httpMethod: "GET",
      path: "/v1/models",
      headers: { accept: "*/*" },
      queryStringParameters: { q: "a%20b" },
      requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:…" } },
    };
    expect(new URL(toRequest(event).url).searchParams.get("q")).toBe("a b");
  });
});

describe("prelude", () => {
  it("drops hop-by-hop headers and those Connection names; cookies go to cookies[]", () => {
    const headers = new Headers({
      "content-type": "text/event-stream",
      connection: "keep-alive, x-internal",
      "keep-alive": "timeout=5",
      "transfer-encoding": "chunked",
      "proxy-authenticate": "Basic",
      te: "trailers",
      trailer: "x-t",
      upgrade: "h2c",
      "x-internal": "secret-route",
      "x-request-id": "r1",
      "content-length": "42",
    });
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; HttpOnly");
    const p = preludeOf(new Response("x", { status: 201, headers }), { streaming: true });
    expect(p).toEqual({ statusCode: 201, headers: { "content-type": "text/event-stream", "x-request-id": "r1" }, cookies: ["a=1; Path=/", "b=2; HttpOnly"] });
    expect(preludeOf(new Response("x", { headers }), { streaming: false }).headers["content-length"]).toBe("42");
  });
});

describe("sendStreaming", () => {
  it("an empty body still sends the prelude, then ends", async () => {
    const out = new ResponseStreamDouble();
    await sendStreaming(new Response(null, { status: 204, headers: { "x-a": "1" } }), out, out.from, silentLogger);
    expect(out.prelude).toEqual({ statusCode: 204, headers: { "x-a": "1" }, cookies: [] });
    expect(out.wire.toString("utf8")).toBe(JSON.stringify(out.prelude) + "\0".repeat(8));
    expect(out.ended).toBe(true);
  });

  it("writes the body chunk by chunk, in order, after prelude and 8 NULs", async () => {
    const parts = ["data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"];
    const body = new ReadableStream({
      async pull(c) {
        const p = parts.shift();
        if (p === undefined) return c.close();
        await new Promise((r) => setTimeout(r, 20));
        c.enqueue(new TextEncoder().encode(p));
      },
    });
    const out = new ResponseStreamDouble();
    await sendStreaming(new Response(body, { headers: { "content-type": "text/event-stream" } }), out, out.from, silentLogger);
    expect(out.chunks.map((c) => c.data.toString())).toEqual(["data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"]);
    const wire = out.wire;
    const nul = wire.indexOf(Buffer.alloc(8));
    expect(JSON.parse(wire.subarray(0, nul).toString())).toEqual(out.prelude);
    expect(wire.subarray(nul + 8).toString()).toBe(out.body);
    expect(out.chunks[2]!.at - out.chunks[0]!.at).toBeGreaterThanOrEqual(30);
  });

  it("a body that fails after the prelude ends an event stream with an OpenAI error event", async () => {
    let n = 0;
    const body = new ReadableStream({
      pull(c) {
        if (n++ === 0) c.enqueue(new TextEncoder().encode("data: {\"x\":1}\n\n"));
        else c.error(new Error("boom"));
      },
    });
    const { log, lines } = recordingLog();
    const out = new ResponseStreamDouble();
    await sendStreaming(new Response(body, { headers: { "content-type": "text/event-stream" } }), out, out.from, log);
    const events = out.body.split("\n\n").filter(Boolean);
    expect(events[0]).toBe('data: {"x":1}');
    expect(JSON.parse(events[1]!.slice(6)).error).toMatchObject({ type: "api_error", code: "stream_error" });
    expect(out.ended).toBe(true);
    expect(lines.some((l) => l.level === "error" && l.msg.includes("mid-stream"))).toBe(true);
  });

  it("a response stream that breaks does not throw, and cancels the body (the upstream stops)", async () => {
    let cancelled = false;
    let pulls = 0;
    const body = new ReadableStream({
      pull(c) {
        pulls++;
        c.enqueue(new TextEncoder().encode(`data: ${pulls}\n\n`));
      },
      cancel() {
        cancelled = true;
      },
    });
    const out = new ResponseStreamDouble({ failAfter: 2 });
    await expect(sendStreaming(new Response(body, { headers: { "content-type": "text/event-stream" } }), out, out.from, silentLogger)).resolves.toBeUndefined();
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(50);
  });

  it("respects backpressure: a slow writer keeps the body from being read ahead", async () => {
    let pulls = 0;
    const body = new ReadableStream(
      {
        pull(c) {
          pulls++;
          if (pulls > 60) return c.close();
          c.enqueue(new Uint8Array(1024));
        },
      },
      { highWaterMark: 0 },
    );
    class Slow extends ResponseStreamDouble {
      override _write(chunk: Buffer, enc: BufferEncoding, cb: (e?: Error | null) => void) {
        setTimeout(() => super._write(chunk, enc, cb), 5);
      }
    }
    const out = new Slow({ highWaterMark: 4096 });
    const done = sendStreaming(new Response(body), out, out.from, silentLogger);
    await new Promise((r) => setTimeout(r, 60));
    // ~12 writes in 60 ms at 5 ms each, plus the writer's 4 KB buffer: far from all 60 chunks.
    expect(pulls).toBeLessThan(40);
    await done;
    expect(out.chunks.length).toBe(60);
  });
});

describe("buffered results", () => {
  it("payload 2.0: headers, cookies, text body", async () => {
    const headers = new Headers({ "content-type": "application/json", connection: "close" });
    headers.append("set-cookie", "a=1");
    const r = await toBufferedResult(new Response('{"ok":true}', { status: 200, headers }), v2());
    expect(r).toEqual({ statusCode: 200, headers: { "content-type": "application/json" }, cookies: ["a=1"], body: '{"ok":true}', isBase64Encoded: false });
  });

  it("a binary body is base64", async () => {
    const r = await toBufferedResult(new Response(new Uint8Array([0, 159, 255]), { headers: { "content-type": "application/octet-stream" } }), v2());
    expect(r.isBase64Encoded).toBe(true);
    expect([...Buffer.from(r.body, "base64")]).toEqual([0, 159, 255]);
  });

  it("API Gateway REST: multiValueHeaders with every Set-Cookie", async () => {
    const headers = new Headers({ "content-type": "text/plain" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    const r = await toBufferedResult(new Response("hi", { headers }), { httpMethod: "GET", path: "/", multiValueHeaders: {} });
    expect(r.multiValueHeaders).toEqual({ "content-type": ["text/plain"], "set-cookie": ["a=1", "b=2"] });
    expect(r.headers).toBeUndefined();
  });

  it("ALB: a status description", async () => {
    const r = await toBufferedResult(new Response("no", { status: 404, headers: { "content-type": "text/plain" } }), {
      httpMethod: "GET",
      path: "/",
      headers: {},
      requestContext: { elb: { targetGroupArn: "arn" } },
    });
    expect(r).toMatchObject({ statusCode: 404, statusDescription: "404 Not Found", headers: { "content-type": "text/plain" }, body: "no" });
  });
});

describe("secrets", () => {
  it("a JSON object of strings; lists of strings become JSON", async () => {
    const s = await loadSecrets("arn:s", async () => JSON.stringify({ STRAIT_ADMIN_TOKEN: "adm", STRAIT_GATEWAY_TOKENS: ["a", "b"], N: 3 }));
    expect(s).toEqual({ STRAIT_ADMIN_TOKEN: "adm", STRAIT_GATEWAY_TOKENS: '["a","b"]', N: "3" });
    expect(await loadSecrets(undefined, async () => "never read")).toEqual({});
  });

  it("a secret that is not JSON is refused without echoing it", async () => {
    const err = await loadSecrets("arn:s", async () => "sk-live-very-secret").catch((e) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect(String(err.message)).not.toContain("very-secret");
  });
});

describe("createLambdaGateway", () => {
  it("streams a chat answer through the core, status and SSE headers in the prelude", async () => {
    const gw = gateway();
    const out = new ResponseStreamDouble();
    await gw.streaming(chat({ model: "mock/echo", stream: true, messages: [{ role: "user", content: "hello there" }] }), out, undefined, out.from);
    expect(out.prelude?.statusCode).toBe(200);
    expect(out.prelude?.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(out.prelude?.headers["x-request-id"]).toBeTruthy();
    const text = out.body
      .split("\n\n")
      .filter((e) => e.startsWith("data: {"))
      .map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content ?? "")
      .join("");
    expect(text).toBe("You said: hello there");
    expect(out.body.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("an upstream cut mid-stream ends with an error event and no [DONE]", async () => {
    const out = new ResponseStreamDouble();
    await gateway().streaming(chat({ model: "mock/cut-2", stream: true, messages: [{ role: "user", content: "one two three four" }] }), out, undefined, out.from);
    expect(out.prelude?.statusCode).toBe(200);
    expect(out.body).toContain('"error"');
    expect(out.body).not.toContain("[DONE]");
  });

  it("fails closed: no token configured → 401 for every API call", async () => {
    const gw = createLambdaGateway({ emitMetrics: () => {}, env: {}, log: silentLogger });
    const r = await gw.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "x" }] }, {}));
    expect(r.statusCode).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe("gateway_not_configured");
  });

  it("writes one CloudWatch EMF line per request, which parses as EMF", async () => {
    const lines: string[] = [];
    const gw = gateway({ emitMetrics: (line) => void lines.push(line) });
    await gw.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }));
    await gw.buffered(chat({ model: "nowhere/x", messages: [{ role: "user", content: "hi" }] }));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain("\n");
      const doc = JSON.parse(line);
      const meta = doc._aws;
      expect(Number.isInteger(meta.Timestamp)).toBe(true);
      expect(meta.CloudWatchMetrics).toHaveLength(1);
      const { Namespace, Dimensions, Metrics } = meta.CloudWatchMetrics[0];
      expect(Namespace).toBe("Strait");
      for (const set of Dimensions) for (const name of set) expect(typeof doc[name]).toBe("string");
      for (const m of Metrics) expect(typeof doc[m.Name], m.Name).toBe("number");
      expect(Metrics.map((m: { Name: string }) => m.Name)).toEqual(expect.arrayContaining(["Requests", "Latency", "InputTokens", "OutputTokens"]));
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ Provider: "mock", Model: "echo", Requests: 1, Errors: 0 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ ClientErrors: 1 });
    const off = gateway({ env: { STRAIT_GATEWAY_TOKENS: TOKEN, STRAIT_EMF: "false" }, emitMetrics: (line) => void lines.push(line) });
    await off.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }));
    expect(lines).toHaveLength(2);
  });

  it("deferred work is awaited before the handler returns", async () => {
    const seen: string[] = [];
    const gw = gateway({
      observers: [
        async (rec) => {
          await new Promise((r) => setTimeout(r, 150));
          seen.push(String(rec.model));
        },
      ],
    });
    const out = new ResponseStreamDouble();
    await gw.streaming(chat({ model: "mock/echo", stream: true, messages: [{ role: "user", content: "hi" }] }), out, { getRemainingTimeInMillis: () => 60_000 }, out.from);
    expect(seen).toEqual(["echo"]);
    expect(gw.pending).toBe(0);
    const r = await gw.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }));
    expect(r.statusCode).toBe(200);
    expect(seen).toEqual(["echo", "echo"]);
  });

  it("an answer still running near the deadline is cut: error event, upstream let go, the call recorded", async () => {
    const records: CallRecord[] = [];
    const gw = gateway({ observers: [(r) => void records.push(r)] });
    const out = new ResponseStreamDouble();
    const t0 = Date.now();
    // 3.6 s left: the answer is cut 3 s before the deadline, 600 ms in; the mock would take 3 s.
    await gw.streaming(chat({ model: "mock/slow-200", stream: true, messages: [{ role: "user", content: "a b c d e f g h i j k l m n" }] }), out, { getRemainingTimeInMillis: () => 3_600 - (Date.now() - t0) }, out.from);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(out.body).not.toContain("[DONE]");
    const last = JSON.parse(out.body.trimEnd().split("\n\n").at(-1)!.slice(6));
    expect(last.error).toMatchObject({ code: "function_timeout", type: "api_error" });
    expect(records.at(-1)?.error).toContain("time limit");
  });

  it("the deadline cut still arrives when garbage is collected while the answer streams", async () => {
    // The Request is no longer held once its answer streams: a cut that travelled through its
    // signal (which follows the one it was made with through a weak reference) was lost here.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const gw = gateway();
    const out = new ResponseStreamDouble();
    const t0 = Date.now();
    const collect = setInterval(gc, 50);
    try {
      await gw.streaming(chat({ model: "mock/slow-200", stream: true, messages: [{ role: "user", content: "a b c d e f g h i j k l m n" }] }), out, { getRemainingTimeInMillis: () => 3_600 - (Date.now() - t0) }, out.from);
    } finally {
      clearInterval(collect);
    }
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(out.body).toContain("function_timeout");
  });

  it("deferred work never holds the handler past the deadline", async () => {
    const gw = gateway({ observers: [() => new Promise((r) => setTimeout(r, 5_000))] });
    const t0 = Date.now();
    const r = await gw.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }), { getRemainingTimeInMillis: () => 1_200 });
    expect(r.statusCode).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it("reads the secret once, on the first invoke; its tokens authenticate", async () => {
    let reads = 0;
    const gw = createLambdaGateway({
      env: { STRAIT_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:strait" },
      log: silentLogger,
      readSecret: async () => {
        reads++;
        return JSON.stringify({ STRAIT_GATEWAY_TOKENS: TOKEN });
      },
    });
    expect(reads).toBe(0);
    for (let i = 0; i < 3; i++) {
      const r = await gw.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }));
      expect(r.statusCode).toBe(200);
    }
    expect(reads).toBe(1);
  });

  it("a failing secret read → 500 without detail for the caller, logged, retried next invoke", async () => {
    let fail = true;
    const { log, lines } = recordingLog();
    const gw = createLambdaGateway({
      env: { STRAIT_SECRET_ARN: "arn:s" },
      log,
      readSecret: async () => {
        if (fail) throw Object.assign(new Error("AccessDenied for role"), { name: "AccessDeniedException" });
        return JSON.stringify({ STRAIT_GATEWAY_TOKENS: TOKEN });
      },
    });
    const r1 = await gw.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }));
    expect(r1.statusCode).toBe(500);
    expect(JSON.parse(r1.body).error.code).toBe("gateway_misconfigured");
    expect(r1.body).not.toContain("AccessDenied");
    expect(lines.some((l) => String(l.fields?.error).includes("AccessDeniedException"))).toBe(true);
    fail = false;
    expect((await gw.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }))).statusCode).toBe(200);
  });

  it("entries in the secret win over the environment (a config holding keys lives there)", async () => {
    const gw = createLambdaGateway({
      env: { STRAIT_SECRET_ARN: "arn:s", STRAIT_CONFIG_JSON: "{}" },
      log: silentLogger,
      readSecret: async () => JSON.stringify({ STRAIT_GATEWAY_TOKENS: TOKEN, STRAIT_CONFIG_JSON: JSON.stringify({ models: { fast: "mock/echo" } }) }),
    });
    const r = await gw.buffered(chat({ model: "fast", messages: [{ role: "user", content: "alias" }] }));
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body).choices[0].message.content).toBe("You said: alias");
  });

  it("a bad STRAIT_CONFIG_JSON is a logged 500, not a crash", async () => {
    const { log, lines } = recordingLog();
    const gw = createLambdaGateway({ emitMetrics: () => {}, env: { STRAIT_GATEWAY_TOKENS: TOKEN, STRAIT_CONFIG_JSON: "{nope" }, log });
    const r = await gw.buffered(v2());
    expect(r.statusCode).toBe(500);
    expect(lines.some((l) => String(l.fields?.error).includes("STRAIT_CONFIG_JSON"))).toBe(true);
  });
});

describe("what the function says at start, and STRAIT_STORE", () => {
  const models = () => v2({ rawPath: "/v1/models" });

  it("no token and no store: the fail-closed error says to put a token in the secret", async () => {
    const { log, lines } = recordingLog();
    const gw = createLambdaGateway({ emitMetrics: () => {}, env: {}, log, store: lambdaStore });
    expect((await gw.buffered(models())).statusCode).toBe(401);
    expect(lines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      "no gateway tokens are set and there is no store for virtual keys: every API request is refused (fail closed). A deployed function never runs open. Put STRAIT_GATEWAY_TOKENS in the function's secret (STRAIT_SECRET_ARN) and redeploy (new execution environments read it).",
    ]);
  });

  it("keys in the store and no admin token: every request needs a key, and how to get back in", async () => {
    const { log, lines } = recordingLog();
    const store = memoryStore();
    await new KeyService(store, new KeyCache(0)).create({ name: "app" });
    const gw = createLambdaGateway({ emitMetrics: () => {}, env: {}, log, store: () => store });
    const r = await gw.buffered(models());
    expect(r.statusCode).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe("missing_api_key");
    const said = lines.filter((l) => l.level === "warn" || l.level === "error");
    expect(said).toHaveLength(1);
    expect(said[0]!.msg).toMatch(/^virtual keys exist in the store, so every API request needs one .* put STRAIT_ADMIN_TOKEN in the function's secret/);
  });

  it("STRAIT_STORE=memory works; embedded is refused with the shared message naming Lambda's values", async () => {
    const { log, lines } = recordingLog();
    const memory = createLambdaGateway({ emitMetrics: () => {}, env: { STRAIT_GATEWAY_TOKENS: TOKEN, STRAIT_STORE: "memory" }, log, store: lambdaStore });
    expect((await memory.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }))).statusCode).toBe(200);
    expect(lines.some((l) => l.level === "warn" && l.msg.startsWith("STRAIT_STORE=memory:"))).toBe(true);

    const embedded = createLambdaGateway({ emitMetrics: () => {}, env: { STRAIT_GATEWAY_TOKENS: TOKEN, STRAIT_STORE: "embedded" }, log, store: lambdaStore });
    const r = await embedded.buffered(chat({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }));
    expect(JSON.parse(r.body).error.code).toBe("gateway_misconfigured");
    expect(lines.some((l) => String(l.fields?.error) === 'STRAIT_STORE must be dynamodb or memory, or none for no store, on Lambda; got "embedded" (embedded is for the local server).')).toBe(true);
  });
});
