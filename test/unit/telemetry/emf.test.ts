import { describe, expect, it } from "vitest";
import { emfLine } from "../../../core/telemetry/emf.js";
import { allRecords, anthropicMessages, cacheHit, rateLimited, streamedFallback, upstreamTimeout } from "./records.js";

/**
 * The rules of the CloudWatch Embedded Metric Format specification
 * (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
 * and of CloudWatch's Dimension type, as a validator: the list of broken rules, empty when valid.
 */
const UNITS =
  /^(Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes\/Second|Kilobytes\/Second|Megabytes\/Second|Gigabytes\/Second|Terabytes\/Second|Bits\/Second|Kilobits\/Second|Megabits\/Second|Gigabits\/Second|Terabits\/Second|Count\/Second|None)$/;
const MAX_EVENT_BYTES = 1024 * 1024;

function emfViolations(line: string): string[] {
  const broken: string[] = [];
  const rule = (ok: boolean, text: string) => ok || broken.push(text);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const onlyMembers = (o: Record<string, unknown>, allowed: string[], what: string) => {
    for (const k of Object.keys(o)) rule(allowed.includes(k), `${what} has no member "${k}" in the spec`);
  };

  rule(new TextEncoder().encode(line).length <= MAX_EVENT_BYTES, "a log event is at most 1 MB");
  rule(!line.includes("\n"), "one event is one line");
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch {
    return ["the LogEvent message must be valid JSON with nothing before or after it"];
  }
  if (!isObject(root)) return ["the root node must be a JSON object"];
  const aws = root._aws;
  if (!isObject(aws)) return ["the root node must have an _aws object"];
  onlyMembers(aws, ["Timestamp", "CloudWatchMetrics"], "_aws");
  rule(typeof aws.Timestamp === "number" && Number.isInteger(aws.Timestamp) && aws.Timestamp > 0, "_aws.Timestamp must be an integer count of milliseconds since the epoch");
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [...broken, "_aws.CloudWatchMetrics must be an array of MetricDirectives"];
  const dimensionTargets = new Set<string>();
  const metricTargets = new Set<string>();
  for (const directive of directives) {
    if (!isObject(directive)) {
      broken.push("a MetricDirective must be an object");
      continue;
    }
    onlyMembers(directive, ["Namespace", "Dimensions", "Metrics"], "a MetricDirective");
    const ns = directive.Namespace;
    rule(typeof ns === "string" && ns.length >= 1 && ns.length <= 1024, "Namespace must be a string of 1..1024 characters");
    const sets = directive.Dimensions;
    rule(Array.isArray(sets) && sets.length >= 1, "Dimensions must be an array of at least one DimensionSet");
    for (const set of Array.isArray(sets) ? sets : []) {
      if (!Array.isArray(set)) {
        broken.push("a DimensionSet must be an array");
        continue;
      }
      rule(set.length <= 30, "a DimensionSet must not contain more than 30 dimension keys");
      for (const key of set) {
        rule(typeof key === "string" && key.length >= 1 && key.length <= 250, "a dimension key must be a string of 1..250 characters");
        if (typeof key === "string") dimensionTargets.add(key);
      }
    }
    const metrics = directive.Metrics;
    rule(Array.isArray(metrics) && metrics.length <= 100, "Metrics must be an array of at most 100 MetricDefinitions");
    for (const metric of Array.isArray(metrics) ? metrics : []) {
      if (!isObject(metric)) {
        broken.push("a MetricDefinition must be an object");
        continue;
      }
      onlyMembers(metric, ["Name", "Unit", "StorageResolution"], "a MetricDefinition");
      rule(typeof metric.Name === "string" && metric.Name.length >= 1 && metric.Name.length <= 1024, "a metric Name must be a string of 1..1024 characters");
      if (metric.Unit !== undefined) rule(typeof metric.Unit === "string" && UNITS.test(metric.Unit), `Unit ${String(metric.Unit)} is not a CloudWatch unit`);
      if (metric.StorageResolution !== undefined) rule(metric.StorageResolution === 1 || metric.StorageResolution === 60, "StorageResolution must be 1 or 60");
      if (typeof metric.Name === "string") metricTargets.add(metric.Name);
    }
  }
  for (const key of dimensionTargets) {
    const value = root[key];
    rule(Object.hasOwn(root, key), `the dimension target "${key}" must be a member of the root node`);
    if (!Object.hasOwn(root, key)) continue;
    rule(typeof value === "string", `the dimension target "${key}" must have a string value`);
    if (typeof value !== "string") continue;
    rule(value.length >= 1 && value.length <= 1024, `the dimension "${key}" must have 1..1024 characters`);
    rule(/^[\x20-\x7e]*$/.test(value), `the dimension "${key}" must be ASCII without control characters`);
    rule(value.trim() !== "", `the dimension "${key}" must have a non-whitespace character`);
  }
  for (const name of metricTargets) {
    const value = root[name];
    rule(Object.hasOwn(root, name), `the metric target "${name}" must be a member of the root node`);
    if (!Object.hasOwn(root, name)) continue;
    const numeric = (n: unknown) => typeof n === "number" && Number.isFinite(n);
    rule(numeric(value) || (Array.isArray(value) && value.length <= 100 && value.every(numeric)), `the metric target "${name}" must be a number or an array of at most 100 numbers`);
    rule(!dimensionTargets.has(name), `"${name}" cannot be both a metric and a dimension`);
  }
  return broken;
}

