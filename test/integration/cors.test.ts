/**
 * CORS on the API routes: a browser's request (it carries Origin) gets the allow and expose
 * headers on every kind of answer — JSON, stream, error — and a request without Origin (a server,
 * an SDK) gets none, as the headers mean nothing to it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../functions/node/server.js";
import { startGateway } from "../helpers/gateway.js";

const chat = (stream: boolean, model = "mock/echo") => JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream });
const post = (url: string, body: string, origin?: string) =>
  fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...(origin ? { origin } : {}) }, body });

describe("CORS, any origin (the default)", () => {
  let gw: RunningServer;
  beforeAll(async () => {
    gw = await startGateway({});
  });
  afterAll(() => gw.close());

  it.each([false, true])("a browser's call (stream %s) gets allow-origin * and the exposed headers", async (stream) => {
    const res = await post(gw.url, chat(stream), "https://app.example");
    expect(res.status).toBe(200);
    await res.text();
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("an error answer to a browser carries them too, so the page can read it", async () => {
    const res = await post(gw.url, chat(false, "no-such-provider/x"), "https://app.example");
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect((await res.json()).error.message).toBeTruthy();
  });

  it("a call without Origin gets no CORS headers", async () => {
    const res = await post(gw.url, chat(false));
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();
  });
});

describe("CORS, a list of origins", () => {
  let gw: RunningServer;
  beforeAll(async () => {
    gw = await startGateway({ cors: { origins: ["https://allowed.example"] } });
  });
  afterAll(() => gw.close());

  it("echoes an allowed origin, with Vary: Origin", async () => {
    const res = await post(gw.url, chat(false), "https://allowed.example");
    await res.text();
    expect(res.headers.get("access-control-allow-origin")).toBe("https://allowed.example");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("gives another origin nothing to read the answer with", async () => {
    const res = await post(gw.url, chat(false), "https://evil.example");
    await res.text();
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
