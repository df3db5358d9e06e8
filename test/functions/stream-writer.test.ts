import { createServer, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { writeStreamed } from "../../functions/node/stream-writer.js";

/** A server response whose client has already gone (its socket closed) by the time it is handed over. */
async function goneResponse(): Promise<{ res: ServerResponse; close(): void }> {
  let handed!: (res: ServerResponse) => void;
  const got = new Promise<ServerResponse>((r) => (handed = r));
  const server = createServer((_req, res) => handed(res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
  const res = await got;
  socket.destroy();
  await new Promise((r) => res.once("close", r));
  return { res, close: () => server.close() };
}

describe("writeStreamed", () => {
  it("cancels the source of a client that left before the answer was handed over, so the call still finishes", async () => {
    const { res, close } = await goneResponse();
    let cancelled = false;
    const source = { read: () => new Promise<undefined>(() => {}), cancel: async () => void (cancelled = true) };
    await writeStreamed({ status: 200, headers: { "content-type": "text/event-stream" }, source }, res);
    expect(cancelled).toBe(true);
    close();
  });
});
