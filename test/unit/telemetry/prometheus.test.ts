import { describe, expect, it } from "vitest";
import { MetricsRegistry } from "../../../core/telemetry/prometheus.js";
import type { CallRecord } from "../../../core/types.js";
import { allRecords, anthropicMessages, cacheHit, rateLimited, streamedFallback, upstreamTimeout } from "./records.js";

/**
 * A strict reader of the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats/): it throws on anything the format does
 * not allow, so a render that parses is a render Prometheus can scrape.
 */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface MetricFamily {
  help?: string;
  type?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseExposition(text: string): Map<string, MetricFamily> {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const families = new Map<string, MetricFamily>();
  const familyOf = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  const owner = (sampleName: string) => {
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      const base = sampleName.slice(0, -suffix.length);
      if (sampleName.endsWith(suffix) && families.get(base)?.type === "histogram") return base;
    }
    return sampleName;
  };
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!METRIC_NAME.test(name!)) throw new Error(`bad metric name ${name}`);
      const f = familyOf(name!);
      if (f.samples.length > 0) throw new Error(`${kind} for ${name} after its samples`);
      if (kind === "HELP") {
        if (f.help !== undefined) throw new Error(`second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest!.replace(/\\\\/g, ""))) throw new Error(`bad escape in HELP of ${name}`);
        f.help = rest!.replace(/\\(\\|n)/g, (_, c) => (c === "n" ? "\n" : "\\"));
      } else {
        if (f.type !== undefined) throw new Error(`second TYPE for ${name}`);
        if (!TYPES.has(rest!)) throw new Error(`bad type ${rest}`);
        f.type = rest;
      }
      continue;
    }
    if (line.startsWith("#")) throw new Error(`unexpected comment: ${line}`);
    const sample = parseSample(line);
    familyOf(owner(sample.name)).samples.push(sample);
  }
  return families;
}

function parseSample(line: string): Sample {
  let i = 0;
  while (i < line.length && line[i] !== "{" && line[i] !== " ") i++;
  const name = line.slice(0, i);
  if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    while (line[i] !== "}") {
      const eq = line.indexOf("=", i);
      const label = line.slice(i, eq);
      if (!LABEL_NAME.test(label)) throw new Error(`bad label name ${label} in: ${line}`);
      if (Object.hasOwn(labels, label)) throw new Error(`repeated label ${label}`);
      if (line[eq + 1] !== '"') throw new Error(`label value must be quoted in: ${line}`);
      let value = "";
      let j = eq + 2;
      for (;;) {
        const c = line[j];
        if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
        if (c === '"') break;
        if (c === "\\") {
          const next = line[j + 1];
          if (next === "\\") value += "\\";
          else if (next === '"') value += '"';
          else if (next === "n") value += "\n";
          else throw new Error(`bad escape \\${next} in: ${line}`);
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      labels[label] = value;
      i = j + 1;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") throw new Error(`expected , or } in: ${line}`);
    }
    i++;
  }
  if (line[i] !== " ") throw new Error(`expected a space before the value in: ${line}`);
  const [valueText, timestamp, ...extra] = line.slice(i + 1).split(" ");
  if (extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`bad value or timestamp in: ${line}`);
  const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : valueText === "NaN" ? Number.NaN : Number(valueText);
  if (valueText === "" || (Number.isNaN(value) && valueText !== "NaN")) throw new Error(`bad value ${valueText} in: ${line}`);
  return { name, labels, value };
}

function scrape(...records: CallRecord[]): Map<string, MetricFamily> {
  const registry = new MetricsRegistry();
  for (const r of records) registry.observe(r);
  return parseExposition(registry.render());
}

/** The sum of the samples named `name` (a histogram's _bucket, _sum or _count too) that have these labels. */
const value = (families: Map<string, MetricFamily>, name: string, labels: Record<string, string>) =>
  [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

describe("the exposition parser", () => {
  it("refuses what the format does not allow", () => {
    expect(() => parseExposition('a{b="c"} 1')).toThrow(/line feed/);
    expect(() => parseExposition('a{b="c\\t"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('a{b="c} 1\n')).toThrow(/unterminated/);
    expect(() => parseExposition("a{1b=\"c\"} 1\n")).toThrow(/label name/);
    expect(() => parseExposition("a 1\n# TYPE a counter\n")).toThrow(/after its samples/);
    expect(() => parseExposition("a one\n")).toThrow(/bad value/);
    expect(parseExposition('# TYPE a counter\na{b="x\\\\y\\"z\\n"} +Inf\n').get("a")!.samples[0]).toEqual({ name: "a", labels: { b: 'x\\y"z\n' }, value: Infinity });
  });
});

describe("MetricsRegistry", () => {
  it("renders HELP and TYPE for every metric, in a scrape Prometheus can parse", () => {
    const families = scrape(...allRecords());
    const expected = {
      strait_requests_total: "counter",
      strait_tokens_total: "counter",
      strait_cost_usd_total: "counter",
      strait_request_duration_seconds: "histogram",
      strait_time_to_first_byte_seconds: "histogram",
      strait_upstream_attempts_total: "counter",
      strait_metrics_folded_total: "counter",
    };
    expect(Object.fromEntries([...families].map(([name, f]) => [name, f.type]))).toEqual(expected);
    for (const f of families.values()) expect(f.help).toBeTruthy();
    expect(new MetricsRegistry().render()).toMatch(/^# HELP strait_requests_total /);
    expect(() => parseExposition(new MetricsRegistry().render())).not.toThrow();
  });

  it("counts requests by provider, model, status class, cache verdict and route", () => {
    const families = scrape(...allRecords(), streamedFallback());
    expect(families.get("strait_requests_total")!.samples).toEqual([
      { name: "strait_requests_total", labels: { provider: "openai", model: "gpt-4o-mini", status_class: "2xx", cache: "miss", route: "chat" }, value: 2 },
      { name: "strait_requests_total", labels: { provider: "anthropic", model: "claude-sonnet-4-5", status_class: "2xx", cache: "bypass", route: "messages" }, value: 1 },
      { name: "strait_requests_total", labels: { provider: "openai", model: "gpt-4o-mini", status_class: "2xx", cache: "hit", route: "chat" }, value: 1 },
      { name: "strait_requests_total", labels: { provider: "none", model: "none", status_class: "4xx", cache: "none", route: "chat" }, value: 1 },
      { name: "strait_requests_total", labels: { provider: "aws-bedrock", model: "us.amazon.nova-lite-v1:0", status_class: "5xx", cache: "none", route: "completions" }, value: 1 },
    ]);
  });

  it("counts provider tokens by type, none for a cache hit", () => {
    const families = scrape(streamedFallback(), anthropicMessages(), cacheHit());
    const tokens = (model: string, type: string) => value(families, "strait_tokens_total", { model, type });
    expect([tokens("gpt-4o-mini", "input"), tokens("gpt-4o-mini", "output"), tokens("gpt-4o-mini", "cached_read")]).toEqual([1200, 85, 1024]);
    expect(families.get("strait_tokens_total")!.samples.filter((s) => s.labels.model === "gpt-4o-mini").map((s) => s.labels.type)).toEqual(["input", "output", "cached_read"]);
    expect(["input", "output", "cached_read", "cached_write", "reasoning"].map((t) => tokens("claude-sonnet-4-5", t))).toEqual([11311, 503, 8192, 1024, 200]);
  });

  it("adds cost exactly, in dollars, for priced calls only", () => {
    const many = Array.from({ length: 1000 }, () => streamedFallback());
    const families = scrape(...many, upstreamTimeout(), cacheHit());
    expect(families.get("strait_cost_usd_total")!.samples).toEqual([{ name: "strait_cost_usd_total", labels: { provider: "openai", model: "gpt-4o-mini" }, value: 1.59 }]);
  });

  it("keeps histograms cumulative, ending in +Inf, with _sum and _count", () => {
    const families = scrape(streamedFallback(), anthropicMessages(), upstreamTimeout(), { ...streamedFallback(), durationMs: 400_000 });
    for (const name of ["strait_request_duration_seconds", "strait_time_to_first_byte_seconds"]) {
      const samples = families.get(name)!.samples;
      const series = new Set(samples.map((s) => JSON.stringify({ provider: s.labels.provider, model: s.labels.model })));
      for (const key of series) {
        const labels = JSON.parse(key);
        const of = (suffix: string) => samples.filter((s) => s.name === `${name}${suffix}` && s.labels.provider === labels.provider && s.labels.model === labels.model);
        const buckets = of("_bucket");
        expect(buckets.at(-1)!.labels.le).toBe("+Inf");
        const les = buckets.map((b) => (b.labels.le === "+Inf" ? Infinity : Number(b.labels.le)));
        expect([...les].sort((a, b) => a - b)).toEqual(les);
        for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
        expect(of("_count")[0]!.value).toBe(buckets.at(-1)!.value);
      }
    }
    const openai = { provider: "openai", model: "gpt-4o-mini" };
    expect(value(families, "strait_request_duration_seconds_sum", openai)).toBeCloseTo(2.15 + 400, 9);
    expect(value(families, "strait_request_duration_seconds_count", openai)).toBe(2);
    expect(value(families, "strait_request_duration_seconds_bucket", { ...openai, le: "2.5" })).toBe(1);
    expect(value(families, "strait_request_duration_seconds_bucket", { ...openai, le: "300" })).toBe(1);
    expect(value(families, "strait_request_duration_seconds_bucket", { ...openai, le: "+Inf" })).toBe(2);
    expect(value(families, "strait_time_to_first_byte_seconds_bucket", { ...openai, le: "1" })).toBe(2);
    // No answer began on the timed-out call: no time-to-first-byte observation.
    expect(value(families, "strait_time_to_first_byte_seconds_count", { provider: "aws-bedrock" })).toBe(0);
  });

  it("counts upstream attempts by outcome", () => {
    const families = scrape(streamedFallback(), upstreamTimeout(), {
      ...anthropicMessages(),
      attempts: [
        { provider: "anthropic", model: "claude-sonnet-4-5", startedAt: 0, durationMs: 1, status: 429, spanId: "0000000000000001" },
        { provider: "anthropic", model: "claude-sonnet-4-5", startedAt: 0, durationMs: 1, status: 400, spanId: "0000000000000002" },
      ],
    });
    const outcomes = families.get("strait_upstream_attempts_total")!.samples.map((s) => [s.labels.provider, s.labels.outcome, s.value]);
    expect(outcomes).toEqual([
      ["groq", "server_error", 1],
      ["openai", "success", 1],
      ["aws-bedrock", "no_answer", 2],
      ["anthropic", "rate_limited", 1],
      ["anthropic", "client_error", 1],
    ]);
  });

  it("escapes backslash, double quote and line feed in label values", () => {
    const model = 'we"ird\\model\nv2';
    const families = scrape({ ...streamedFallback(), model });
    expect(families.get("strait_requests_total")!.samples[0]!.labels.model).toBe(model);
    const registry = new MetricsRegistry();
    registry.observe({ ...streamedFallback(), model });
    expect(registry.render()).toContain('model="we\\"ird\\\\model\\nv2"');
  });

  it("bounds label sets per metric: past the limit new models fold into model=\"other\", and the folds are counted", () => {
    const registry = new MetricsRegistry({ maxSeriesPerMetric: 3 });
    for (let i = 0; i < 6; i++) registry.observe({ ...streamedFallback(), model: `model-${i}`, attempts: undefined });
    registry.observe({ ...streamedFallback(), model: "model-1", attempts: undefined });
    const families = parseExposition(registry.render());
    expect(families.get("strait_requests_total")!.samples.map((s) => [s.labels.model, s.value])).toEqual([
      ["model-0", 1],
      ["model-1", 2],
      ["model-2", 1],
      ["other", 3],
    ]);
    expect(families.get("strait_request_duration_seconds")!.samples.filter((s) => s.name.endsWith("_count")).map((s) => s.labels.model)).toEqual(["model-0", "model-1", "model-2", "other"]);
    expect(value(families, "strait_metrics_folded_total", { metric: "strait_requests_total" })).toBe(3);
    expect(value(families, "strait_metrics_folded_total", { metric: "strait_request_duration_seconds" })).toBe(3);
    // Tokens have 3 label sets per model (input, output, cached_read): the limit is reached at once.
    expect(value(families, "strait_tokens_total", { model: "other", type: "input" })).toBe(6 * 1200);
  });

  it("never takes a refused (4xx) call's model as a label: the client chose it", () => {
    const registry = new MetricsRegistry({ maxSeriesPerMetric: 5 });
    for (let i = 0; i < 50; i++) registry.observe(rateLimited(`made-up-${i}`));
    registry.observe(streamedFallback());
    const families = parseExposition(registry.render());
    expect(families.get("strait_requests_total")!.samples.map((s) => s.labels.model)).toEqual(["none", "gpt-4o-mini"]);
  });
});
