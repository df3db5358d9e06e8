import { describe, expect, it } from "vitest";
import type { Cancel } from "../../../core/cancel.js";
import type { UpstreamResponse } from "../../../core/http.js";
import type { Logger } from "../../../core/runtime.js";
import { type OtlpExporterOptions, OtlpExporter, type OtlpPost, postWith } from "../../../core/telemetry/otlp-exporter.js";
import type { OtlpTraceRequest } from "../../../core/telemetry/otlp.js";
import type { CallRecord } from "../../../core/types.js";
import { anthropicMessages, streamedFallback } from "./records.js";

interface Posted {
  url: string;
  body: OtlpTraceRequest;
  headers: Record<string, string>;
}

function recordingLog() {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>) =>
      lines.push({ level, msg, fields: fields && structuredClone(fields) });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines, text: () => JSON.stringify(lines) };
}

/** A collector that answers the given statuses in turn (then 200) and records what it got. */
function collector(statuses: number[] = []) {
  const posted: Posted[] = [];
  const post: OtlpPost = async (url, body, headers) => {
    posted.push({ url, body: JSON.parse(body), headers });
    return { status: statuses.shift() ?? 200 };
  };
  return { posted, post };
}

function exporter(post: OtlpPost, log: Logger, options: Partial<OtlpExporterOptions> = {}) {
  return new OtlpExporter({ endpoint: "https://otel.example.com/v1/traces", headers: { "x-api-key": "collector-secret-123" }, resource: { serviceName: "strait" }, post, log, ...options });
}

/** Calls with distinct request ids (and trace ids) and no attempts: one span each. */
function calls(n: number): CallRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    ...anthropicMessages(),
    attempts: undefined,
    requestId: `req-${i}`,
    trace: { traceId: `${(i + 1).toString(16).padStart(32, "0")}`, spanId: "0102030405060708", sampled: true },
  }));
}

const requestIds = (p: Posted) => p.body.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.attributes.find((a) => a.key === "strait.request_id")!.value);

