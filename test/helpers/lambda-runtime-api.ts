/**
 * A small AWS Lambda Runtime API plus a Function URL front, for running a real runtime client
 * (aws-lambda-ric) against them. No npm package ships Amazon's emulator, so this is the part of it
 * the gateway needs:
 *   Runtime API   GET  /2018-06-01/runtime/invocation/next          the next event (long poll)
 *                 POST /2018-06-01/runtime/invocation/{id}/response  buffered JSON, or streamed
 *                      (Lambda-Runtime-Function-Response-Mode: streaming; chunked; with content type
 *                      application/vnd.awslambda.http-integration-response: JSON prelude, 8 NUL
 *                      bytes, body; error trailers Lambda-Runtime-Function-Error-Type/-Body)
 *                 POST /2018-06-01/runtime/invocation/{id}/error, /2018-06-01/runtime/init/error
 *   Function URL  any request → a payload 2.0 event; the function's answer streamed to the client
 *                 as it arrives. A client that goes away does not stop the function (as on AWS):
 *                 the rest of its answer is read and dropped.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const PRELUDE_TYPE = "application/vnd.awslambda.http-integration-response";
const DELIMITER = 8;
const TEXTUAL = /^(text\/|application\/(json|[\w.+-]+\+json|xml|javascript|x-www-form-urlencoded))/i;

export interface Invocation {
  id: string;
  event: Record<string, any>;
  /** "streaming" when the runtime streamed its answer. */
  mode?: "streaming" | "buffered";
  prelude?: { statusCode?: number; headers?: Record<string, string>; cookies?: string[] };
  /** Body bytes the function wrote, with the time each arrived (ms since the invocation began). */
  chunks: Array<{ at: number; bytes: number }>;
  /** Set by an /error post or by error trailers on a streamed response. */
  error?: { type?: string; body?: string };
  clientGone: boolean;
  /** A buffered handler's result object, as returned. */
  result?: any;
  /** Resolves when the runtime has sent the whole response (or an error). */
  done: Promise<void>;
  /** Resolves when the handler has returned: the runtime asks for the next event (deferred work is over). */
  returned: Promise<void>;
}

export interface LambdaEmulator {
  /** host:port, for AWS_LAMBDA_RUNTIME_API. */
  runtimeApi: string;
  /** The Function URL front, e.g. http://127.0.0.1:PORT */
  url: string;
  invocations: Invocation[];
  initErrors: string[];
  /** Resolves when a runtime first asks for an event (it has loaded the handler). */
  polled: Promise<void>;
  /** Queues an event directly (no HTTP front) and resolves with its invocation record. */
  invoke(event: Record<string, any>): Invocation;
  close(): Promise<void>;
}

