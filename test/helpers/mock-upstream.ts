import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type UpstreamHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface MockUpstream {
  url: string;
  requests: RecordedRequest[];
  /** Replaces the handler for the next requests. */
  handle(handler: UpstreamHandler): void;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 standing in for a provider. */
export async function startMockUpstream(handler: UpstreamHandler): Promise<MockUpstream> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const recorded = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    requests.push(recorded);
    try {
      await current(recorded, res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500).end(String(e));
      else res.destroy();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (h) => (current = h),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** Writes a recorded stream transcript in pieces, optionally paced, as a provider would. */
export async function sendStream(res: ServerResponse, pieces: Array<string | Uint8Array>, opts: { status?: number; headers?: Record<string, string>; delayMs?: number } = {}) {
  res.writeHead(opts.status ?? 200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...opts.headers });
  for (const p of pieces) {
    if (res.destroyed) return;
    res.write(p);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
  }
  res.end();
}
