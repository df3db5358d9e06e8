/**
 * A CPU profile of the gateway (`node --cpu-prof`) read as CPU per request by stage of the
 * lifecycle. Each sample's own frame is charged to one stage: frames of the Strait bundle by the
 * source file they were bundled from (esbuild marks each with a `// core/...` comment), the rest by
 * where they come from (undici: the upstream call; node:http and streams: the two HTTP exchanges;
 * Hono and its Node adapter: the framework). Async code makes inclusive times meaningless, so this
 * is self time only: it says where the CPU goes, not which caller made it go there.
 *
 *   npx tsx bench/cpu-stages.ts <profile.cpuprofile> <bundle.mjs> <requests>
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stages in lifecycle order; the first rule that matches a source file names its stage. */
const STAGES: Array<[stage: string, sources: RegExp]> = [
  ["auth (key lookup, hash)", /^core\/(lifecycle\/auth|keys\/)/],
  ["route: parse, validate, answer", /^core\/(lifecycle\/(validate|body-limit)|routes\/|strict-schema)/],
  ["limits (rpm, tpm, budget, headers)", /^core\/lifecycle\/(limits|limit-state|counters|windows|in-flight)/],
  ["guardrails", /^core\/guardrails\//],
  ["cache lookup", /^core\/(lifecycle\/cache|cache\/)/],
  ["body rewrite and upstream request", /^core\/(providers\/|upstream\/|http)/],
  ["formats: SSE, stream translation", /^core\/(formats\/|lifecycle\/chat-stream)/],
  ["usage, spend and cost", /^core\/(usage\/|pricing\/)/],
  ["request log", /^(core\/logs\/|core\/store\/memory-logs|functions\/node\/journal-logs)/],
  ["metrics and analytics", /^core\/(telemetry\/|analytics\/)/],
  ["lifecycle glue (call record, stages, app, Node adapter)", /^(core\/|functions\/)/],
];

/** Source file of each line of the bundle, from esbuild's `// path` markers. */
function sourceLines(bundle: string): (line: number) => string {
  const starts: Array<[number, string]> = [];
  bundle.split("\n").forEach((text, i) => {
    const m = /^\/\/ ((?:core|functions)\/\S+\.ts)$/.exec(text);
    if (m) starts.push([i, m[1]!]);
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]![0] <= line) {
        found = starts[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function stageOf(frame: ProfileNode["callFrame"], bundleUrl: string, sourceOf: (line: number) => string): string | undefined {
  const { url, functionName } = frame;
  if (functionName === "(idle)") return undefined;
  if (functionName === "(garbage collector)") return "garbage collection";
  if (url.endsWith(bundleUrl)) {
    const source = sourceOf(frame.lineNumber);
    for (const [stage, sources] of STAGES) if (sources.test(source)) return stage;
    return "lifecycle glue (call record, stages, app, Node adapter)";
  }
  if (functionName === "(program)") return "V8 itself (compiling, inline caches)";
  if (/node:internal\/(modules|deps\/cjs-module-lexer|bootstrap)/.test(url)) return "start-up (loading modules), spread over the run";
  if (url.includes("/undici/") || url.includes("deps/undici") || url.startsWith("wasm://")) return "undici (upstream connection, Web Headers)";
  if (url.includes("/hono/") || url.includes("@hono/node-server")) return "Hono and its Node adapter";
  if (url.includes("/dynalite/") || url.includes("/@aws-sdk/") || url.includes("/@smithy/") || url.includes("level")) return "embedded store (dynalite, AWS SDK)";
  return nodeShare(url, functionName);
}

/** Node's own work, in the kinds a proxy's request pays for. */
function nodeShare(url: string, functionName: string): string {
  if (/^(writev|writeUtf8String|writeBuffer|read|readv|writeLatin1String)$/.test(functionName) && !url) return "Node: socket reads and writes (syscalls)";
  if (functionName === "runMicrotasks" || url.includes("task_queues") || url.includes("process/promises")) return "Node: promises and microtasks";
  if (/node:_http_|node:internal\/http/.test(url)) return "Node: HTTP server (parse, headers, response)";
  if (/streams|node:events|event_target|stream_base|node:net|abort_controller/.test(url)) return "Node: streams, sockets and events";
  if (url.includes("timers")) return "Node: timers";
  return "Node: other (buffers, crypto, JSON, URL)";
}

export function cpuStages(profilePath: string, bundlePath: string, requests: number): Array<{ stage: string; micros: number }> {
  const profile = JSON.parse(readFileSync(profilePath, "utf8")) as Profile;
  const sourceOf = sourceLines(readFileSync(bundlePath, "utf8"));
  const bundleUrl = bundlePath.split("/").slice(-2).join("/");
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const stage = stageOf(byId.get(id)!.callFrame, bundleUrl, sourceOf);
    if (stage) totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...totals].map(([stage, micros]) => ({ stage, micros: micros / requests })).sort((a, b) => b.micros - a.micros);
}

export function stagesTable(rows: Array<{ stage: string; micros: number }>): string {
  const total = rows.reduce((n, r) => n + r.micros, 0);
  return [
    "| where the gateway process spends its CPU | µs per request | share |",
    "| --- | ---: | ---: |",
    ...rows.map((r) => `| ${r.stage} | ${r.micros.toFixed(1)} | ${((r.micros / total) * 100).toFixed(0)} % |`),
    `| **all** | **${total.toFixed(0)}** | |`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [profile, bundle, requests] = process.argv.slice(2);
  if (!profile || !bundle || !requests) {
    console.error("usage: npx tsx bench/cpu-stages.ts <profile.cpuprofile> <bundle.mjs> <requests>");
    process.exit(2);
  }
  console.log(stagesTable(cpuStages(profile, bundle, Number(requests))));
}
