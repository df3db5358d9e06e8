import type { CallRecord } from "../types.js";
import { metricModelOf, statusClassOf, tokensOf } from "./measures.js";

/**
 * Counters and histograms of finished calls, rendered for a Prometheus scrape in the text
 * exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). Served
 * as `text/plain; version=0.0.4; charset=utf-8`.
 *
 * Label cardinality is bounded: each metric keeps at most `maxSeriesPerMetric` label sets; past
 * that, a new set is counted under model="other" (its other labels kept), and each such fold
 * counts in strait_metrics_folded_total{metric}.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricsRegistryOptions {
  /** Label sets each metric keeps before folding models into "other" (default 2000). */
  maxSeriesPerMetric?: number;
  /** The runtime's own metrics in exposition format (the Node server's memory and event-loop delay), appended as they are. */
  runtime?: () => string;
}

/** Seconds. LLM calls run from a fraction of a second to minutes; cache hits and refusals take milliseconds. */
const DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const TTFB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];

const OTHER_MODEL = "other";
const NONE = "none";

interface Series {
  labels: string[];
  /** A counter's value; a histogram's sum. */
  value: number;
  /** A histogram's count per bucket (not cumulative), the last one +Inf. */
  buckets?: number[];
}

class Family {
  /** Every series, in the order first observed (the order /metrics lists them). */
  readonly series: Series[] = [];
  /** Label value → … → series: found by walking the values, with no key string built per observation. */
  private readonly index = new Map<string, unknown>();
  private readonly modelIndex: number;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "histogram",
    readonly labelNames: string[],
    readonly options: { buckets?: number[]; divisor?: number } = {},
  ) {
    this.modelIndex = labelNames.indexOf("model");
  }

  /** The series of these label values, or undefined when there is none yet. */
  private find(labels: string[]): Series | undefined {
    let level: Map<string, unknown> | undefined = this.index;
    for (let i = 0; i < labels.length - 1 && level; i++) level = level.get(labels[i]!) as Map<string, unknown> | undefined;
    return level?.get(labels[labels.length - 1]!) as Series | undefined;
  }

  private create(labels: string[]): Series {
    let level = this.index;
    for (let i = 0; i < labels.length - 1; i++) {
      let next = level.get(labels[i]!) as Map<string, unknown> | undefined;
      if (!next) level.set(labels[i]!, (next = new Map()));
      level = next;
    }
    const series: Series = { labels, value: 0 };
    if (this.options.buckets) series.buckets = new Array(this.options.buckets.length + 1).fill(0);
    level.set(labels[labels.length - 1]!, series);
    this.series.push(series);
    return series;
  }

  /** The series of these label values; `folded` is true when the limit turned its model into "other". */
  seriesOf(labels: string[], limit: number): { series: Series; folded: boolean } {
    const found = this.find(labels);
    if (found) return { series: found, folded: false };
    const folded = this.series.length >= limit && this.modelIndex >= 0 && labels[this.modelIndex] !== OTHER_MODEL;
    if (folded) labels = labels.map((v, i) => (i === this.modelIndex ? OTHER_MODEL : v));
    return { series: (folded && this.find(labels)) || this.create(labels), folded };
  }
}

export class MetricsRegistry {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly limit: number;
  private readonly requests = new Family(
    "strait_requests_total",
    "Requests the gateway answered, by provider, model (\"none\" on a 4xx: the client's own text), status class, response-cache verdict and route.",
    "counter",
    ["provider", "model", "status_class", "cache", "route"],
  );
  private readonly tokens = new Family(
    "strait_tokens_total",
    "Provider tokens spent (none on a response-cache hit). input counts every prompt token, cached_read and cached_write included; reasoning is part of output.",
    "counter",
    ["provider", "model", "type"],
  );
  private readonly cost = new Family("strait_cost_usd_total", "Cost of the calls whose model has a known price, US dollars.", "counter", ["provider", "model"], { divisor: 1e6 });
  private readonly duration = new Family("strait_request_duration_seconds", "Time from a request's arrival to the end of its answer.", "histogram", ["provider", "model"], { buckets: DURATION_BUCKETS });
  private readonly ttfb = new Family("strait_time_to_first_byte_seconds", "Time from a request's arrival to the first byte of its answer.", "histogram", ["provider", "model"], { buckets: TTFB_BUCKETS });
  private readonly attempts = new Family(
    "strait_upstream_attempts_total",
    "Upstream attempts (retries and fallbacks included) by outcome: success, rate_limited, client_error, server_error, no_answer.",
    "counter",
    ["provider", "model", "outcome"],
  );
  private readonly families = [this.requests, this.tokens, this.cost, this.duration, this.ttfb, this.attempts];
  /** Observations folded into model="other", by metric name. */
  private readonly folded = new Map<string, number>();