const parse = (line: string) => JSON.parse(line) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } };
const metricNames = (line: string) => parse(line)._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name);

describe("the EMF validator", () => {
  it("accepts the specification's own example", () => {
    const example = {
      _aws: { Timestamp: 1574109732004, CloudWatchMetrics: [{ Namespace: "lambda-function-metrics", Dimensions: [["functionVersion"]], Metrics: [{ Name: "time", Unit: "Milliseconds", StorageResolution: 60 }] }] },
      functionVersion: "$LATEST",
      time: 100,
      requestId: "989ffbf8-9ace-4817-a57c-e4dd734019ee",
    };
    expect(emfViolations(JSON.stringify(example))).toEqual([]);
  });

  it("catches each broken rule", () => {
    const valid = parse(emfLine(streamedFallback(), { namespace: "Strait" }));
    const broken = (change: (doc: ReturnType<typeof parse>) => void) => {
      const doc = structuredClone(valid);
      change(doc);
      return emfViolations(JSON.stringify(doc));
    };
    expect(emfViolations("not json")).toHaveLength(1);
    expect(broken((d) => (d.Provider = 7 as never))).toContain('the dimension target "Provider" must have a string value');
    expect(broken((d) => (d.Model = "gpt-\u00e9"))).toContain('the dimension "Model" must be ASCII without control characters');
    expect(broken((d) => (d.Model = "   "))).toContain('the dimension "Model" must have a non-whitespace character');
    expect(broken((d) => delete d.KeyId)).toContain('the dimension target "KeyId" must be a member of the root node');
    expect(broken((d) => (d.Latency = "12"))).toContain('the metric target "Latency" must be a number or an array of at most 100 numbers');
    expect(broken((d) => (d._aws.CloudWatchMetrics[0]!.Dimensions = [Array.from({ length: 31 }, (_, i) => `D${i}`)]))).toContain("a DimensionSet must not contain more than 30 dimension keys");
    expect(broken((d) => (d._aws.CloudWatchMetrics[0]!.Metrics = Array.from({ length: 101 }, () => ({ Name: "Requests", Unit: "Count" }))))).toContain(
      "Metrics must be an array of at most 100 MetricDefinitions",
    );
    expect(broken((d) => (d._aws.CloudWatchMetrics[0]!.Metrics[0]!.Unit = "Dollars"))).toContain("Unit Dollars is not a CloudWatch unit");
    expect(broken((d) => (d._aws.Timestamp = 1.5))).toContain("_aws.Timestamp must be an integer count of milliseconds since the epoch");
  });
});

