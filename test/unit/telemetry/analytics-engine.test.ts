import { describe, expect, it } from "vitest";
import { analyticsEngineDataPoint } from "../../../core/telemetry/analytics-engine.js";
import { allRecords, anthropicMessages, cacheHit, rateLimited, streamedFallback, upstreamTimeout } from "./records.js";

const bytes = (s: string) => new TextEncoder().encode(s).length;

/** Workers Analytics Engine's writeDataPoint limits (developers.cloudflare.com/analytics/analytics-engine/limits/). */
function withinLimits(point: ReturnType<typeof analyticsEngineDataPoint>) {
  expect(point.indexes).toHaveLength(1);
  expect(bytes(point.indexes[0])).toBeLessThanOrEqual(96);
  expect(point.blobs.length).toBeLessThanOrEqual(20);
  expect(point.blobs.every((b) => typeof b === "string")).toBe(true);
  expect(point.blobs.reduce((n, b) => n + bytes(b), 0)).toBeLessThanOrEqual(16 * 1024);
  expect(point.doubles.length).toBeLessThanOrEqual(20);
  expect(point.doubles.every((d) => typeof d === "number" && Number.isFinite(d))).toBe(true);
}

describe("analyticsEngineDataPoint", () => {
  it("lays out the columns as documented: index1, blob1..9, double1..13", () => {
    expect(analyticsEngineDataPoint(streamedFallback())).toEqual({
      indexes: ["key_01JDX8Q4W7RZ"],
      blobs: ["openai", "gpt-4o-mini", "chat", "2xx", "MISS", "fast", "", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "4bf92f3577b34da6a3ce929d0e0e4736"],
      doubles: [1, 200, 2150, 640, 1200, 85, 1024, 0.00159, 0, 0, 1, 0, 1],
    });
    expect(analyticsEngineDataPoint(anthropicMessages()).doubles).toEqual([1, 200, 5300, 5290, 11311, 503, 8192, 0.017853, 1024, 200, 1, 0, 0]);
  });

  it("stays within writeDataPoint's limits for every kind of call", () => {
    for (const record of allRecords()) withinLimits(analyticsEngineDataPoint(record));
  });

  it("records failures with their error code, an unknown TTFB and an unknown price as 0 with the priced flag off", () => {
    const timeout = analyticsEngineDataPoint(upstreamTimeout());
    expect(timeout.indexes).toEqual(["open"]);
    expect(timeout.blobs.slice(0, 7)).toEqual(["aws-bedrock", "us.amazon.nova-lite-v1:0", "completions", "5xx", "none", "", "upstream_timeout"]);
    expect(timeout.doubles).toEqual([1, 504, 20_010, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const refused = analyticsEngineDataPoint(rateLimited());
    expect(refused.blobs.slice(0, 7)).toEqual(["none", "gpt-4o-mini", "chat", "4xx", "none", "", "rate_limited"]);
  });

  it("marks a response-cache hit and counts no provider tokens for it", () => {
    const hit = analyticsEngineDataPoint(cacheHit());
    expect(hit.blobs[4]).toBe("HIT");
    expect(hit.doubles.slice(4, 8)).toEqual([0, 0, 0, 0]);
    expect(hit.doubles[11]).toBe(1);
  });

  it("cuts the index to 96 bytes and long blobs to 1 KB without splitting a character", () => {
    const point = analyticsEngineDataPoint({ ...streamedFallback(), principal: "é".repeat(60), model: "模".repeat(2000), requestedModel: "x".repeat(5000) });
    withinLimits(point);
    expect(point.indexes[0]).toBe("é".repeat(48));
    expect(point.blobs[1]).toBe("模".repeat(341));
    expect(point.blobs[5]).toBe("x".repeat(1024));
    expect(analyticsEngineDataPoint({ ...streamedFallback(), principal: undefined }).indexes).toEqual(["none"]);
  });
});