interface Pending {
  inv: Invocation;
  started: number;
  finish: () => void;
  markReturned: () => void;
  /** Where the answer goes: the Function URL client, if there is one. */
  client?: ServerResponse;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function startLambdaEmulator(opts: { timeoutMs?: number; functionArn?: string } = {}): Promise<LambdaEmulator> {
  const queue: Pending[] = [];
  const waiting: Array<(p: Pending) => void> = [];
  const byId = new Map<string, Pending>();
  const invocations: Invocation[] = [];
  const initErrors: string[] = [];
  let seq = 0;
  /** The invocation the runtime is working on: it is over when the runtime polls for the next one. */
  let current: Pending | undefined;
  let markPolled!: () => void;
  const polled = new Promise<void>((r) => (markPolled = r));
  const timeoutMs = opts.timeoutMs ?? 60_000;

  function enqueue(event: Record<string, any>, client?: ServerResponse): Invocation {
    let finish!: () => void;
    let markReturned!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const returned = new Promise<void>((r) => (markReturned = r));
    const inv: Invocation = { id: `inv-${++seq}-${Date.now()}`, event, chunks: [], clientGone: false, done, returned };
    const p: Pending = { inv, started: Date.now(), finish, markReturned, client };
    invocations.push(inv);
    byId.set(inv.id, p);
    client?.once("close", () => {
      if (!client.writableFinished) inv.clientGone = true;
    });
    const w = waiting.shift();
    if (w) w(p);
    else queue.push(p);
    return inv;
  }

  const runtime = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://runtime");
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url.pathname);
    try {
      if (req.method === "GET" && url.pathname === "/2018-06-01/runtime/invocation/next") {
        markPolled();
        current?.markReturned();
        current = undefined;
        const p = queue.shift() ?? (await new Promise<Pending>((r) => waiting.push(r)));
        current = p;
        res.writeHead(200, {
          "content-type": "application/json",
          "lambda-runtime-aws-request-id": p.inv.id,
          "lambda-runtime-deadline-ms": String(p.started + timeoutMs),
          "lambda-runtime-invoked-function-arn": opts.functionArn ?? "arn:aws:lambda:us-east-1:123456789012:function:strait",
          "lambda-runtime-trace-id": "Root=1-00000000-000000000000000000000000;Sampled=0",
        });
        res.end(JSON.stringify(p.inv.event));
        return;
      }
      if (req.method === "POST" && url.pathname === "/2018-06-01/runtime/init/error") {
        initErrors.push((await readBody(req)).toString("utf8"));
        res.writeHead(202).end('{"status":"OK"}');
        return;
      }
      const p = m ? byId.get(decodeURIComponent(m[1]!)) : undefined;
      if (!m || !p || req.method !== "POST") {
        res.writeHead(404, { "content-type": "application/json" }).end('{"errorMessage":"unknown route or invocation"}');
        return;
      }
      if (m[2] === "error") {
        const body = (await readBody(req)).toString("utf8");
        p.inv.error = { type: String(req.headers["lambda-runtime-function-error-type"] ?? ""), body };
        sendClient(p, 502, { "content-type": "application/json" }, [], Buffer.from('{"Message":"Internal Server Error"}'));
        res.writeHead(202).end('{"status":"OK"}');
        p.finish();
        return;
      }
      if (String(req.headers["lambda-runtime-function-response-mode"] ?? "").toLowerCase() === "streaming") await streamed(p, req);
      else buffered(p, await readBody(req));
      res.writeHead(202, { "content-type": "application/json" }).end('{"status":"OK"}');
      p.finish();
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
      if (m) byId.get(decodeURIComponent(m[1]!))?.finish();
    }
  });

  /** A streamed response: prelude (if the content type says so), then body chunks straight to the client. */
  async function streamed(p: Pending, req: IncomingMessage) {
    p.inv.mode = "streaming";
    const integration = String(req.headers["content-type"] ?? "").startsWith(PRELUDE_TYPE);
    let head = Buffer.alloc(0);
    let started = !integration;
    if (started) startClient(p, 200, { "content-type": String(req.headers["content-type"] ?? "application/octet-stream") }, []);
    try {
      for await (const chunk of req) {
        let c = chunk as Buffer;
        if (!started) {
          head = Buffer.concat([head, c]);
          const nul = findDelimiter(head);
          if (nul < 0) continue;
          const prelude = JSON.parse(head.subarray(0, nul).toString("utf8") || "{}");
          p.inv.prelude = prelude;
          startClient(p, prelude.statusCode ?? 200, prelude.headers ?? {}, prelude.cookies ?? []);
          started = true;
          c = head.subarray(nul + DELIMITER);
          if (!c.length) continue;
        }
        p.inv.chunks.push({ at: Date.now() - p.started, bytes: c.length });
        writeClient(p, c);
      }
    } catch {
      // The runtime's connection broke: the function died or was cut.
      p.inv.error ??= { type: "Runtime.ConnectionReset" };
    }
    const type = req.trailers["lambda-runtime-function-error-type"];
    if (type) p.inv.error = { type, body: Buffer.from(req.trailers["lambda-runtime-function-error-body"] ?? "", "base64").toString("utf8") };
    if (!started) startClient(p, p.inv.error ? 502 : 200, {}, []);
    endClient(p);
  }

  /** A buffered response: the handler's JSON result, interpreted as Function URLs do. */
  function buffered(p: Pending, body: Buffer) {
    p.inv.mode = "buffered";
    let result: any;
    try {
      result = JSON.parse(body.toString("utf8"));
    } catch {
      result = body.toString("utf8");
    }
    p.inv.result = result;
    if (result && typeof result === "object" && "statusCode" in result) {
      const payload = result.body == null ? Buffer.alloc(0) : Buffer.from(String(result.body), result.isBase64Encoded ? "base64" : "utf8");
      p.inv.chunks.push({ at: Date.now() - p.started, bytes: payload.length });
      sendClient(p, result.statusCode, result.headers ?? {}, result.cookies ?? [], payload);
    } else {
      sendClient(p, 200, { "content-type": "application/json" }, [], Buffer.from(JSON.stringify(result)));
    }
  }

  function startClient(p: Pending, status: number, headers: Record<string, string>, cookies: string[]) {
    const c = p.client;
    if (!c || c.headersSent || c.destroyed) return;
    c.statusCode = status;
    for (const [k, v] of Object.entries(headers)) c.setHeader(k, v);
    if (cookies.length) c.setHeader("set-cookie", cookies);
    c.flushHeaders();
  }
  function writeClient(p: Pending, chunk: Buffer) {
    const c = p.client;
    if (c && !c.destroyed && !c.writableEnded) c.write(chunk);
  }
  function endClient(p: Pending) {
    const c = p.client;
    if (c && !c.destroyed && !c.writableEnded) c.end();
  }
  function sendClient(p: Pending, status: number, headers: Record<string, string>, cookies: string[], body: Buffer) {
    startClient(p, status, headers, cookies);
    writeClient(p, body);
    endClient(p);
  }

  const front = createServer(async (req, res) => {
    const body = await readBody(req);
    enqueue(functionUrlEvent(req, body), res);
  });

  const listen = async (s: Server) => {
    s.listen(0, "127.0.0.1");
    await once(s, "listening");
    return (s.address() as AddressInfo).port;
  };
  const runtimePort = await listen(runtime);
  const frontPort = await listen(front);

  return {
    runtimeApi: `127.0.0.1:${runtimePort}`,
    url: `http://127.0.0.1:${frontPort}`,
    invocations,
    initErrors,
    polled,
    invoke: (event) => enqueue(event),
    async close() {
      for (const s of [runtime, front]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}

function findDelimiter(buf: Buffer): number {
  for (let i = 0; i + DELIMITER <= buf.length; i++) {
    let all = true;
    for (let j = 0; j < DELIMITER; j++) if (buf[i + j] !== 0) { all = false; break; }
    if (all) return i;
  }
  return -1;
}

/** The event a Function URL sends for this request (payload format 2.0). */
export function functionUrlEvent(req: IncomingMessage, body: Buffer): Record<string, any> {
  const url = new URL(req.url ?? "/", "http://front");
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === "cookie") {
      cookies = [...(cookies ?? []), ...value.split(";").map((s) => s.trim()).filter(Boolean)];
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const host = headers.host ?? "127.0.0.1";
  const textual = TEXTUAL.test(headers["content-type"] ?? "");
  const now = Date.now();
  const event: Record<string, any> = {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: "anonymous",
      apiId: "strait-test",
      domainName: host,
      domainPrefix: host.split(".")[0],
      http: { method: req.method ?? "GET", path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? "127.0.0.1", userAgent: headers["user-agent"] ?? "" },
      requestId: `req-${now}`,
      routeKey: "$default",
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  if (url.search.length > 1) event.queryStringParameters = Object.fromEntries(url.searchParams);
  if (body.length) {
    event.body = textual ? body.toString("utf8") : body.toString("base64");
    event.isBase64Encoded = !textual;
  }
  return event;
}
