/**
 * The floor for any proxy on Node, measured in the same run as the gateway: a plain node:http
 * server that forwards each request with undici's pooled request and sends the answer back
 * (JSON read whole, streams piped). No routing, auth, validation, translation or usage.
 * BARE_CLIENT=dispatch: the same on undici's dispatcher with a handler of its own (as the gateway's
 * Node client calls upstreams), without `request`'s Readable and promise layers — the lower floor.
 * GET /__eventloop gives its event loop's delay since start (ms, sampled every 10 ms as the
 * gateway's /metrics does), for the slow-streams measurement.
 */
import { createServer } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { ServerResponse } from "node:http";
import { Agent, type Dispatcher, request } from "undici";

const upstream = process.env.UPSTREAM!;
// As wide as the gateway's pool (functions/node/http-client.ts): a streamed answer holds its connection throughout.
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 4096, headersTimeout: 0, bodyTimeout: 300_000 });

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const ms = (ns: number) => ns / 1e6;

const DISPATCH = process.env.BARE_CLIENT === "dispatch";
const origin = new URL(upstream).origin;

/** The upstream's answer written to `res` as it comes: whole for JSON, chunk by chunk (paused while `res` drains) for a stream. */
function viaDispatcher(path: string, body: Buffer, res: ServerResponse) {
  const chunks: Buffer[] = [];
  let stream = false;
  let status = 502;
  let type = "";
  // onRequestStart marks the handler as undici 7's kind (controller-based), even with nothing to do.
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart() {},
    onResponseStart(_, code, headers) {
      status = code;
      type = String(headers["content-type"] ?? "");
      stream = type.startsWith("text/event-stream");
      if (stream) res.writeHead(status, { "content-type": type });
    },
    onResponseData(controller, chunk) {
      if (!stream) return void chunks.push(chunk);
      if (!res.write(chunk)) (controller.pause(), res.once("drain", () => controller.resume()));
    },
    onResponseEnd() {
      if (stream) return void res.end();
      const text = Buffer.concat(chunks);
      res.writeHead(status, { "content-type": type, "content-length": text.length });
      res.end(text);
    },
    onResponseError() {
      res.destroy();
    },
  };
  agent.dispatch({ origin, path, method: "POST", headers: { "content-type": "application/json" }, body }, handler);
}

const server = createServer(async (req, res) => {
  if (req.method === "GET" && req.url === "/__eventloop") {
    res.end(JSON.stringify({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) }));
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  if (DISPATCH) return viaDispatcher(req.url!, body, res);
  const r = await request(upstream + req.url, { method: "POST", headers: { "content-type": "application/json" }, body, dispatcher: agent });
  const type = String(r.headers["content-type"] ?? "");
  if (type.startsWith("text/event-stream")) {
    res.writeHead(r.statusCode, { "content-type": type });
    for await (const c of r.body) res.write(c);
    res.end();
  } else {
    const text = await r.body.text();
    res.writeHead(r.statusCode, { "content-type": type, "content-length": Buffer.byteLength(text) });
    res.end(text);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
