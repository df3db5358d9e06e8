/**
 * The Node adapter serves the API routes at fixed paths straight from node:http
 * (functions/node/direct-api.ts); every runtime serves them through the Hono app. The two must
 * answer alike: the same statuses, error bodies and shapes, CORS and request-id headers. Here the
 * same requests go both ways on one gateway — over HTTP to the running server, and to the app of
 * that gateway — and the answers are compared; then what only the Node path does: the body limit
 * read off the wire, a client that leaves mid-body, and which requests it leaves to the app.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../core/app.js";
import { NodeRequestHeaders } from "../../functions/node/request-headers.js";
import { directApi } from "../../functions/node/direct-api.js";
import type { RunningServer } from "../../functions/node/server.js";
import { startGateway } from "../helpers/gateway.js";

const TOKEN = "gw-direct-test-token";
const MAX = 4096;
const hi = [{ role: "user", content: "hi" }];

let server: RunningServer;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  server = await startGateway({ auth: { tokens: [TOKEN] }, maxBodyBytes: MAX, cors: { origins: ["https://allowed.example"] } });
  app = createApp(server.gateway);
});
afterAll(() => server.close());

interface Seen {
  status: number;
  type: string | null;
  body: unknown;
  cors: string | null;
  vary: string | null;
  requestId: boolean;
}

/** What must agree: ids and timestamps in a successful answer are the upstream's own and differ by call. */
async function seen(res: Response): Promise<Seen> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  if (res.ok && body && typeof body === "object") body = Object.keys(body).sort();
  return { status: res.status, type: res.headers.get("content-type"), body, cors: res.headers.get("access-control-allow-origin"), vary: res.headers.get("vary"), requestId: !!res.headers.get("x-request-id") };
}

async function bothWays(path: string, body: string, headers: Record<string, string> = {}): Promise<[Seen, Seen]> {
  const init = { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers }, body };
  const direct = await seen(await fetch(`${server.url}${path}`, init));
  const viaApp = await seen(await app.fetch(new Request(`http://gateway${path}`, init)));
  return [direct, viaApp];
}

describe("the Node adapter's API routes answer as the app does", () => {
  const cases: Array<[string, string, string, Record<string, string>?]> = [
    ["a chat answer", "/v1/chat/completions", JSON.stringify({ model: "mock/echo", messages: hi })],
    ["a query string", "/v1/chat/completions?api-version=1", JSON.stringify({ model: "mock/echo", messages: hi })],
    ["a completions answer", "/v1/completions", JSON.stringify({ model: "mock/echo", prompt: "hi" })],
    ["an embeddings answer", "/v1/embeddings", JSON.stringify({ model: "mock/echo", input: "hi" })],
    ["a Messages answer", "/v1/messages", JSON.stringify({ model: "mock/echo", max_tokens: 10, messages: hi })],
    ["a token count estimate", "/v1/messages/count_tokens", JSON.stringify({ model: "mock/echo", messages: hi })],
    ["a Responses answer", "/v1/responses", JSON.stringify({ model: "mock/echo", input: "hi", store: false })],
    ["malformed JSON", "/v1/chat/completions", "{"],
    ["malformed JSON, Anthropic's shape", "/v1/messages", "{"],
    ["JSON nested too deep", "/v1/chat/completions", "[".repeat(5000)],
    ["a prototype name as the model", "/v1/chat/completions", JSON.stringify({ model: "__proto__", messages: hi })],
    ["an unknown provider", "/v1/chat/completions", JSON.stringify({ model: "nope/x", messages: hi })],
    ["an unknown provider, Anthropic's shape", "/v1/messages", JSON.stringify({ model: "nope/x", max_tokens: 10, messages: hi })],
    ["an upstream failure", "/v1/chat/completions", JSON.stringify({ model: "mock/error-503", messages: hi })],
    ["a universal request that is not a list", "/", JSON.stringify({ provider: "mock" })],
    ["no credential", "/v1/chat/completions", JSON.stringify({ model: "mock/echo", messages: hi }), { authorization: "" }],
    ["a wrong credential, Anthropic's shape", "/v1/messages", JSON.stringify({ model: "mock/echo", max_tokens: 10, messages: hi }), { authorization: "Bearer wrong" }],
    ["an allowed browser origin", "/v1/chat/completions", JSON.stringify({ model: "mock/echo", messages: hi }), { origin: "https://allowed.example" }],
    ["an allowed browser origin, refused", "/v1/chat/completions", "{", { origin: "https://allowed.example" }],
    ["another browser origin", "/v1/chat/completions", JSON.stringify({ model: "mock/echo", messages: hi }), { origin: "https://evil.example" }],
  ];

  it.each(cases)("%s", async (_name, path, body, headers) => {
    const [direct, viaApp] = await bothWays(path, body, headers);
    expect(direct).toEqual(viaApp);
    expect(direct.requestId).toBe(true);
  });

  it("a repeated Authorization is read whole, as a Web Headers reads it: not as its first value", async () => {
    const body = JSON.stringify({ model: "mock/echo", messages: hi });
    const { port } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      let text = "";
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer ${TOKEN}\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: ${body.length}\r\n\r\n${body}`),
      );
      socket.setEncoding("utf8").on("data", (d) => (text += d)).on("end", () => resolve(text)).on("error", reject);
    });
    const res = { status: Number(answer.split(" ")[1]), body: answer.slice(answer.indexOf("\r\n\r\n") + 4) };
    expect(res.status).toBe(401);
    expect(res.body).not.toContain(TOKEN);
  });
});

/** A raw request: the status, the headers, the body, and whether the server closed the connection. */
function raw(headers: Record<string, string>, write: (req: ReturnType<typeof httpRequest>) => void): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${server.url}/v1/chat/completions`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers } });
    req.on("response", (r) => {
      let body = "";
      r.setEncoding("utf8").on("data", (d) => (body += d)).on("end", () => resolve({ status: r.statusCode!, headers: r.headers, body }));
    });
    req.on("error", reject);
    write(req);
  });
}