describe("OtlpExporter", () => {
  it("posts queued calls as OTLP JSON to the endpoint, with the content type and the configured headers", async () => {
    const { posted, post } = collector();
    const { log, lines } = recordingLog();
    const e = exporter(post, log);
    expect(e.add(streamedFallback())).toBeUndefined();
    await e.flush();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.url).toBe("https://otel.example.com/v1/traces");
    expect(posted[0]!.headers).toEqual({ "x-api-key": "collector-secret-123", "content-type": "application/json" });
    expect(posted[0]!.body.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.spanId)).toEqual(["a1b2c3d4e5f60718", "1111aaaa2222bbbb", "3333cccc4444dddd"]);
    expect(e.stats()).toEqual({ queued: 0, exportedSpans: 3, droppedCalls: 0, failedPosts: 0 });
    expect(lines).toEqual([]);
    await e.flush();
    expect(posted).toHaveLength(1);
  });

  it("batches by maxBatch calls, and add() hands back the flush a full batch started", async () => {
    const { posted, post } = collector();
    const e = exporter(post, recordingLog().log, { maxBatch: 2 });
    const [a, b, c, d, f] = calls(5);
    expect(e.add(a!)).toBeUndefined();
    const started = e.add(b!);
    expect(started).toBeInstanceOf(Promise);
    await started;
    expect(posted.map(requestIds)).toEqual([[{ stringValue: "req-0" }, { stringValue: "req-1" }]]);
    e.add(c!);
    e.add(d!);
    e.add(f!);
    await e.flush();
    expect(posted.map((p) => requestIds(p).length)).toEqual([2, 2, 1]);
  });

  it("exports nothing for a call without a trace context or one the client marked unsampled", async () => {
    const { posted, post } = collector();
    const e = exporter(post, recordingLog().log);
    e.add({ ...streamedFallback(), trace: undefined });
    e.add({ ...streamedFallback(), trace: { ...streamedFallback().trace!, sampled: false } });
    await e.flush();
    expect(posted).toEqual([]);
    expect(e.stats().queued).toBe(0);
  });

  it("drops a batch the collector refuses (400), logs it, and goes on with the next", async () => {
    const { posted, post } = collector([400]);
    const { log, lines } = recordingLog();
    const e = exporter(post, log, { maxBatch: 10 });
    e.add(calls(1)[0]!);
    e.add({ ...streamedFallback(), requestId: "req-later" });
    await e.flush();
    expect(lines).toEqual([{ level: "warn", msg: "OTLP export failed", fields: { endpoint: "https://otel.example.com/v1/traces", status: 400, spans: 4, kept: false } }]);
    expect(e.stats()).toEqual({ queued: 0, exportedSpans: 0, droppedCalls: 0, failedPosts: 1 });

    const next = collector([400]);
    const one = exporter(next.post, recordingLog().log, { maxBatch: 1 });
    for (const r of calls(2)) one.add(r);
    await one.flush();
    expect(next.posted.map(requestIds)).toEqual([[{ stringValue: "req-0" }], [{ stringValue: "req-1" }]]);
    expect(one.stats()).toEqual({ queued: 0, exportedSpans: 1, droppedCalls: 0, failedPosts: 1 });
    expect(posted).toHaveLength(1);
  });

  it("keeps a batch for the next flush when the collector may recover (429, 502, 503, 504)", async () => {
    for (const status of [429, 502, 503, 504]) {
      const { posted, post } = collector([status]);
      const e = exporter(post, recordingLog().log);
      e.add(streamedFallback());
      await e.flush();
      expect(e.stats().queued).toBe(1);
      await e.flush();
      expect(posted).toHaveLength(2);
      expect(posted[1]!.body).toEqual(posted[0]!.body);
      expect(e.stats()).toMatchObject({ queued: 0, exportedSpans: 3, failedPosts: 1 });
    }
  });

  it("never rejects when the post throws, and logs no header value, credential or query", async () => {
    const { log, lines, text } = recordingLog();
    const post: OtlpPost = async () => {
      throw new Error("connect ECONNREFUSED https://user:hunter2hunter2@otel.example.com/v1/traces?token=query-secret-456 with x-api-key collector-secret-123");
    };
    const e = exporter(post, log, { endpoint: "https://user:hunter2hunter2@otel.example.com/v1/traces?token=query-secret-456" });
    e.add(streamedFallback());
    await expect(e.flush()).resolves.toBeUndefined();
    expect(lines[0]).toMatchObject({ level: "warn", msg: "OTLP export failed", fields: { endpoint: "https://otel.example.com/v1/traces", spans: 3, kept: true } });
    expect(lines[0]!.fields!.error).toContain("ECONNREFUSED");
    for (const secret of ["collector-secret-123", "hunter2hunter2", "query-secret-456"]) expect(text()).not.toContain(secret);
    expect(e.stats().queued).toBe(1);
  });

  it("gives up on a collector that never answers after timeoutMs, and aborts the post's signal", async () => {
    const { log, lines } = recordingLog();
    let signal: AbortSignal | undefined;
    const post: OtlpPost = (_url, _body, _headers, s) => {
      signal = s;
      return new Promise(() => {});
    };
    const e = exporter(post, log, { timeoutMs: 30 });
    e.add(streamedFallback());
    await e.flush();
    expect(signal?.aborted).toBe(true);
    expect(lines[0]!.fields!.error).toBe("no answer in 30 ms");
    expect(e.stats()).toMatchObject({ queued: 1, failedPosts: 1 });
  });

  it("bounds the queue: the oldest calls are dropped and counted, and the next flush says how many", async () => {
    const { posted, post } = collector([503, 503]);
    const { log, lines } = recordingLog();
    const e = exporter(post, log, { maxBatch: 2, maxQueue: 3 });
    const records = calls(5);
    e.add(records[0]!);
    await e.add(records[1]!); // a full batch: its flush fails with 503 and keeps both
    for (const r of records.slice(2)) e.add(r); // 5 queued: the two oldest go
    expect(e.stats()).toMatchObject({ queued: 3, droppedCalls: 2 });
    await e.flush();
    expect(lines.filter((l) => l.msg.includes("queue was full"))).toEqual([
      { level: "warn", msg: "OTLP export queue was full: the oldest calls' spans were dropped", fields: { endpoint: "https://otel.example.com/v1/traces", dropped: 2 } },
    ]);
    await e.flush();
    const sent = posted.slice(2).flatMap(requestIds);
    expect(sent).toEqual([{ stringValue: "req-2" }, { stringValue: "req-3" }, { stringValue: "req-4" }]);
  });

  it("runs one flush at a time, in order", async () => {
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    const post: OtlpPost = async (_url, body) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      order.push(...JSON.parse(body).resourceSpans[0].scopeSpans[0].spans.map((s: { attributes: Array<{ key: string; value: { stringValue: string } }> }) => s.attributes.find((a) => a.key === "strait.request_id")!.value.stringValue));
      inFlight--;
      return { status: 200 };
    };
    const e = exporter(post, recordingLog().log, { maxBatch: 1 });
    const records = calls(3);
    e.add(records[0]!);
    const first = e.flush();
    e.add(records[1]!);
    const second = e.flush();
    e.add(records[2]!);
    await Promise.all([first, second, e.flush()]);
    expect(most).toBe(1);
    expect(order).toEqual(["req-0", "req-1", "req-2"]);
  });

  it("refuses an endpoint that is not an http(s) URL when it is built (config time), not later", () => {
    const { post } = collector();
    expect(() => exporter(post, recordingLog().log, { endpoint: "file:///etc/passwd" })).toThrow(/http\(s\) URL/);
    expect(() => exporter(post, recordingLog().log, { endpoint: "not a url" })).toThrow();
  });
});

describe("postWith", () => {
  it("posts through the runtime's HttpClient, reads the answer to its end and returns its status", async () => {
    const seen: unknown[] = [];
    const cancels: Array<Cancel | undefined> = [];
    let read = false;
    const post = postWith(async (req) => {
      const { cancel, ...rest } = req;
      cancels.push(cancel);
      seen.push(rest);
      return {
        status: 202,
        headers: {},
        text: async () => {
          read = true;
          return "{}";
        },
      } as unknown as UpstreamResponse;
    });
    const timeout = new AbortController();
    await expect(post("https://otel.example.com/v1/traces", "{}", { "content-type": "application/json" }, timeout.signal)).resolves.toEqual({ status: 202 });
    expect(seen).toEqual([{ url: "https://otel.example.com/v1/traces", method: "POST", headers: { "content-type": "application/json" }, body: "{}" }]);
    // The post's timeout reaches the request: aborting it cancels the upstream call.
    expect(cancels[0]?.aborted).toBe(false);
    timeout.abort();
    expect(cancels[0]?.aborted).toBe(true);
    expect(read).toBe(true);
  });
});
