/**
 * The local server's upstream client (functions/node/http-client.ts) against a real socket: the
 * answer read whole and chunk by chunk, the connection paused while nobody reads, released when
 * the reader stops, and every way an upstream or a client can cut a call short.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cancel } from "../../core/cancel.js";
import type { UpstreamRequest } from "../../core/http.js";
import { undiciClient } from "../../functions/node/http-client.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe("the Node upstream client", () => {
  const handlers = new Map<string, Handler>();
  const sockets = new Set<Socket>();
  let connections = 0;
  let server: Server;
  let base: string;
  const http = undiciClient();
  const call = (path: string, extra: Partial<UpstreamRequest> = {}) => http({ url: `${base}${path}`, method: "POST", headers: { "content-type": "application/json" }, body: "{}", ...extra });
  /** Resolves when the server sees the connection of the request to `path` close. */
  const closed = new Map<string, Promise<void>>();
  const route = (path: string, h: Handler) => {
    let seen!: () => void;
    closed.set(path, new Promise((r) => (seen = r)));
    handlers.set(path, (req, res) => {
      res.socket!.once("close", seen);
      h(req, res);
    });
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => handlers.get(req.url!)?.(req, res));
    });
    server.on("connection", (s) => {
      connections++;
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it("reads a JSON answer whole, however it was split, with lower-case names and repeated headers joined", async () => {
    const body = JSON.stringify({ text: "é".repeat(5000) });
    route("/json", (_, res) => {
      res.writeHead(201, [
        ["Content-Type", "application/json"],
        ["X-Twice", "a"],
        ["X-Twice", "b"],
      ]);
      const bytes = Buffer.from(body);
      // Split inside a two-byte character, over several writes.
      res.write(bytes.subarray(0, 7));
      setTimeout(() => (res.write(bytes.subarray(7, 4001)), res.end(bytes.subarray(4001))), 5);
    });
    const res = await call("/json");
    expect(res.status).toBe(201);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["x-twice"]).toBe("a, b");
    expect(text(await res.bytes())).toBe(body);
  });

  it("reads text as UTF-8 without a byte-order mark, as fetch does", async () => {
    route("/bom", (_, res) => res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"error":"ünïcode"}')])));
    expect(await (await call("/bom")).text()).toBe('{"error":"ünïcode"}');
  });

  it("answers an empty body with no bytes", async () => {
    route("/empty", (_, res) => (res.writeHead(204), res.end()));
    const res = await call("/empty");
    expect(res.status).toBe(204);
    expect((await res.bytes()).length).toBe(0);
  });

  it("hands on each chunk as it arrives, then ends", async () => {
    route("/stream", (_, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      let n = 0;
      const t = setInterval(() => (++n <= 3 ? res.write(`data: ${n}\n\n`) : (clearInterval(t), res.end())), 20);
    });
    const res = await call("/stream");
    const got: string[] = [];
    for await (const c of res.chunks()) got.push(text(c));
    expect(got).toEqual(["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"]);
  });

  it("pauses the connection while nobody reads, and takes the rest when the reader comes back", async () => {
    const piece = Buffer.alloc(65_536, 97);
    const pieces = 512; // 32 MB: more than the sockets' buffers hold
    let written = 0;
    route("/flood", (_, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const more = () => {
        while (written < pieces) {
          written++;
          if (!res.write(piece)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    });
    const res = await call("/flood");
    await sleep(300);
    expect(written).toBeLessThan(pieces); // held back: the gateway's queue is not where the answer piles up
    let total = 0;
    for await (const c of res.chunks()) total += c.length;
    expect(total).toBe(piece.length * pieces);
  });

  it("stops the upstream when the reader stops early, and does not reuse that connection", async () => {
    route("/endless", (_, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const t = setInterval(() => res.write("data: x\n\n"), 5);
      res.once("close", () => clearInterval(t));
    });
    const res = await call("/endless");
    for await (const _ of res.chunks()) break;
    await closed.get("/endless");
  });

  it("rejects at once when the call was cancelled before it started", async () => {
    const cancel = new Cancel();
    cancel.abort(new Error("client left"));
    const before = connections;
    await expect(call("/never", { cancel })).rejects.toThrow("client left");
    expect(connections).toBe(before);
  });

  it("cancels a call whose upstream is silent before its headers", async () => {
    route("/silent", () => {});
    const cancel = new Cancel();
    const pending = call("/silent", { cancel });
    await sleep(50);
    cancel.abort(new Error("too slow"));
    await expect(pending).rejects.toThrow("too slow");
    await closed.get("/silent");
  });

  it("cancels a call mid-body: the read in progress fails and the connection closes", async () => {
    route("/slow-body", (_, res) => (res.writeHead(200, { "content-type": "application/json" }), res.write('{"a":')));
    const cancel = new Cancel();
    const res = await call("/slow-body", { cancel });
    const whole = res.bytes();
    cancel.abort(new Error("timed out"));
    await expect(whole).rejects.toThrow("timed out");
    await closed.get("/slow-body");
  });

  it("fails when the upstream resets before its headers", async () => {
    route("/reset-before", (_, res) => res.socket!.destroy());
    await expect(call("/reset-before")).rejects.toThrow();
  });

  it("fails the read when the upstream resets after its headers, whole or streamed", async () => {
    route("/reset-json", (_, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"partial":');
      setTimeout(() => res.socket!.destroy(), 10);
    });
    await expect((await call("/reset-json")).bytes()).rejects.toThrow();

    route("/reset-stream", (_, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      setTimeout(() => res.socket!.destroy(), 10);
    });
    const it = (await call("/reset-stream")).chunks()[Symbol.asyncIterator]();
    expect(text((await it.next()).value)).toBe("data: 1\n\n");
    await expect(it.next()).rejects.toThrow();
  });

  it("stops following the cancel once the answer is in, and reuses the connection", async () => {
    route("/a", (_, res) => res.end("a"));
    const cancel = new Cancel();
    const before = connections;
    expect(text(await (await call("/a", { cancel })).bytes())).toBe("a");
    expect(text(await (await call("/a", { cancel })).bytes())).toBe("a");
    expect((cancel as unknown as { listeners?: unknown[] }).listeners ?? []).toHaveLength(0);
    cancel.abort(); // nothing left to cancel
    expect(connections - before).toBeLessThanOrEqual(1);
  });
});