describe("the body limit on the Node adapter's API routes", () => {
  it("refuses a Content-Length over the limit before reading, and closes the connection rather than drain it", async () => {
    const res = await raw({ "content-length": String(MAX + 1) }, (req) => req.write("{"));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("request_too_large");
    expect(res.headers.connection).toBe("close");
    expect(res.headers["x-request-id"]).toBeTruthy();
  });

  it("cuts a chunked body off at the limit", async () => {
    const res = await raw({ "transfer-encoding": "chunked" }, (req) => {
      req.write(`{"model":"mock/echo","messages":[{"role":"user","content":"${"x".repeat(MAX)}`);
      req.write("x".repeat(MAX));
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("request_too_large");
  });

  it("takes a chunked body under the limit", async () => {
    const res = await raw({ "transfer-encoding": "chunked" }, (req) => {
      req.write(`{"model":"mock/echo","messages":[`);
      req.end(`{"role":"user","content":"hi"}]}`);
    });
    expect(res.status).toBe(200);
  });

  it("keeps serving after a client leaves in the middle of its body", async () => {
    await new Promise<void>((resolve) => {
      const url = new URL(`${server.url}/v1/chat/completions`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": "1000", authorization: `Bearer ${TOKEN}` } });
      req.on("error", () => resolve());
      req.write('{"model":"mock/echo"', () => setTimeout(() => (req.destroy(), resolve()), 20));
    });
    const res = await raw({}, (req) => req.end(JSON.stringify({ model: "mock/echo", messages: hi })));
    expect(res.status).toBe(200);
  });
});

describe("what the Node adapter leaves to the app", () => {
  let url: string;
  let close: () => void;
  const toApp: string[] = [];
  beforeAll(async () => {
    const s = createServer(
      directApi(server.gateway, (req, res) => {
        toApp.push(`${req.method} ${req.url}`);
        res.end("app");
      }),
    );
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    close = () => s.close();
  });
  afterAll(() => close());

  it.each([
    ["GET", "/v1/chat/completions"],
    ["OPTIONS", "/v1/chat/completions"],
    ["POST", "/v1/chat/completions/"],
    ["POST", "//v1/chat/completions"],
    ["POST", "/v1/chat%2Fcompletions"],
    ["POST", "/V1/chat/completions"],
    ["POST", "/mock/v1/chat/completions"],
    ["POST", "/v1/key/rotate"],
    ["GET", "/health"],
  ])("%s %s", async (method, path) => {
    toApp.length = 0;
    const res = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${url}${path}`, { method }, (r) => {
        let body = "";
        r.setEncoding("utf8").on("data", (d) => (body += d)).on("end", () => resolve(body));
      });
      req.on("error", reject);
      req.end();
    });
    expect(res).toBe("app");
    expect(toApp).toEqual([`${method} ${path}`]);
  });

  it("and serves the API paths itself", async () => {
    toApp.length = 0;
    const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ model: "mock/echo", messages: hi }) });
    expect(res.status).toBe(200);
    expect(toApp).toEqual([]);
  });
});

describe("NodeRequestHeaders", () => {
  const headersOf = (raw: string[]) => {
    const headers: IncomingHttpHeaders = Object.create(null);
    const firstOnly = new Set(["authorization", "content-type", "host"]);
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      const v = raw[i + 1]!;
      if (k === "set-cookie") headers[k] = [...((headers[k] as string[]) ?? []), v];
      else if (!(k in headers)) headers[k] = v;
      else if (!firstOnly.has(k)) headers[k] = `${headers[k]}, ${v}`;
    }
    return new NodeRequestHeaders(headers, raw);
  };

  it("reads a name in any case, and null for one not sent", () => {
    const h = headersOf(["Content-Type", "application/json", "X-Provider", "mock"]);
    expect(h.get("content-type")).toBe("application/json");
    expect(h.get("X-PROVIDER")).toBe("mock");
    expect(h.get("x-other")).toBeNull();
    expect(h.has("x-provider")).toBe(true);
    expect(h.has("x-other")).toBe(false);
  });

  it("has no prototype names", () => {
    const h = headersOf(["a", "b"]);
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) expect(h.get(name)).toBeNull();
  });

  it("joins every value of a repeated header, those node:http keeps the first of included", () => {
    const h = headersOf(["Authorization", "Bearer a", "authorization", "Bearer b", "x-tag", "1", "X-Tag", "2", "set-cookie", "c=1", "set-cookie", "d=2"]);
    expect(h.get("authorization")).toBe("Bearer a, Bearer b");
    expect(h.get("x-tag")).toBe("1, 2");
    expect(h.get("set-cookie")).toBe("c=1, d=2");
  });

  it("walks its headers in name order, as Headers does", () => {
    const h = headersOf(["b", "2", "a", "1", "C", "3"]);
    const seenHeaders: string[] = [];
    h.forEach((v, k) => seenHeaders.push(`${k}=${v}`));
    expect(seenHeaders).toEqual(["a=1", "b=2", "c=3"]);
  });
});
