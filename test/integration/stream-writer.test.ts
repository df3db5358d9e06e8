/**
 * How the local server writes a streamed answer (functions/node/stream-writer.ts), seen from a raw
 * socket: the headers leave with the first chunk when it is ready, early on their own when the
 * first token is slow, and a client that leaves cancels the upstream request.
 */
import { connect } from "node:net";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../functions/node/server.js";
import { startGateway } from "../helpers/gateway.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A streamed chat request on a raw socket: each piece as it arrives, with its time. */
function rawStream(url: string, model: string): Promise<{ pieces: Array<{ at: number; text: string }>; socket: ReturnType<typeof connect> }> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }] });
  return new Promise((resolve) => {
    const pieces: Array<{ at: number; text: string }> = [];
    const started = Date.now();
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      resolve({ pieces, socket });
    });
    socket.on("data", (d) => pieces.push({ at: Date.now() - started, text: d.toString("utf8") }));
  });
}

describe("streamed answers on the local server", () => {
  let upstream: MockUpstream;
  let gw: RunningServer;
  let closed = 0;

  beforeAll(async () => {
    upstream = await startMockUpstream(async (req, res: ServerResponse) => {
      const model = JSON.parse(req.body || "{}").model as string;
      res.once("close", () => closed++);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders(); // the headers leave now, the first token later
      if (model === "slow-first") await sleep(600);
      for (let i = 0; i < (model === "endless" ? 1000 : 3); i++) {
        if (res.destroyed) return;
        res.write(chunk(`w${i} `));
        if (model === "endless") await sleep(20);
      }
      res.end(`${chunk("", "stop")}data: [DONE]\n\n`);
    });
    gw = await startGateway({ providers: { openai: { baseUrl: upstream.url, apiKeys: ["sk-test"] } } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it("sends the headers together with the first chunk when it is there", async () => {
    const { pieces, socket } = await rawStream(gw.url, "openai/fast");
    await sleep(300);
    socket.destroy();
    expect(pieces[0]!.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(pieces[0]!.text).toContain("content-type: text/event-stream");
    expect(pieces[0]!.text).toContain("data: {");
    expect(pieces.map((p) => p.text).join("")).toContain("data: [DONE]");
  });

  it("sends the headers early when the first token is slow", async () => {
    const { pieces, socket } = await rawStream(gw.url, "openai/slow-first");
    await sleep(1000);
    socket.destroy();
    expect(pieces[0]!.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(pieces[0]!.text).not.toContain("data: {");
    expect(pieces[0]!.at).toBeLessThan(400);
    expect(pieces.map((p) => p.text).join("")).toContain("data: [DONE]");
  });

  it("cancels the upstream request when the client leaves mid-stream", async () => {
    const before = closed;
    const { pieces, socket } = await rawStream(gw.url, "openai/endless");
    await sleep(200);
    expect(pieces.map((p) => p.text).join("")).toContain("w1 ");
    socket.destroy();
    await sleep(300);
    expect(closed).toBe(before + 1);
  });
});