describe("emfLine", () => {
  it("writes a valid EMF document for every kind of call", () => {
    for (const record of allRecords()) expect(emfViolations(emfLine(record, { namespace: "Strait" })), record.requestId).toEqual([]);
  });

  it("publishes each metric by [Provider, Model], by [KeyId] and gateway-wide", () => {
    const doc = parse(emfLine(streamedFallback(), { namespace: "Strait/Gateway" }));
    expect(doc._aws.Timestamp).toBe(streamedFallback().startedAt);
    expect(doc._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "Strait/Gateway",
        Dimensions: [["Provider", "Model"], ["KeyId"], []],
        Metrics: [
          { Name: "Requests", Unit: "Count" },
          { Name: "Errors", Unit: "Count" },
          { Name: "ClientErrors", Unit: "Count" },
          { Name: "Latency", Unit: "Milliseconds" },
          { Name: "TimeToFirstByte", Unit: "Milliseconds" },
          { Name: "InputTokens", Unit: "Count" },
          { Name: "OutputTokens", Unit: "Count" },
          { Name: "CachedTokens", Unit: "Count" },
          { Name: "CostUSD", Unit: "None" },
          { Name: "CacheHit", Unit: "Count" },
        ],
      },
    ]);
    const { _aws, ...members } = doc;
    expect(members).toEqual({
      Provider: "openai",
      Model: "gpt-4o-mini",
      KeyId: "key_01JDX8Q4W7RZ",
      Route: "chat",
      StatusCode: 200,
      RequestId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      TraceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      Requests: 1,
      Errors: 0,
      ClientErrors: 0,
      Latency: 2150,
      TimeToFirstByte: 640,
      InputTokens: 1200,
      OutputTokens: 85,
      CachedTokens: 1024,
      CostUSD: 0.00159,
      CacheHit: 0,
    });
  });

  it("counts a 5xx in Errors and a 4xx in ClientErrors, and leaves out what is unknown rather than sending 0", () => {
    const timeout = parse(emfLine(upstreamTimeout(), { namespace: "Strait" }));
    expect(timeout).toMatchObject({ Errors: 1, ClientErrors: 0, Provider: "aws-bedrock", Model: "us.amazon.nova-lite-v1:0", KeyId: "open", InputTokens: 0 });
    expect(metricNames(emfLine(upstreamTimeout(), { namespace: "Strait" }))).not.toContain("CostUSD");
    expect(metricNames(emfLine(upstreamTimeout(), { namespace: "Strait" }))).not.toContain("TimeToFirstByte");
    expect(timeout).not.toHaveProperty("CostUSD");
    expect(timeout).not.toHaveProperty("TimeToFirstByte");

    const refused = parse(emfLine(rateLimited(), { namespace: "Strait" }));
    expect(refused).toMatchObject({ Errors: 0, ClientErrors: 1, Provider: "none", StatusCode: 429 });
  });

  it("counts a response-cache hit, with no provider tokens", () => {
    expect(parse(emfLine(cacheHit(), { namespace: "Strait" }))).toMatchObject({ CacheHit: 1, InputTokens: 0, OutputTokens: 0, CachedTokens: 0, CostUSD: 0 });
    expect(parse(emfLine(anthropicMessages(), { namespace: "Strait" }))).toMatchObject({ CacheHit: 0, InputTokens: 11311, CachedTokens: 8192, KeyId: "token:0" });
  });

  it("keeps dimension values valid and bounded whatever the model name, and a 4xx's model out of the dimensions", () => {
    const odd = { ...streamedFallback(), model: `mödel\u0000\n${"x".repeat(2000)}` };
    const line = emfLine(odd, { namespace: "Strait" });
    expect(emfViolations(line)).toEqual([]);
    expect((parse(line).Model as string).startsWith("m?del??x")).toBe(true);
    expect((parse(line).Model as string).length).toBe(1024);
    expect(parse(emfLine({ ...streamedFallback(), model: "" }, { namespace: "Strait" })).Model).toBe("none");
    // A client-chosen name on a refused call must not become a new (billed) CloudWatch metric.
    expect(parse(emfLine(rateLimited("made-up-model-12345"), { namespace: "Strait" })).Model).toBe("none");
  });
});