  private readonly runtime?: () => string;

  constructor(options: MetricsRegistryOptions = {}) {
    this.limit = Math.max(1, Math.floor(options.maxSeriesPerMetric ?? 2000));
    this.runtime = options.runtime;
  }

  observe(record: CallRecord): void {
    const provider = record.provider || NONE;
    const model = metricModelOf(record) || NONE;
    const cache = record.cache ? record.cache.toLowerCase() : NONE;
    this.add(this.requests, [provider, model, statusClassOf(record.status), cache, record.endpoint], 1);
    const tokens = tokensOf(record);
    this.addTokens(provider, model, "input", tokens.in);
    this.addTokens(provider, model, "output", tokens.out);
    this.addTokens(provider, model, "cached_read", tokens.cachedRead);
    this.addTokens(provider, model, "cached_write", tokens.cachedWrite);
    this.addTokens(provider, model, "reasoning", tokens.reasoning);
    // Micro-dollars add up exactly; rendering divides once.
    if (record.priced && typeof record.costMicros === "number" && record.costMicros > 0) this.add(this.cost, [provider, model], record.costMicros);
    this.add(this.duration, [provider, model], record.durationMs / 1000);
    if (record.ttfbMs !== undefined) this.add(this.ttfb, [provider, model], record.ttfbMs / 1000);
    for (const attempt of record.attempts ?? []) this.add(this.attempts, [attempt.provider || NONE, attempt.model || NONE, outcomeOf(attempt.status)], 1);
  }

  render(): string {
    const lines: string[] = [];
    for (const family of this.families) {
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
      for (const series of family.series) {
        const labels = family.labelNames.map((name, i) => `${name}="${escapeLabelValue(series.labels[i]!)}"`);
        if (family.type === "counter") {
          lines.push(`${family.name}{${labels.join(",")}} ${formatValue(series.value / (family.options.divisor ?? 1))}`);
          continue;
        }
        const bounds = family.options.buckets!;
        let cumulative = 0;
        series.buckets!.forEach((n, i) => {
          cumulative += n;
          const le = i < bounds.length ? formatValue(bounds[i]!) : "+Inf";
          lines.push(`${family.name}_bucket{${[...labels, `le="${le}"`].join(",")}} ${cumulative}`);
        });
        lines.push(`${family.name}_sum{${labels.join(",")}} ${formatValue(series.value)}`, `${family.name}_count{${labels.join(",")}} ${cumulative}`);
      }
    }
    lines.push(
      "# HELP strait_metrics_folded_total Observations counted under model=\"other\" because their metric reached its label-set limit.",
      "# TYPE strait_metrics_folded_total counter",
    );
    for (const [metric, n] of this.folded) lines.push(`strait_metrics_folded_total{metric="${escapeLabelValue(metric)}"} ${n}`);
    if (this.runtime) lines.push(this.runtime().trimEnd());
    return `${lines.join("\n")}\n`;
  }

  private addTokens(provider: string, model: string, type: string, n: number) {
    if (n > 0) this.add(this.tokens, [provider, model, type], n);
  }

  private add(family: Family, labels: string[], amount: number) {
    const { series, folded } = family.seriesOf(labels, this.limit);
    if (folded) this.folded.set(family.name, (this.folded.get(family.name) ?? 0) + 1);
    series.value += amount;
    if (series.buckets) {
      const bounds = family.options.buckets!;
      let i = bounds.findIndex((upper) => amount <= upper);
      if (i < 0) i = bounds.length;
      series.buckets[i]!++;
    }
  }
}

function outcomeOf(status: number | undefined): string {
  if (status === undefined) return "no_answer";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  if (status >= 400) return "client_error";
  return "success";
}

/** Label values escape backslash, double quote and line feed (format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  return String(n);
}
