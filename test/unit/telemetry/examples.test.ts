import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyticsEngineDataPoint } from "../../../core/telemetry/analytics-engine.js";
import { emfLine } from "../../../core/telemetry/emf.js";
import { otlpTraces } from "../../../core/telemetry/otlp.js";
import { MetricsRegistry } from "../../../core/telemetry/prometheus.js";
import { cacheHit, rateLimited, streamedFallback } from "./records.js";

/**
 * The example outputs in docs/telemetry-examples.md, made from the same records the other tests
 * use. `STRAIT_WRITE_TELEMETRY_EXAMPLES=1 npx vitest run test/unit/telemetry/examples.test.ts`
 * rewrites the page.
 */
function examplesPage(): string {
  const record = streamedFallback();
  const registry = new MetricsRegistry();
  for (const r of [streamedFallback(), cacheHit(), rateLimited()]) registry.observe(r);
  const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text.trimEnd()}\n\`\`\``;
  return `# Telemetry: example outputs

Produced by \`test/unit/telemetry/examples.test.ts\` from the records in
\`test/unit/telemetry/records.ts\`. The main example is a streamed chat call through the alias
\`fast\`: Groq answered 503, the fallback to OpenAI's \`gpt-4o-mini\` served it (step 1), with 1,024
prompt tokens read from OpenAI's prompt cache, priced at $0.00159, inside the client's trace
(\`traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\`).

## OTLP/HTTP JSON (\`POST /v1/traces\`, \`core/telemetry/otlp.ts\`)

One SERVER span for the request and one CLIENT span per upstream attempt.

${fence("json", JSON.stringify(otlpTraces([record], { serviceName: "strait", serviceVersion: "0.1.0" }), null, 2))}

## CloudWatch Embedded Metric Format (\`core/telemetry/emf.ts\`)

One line on stdout per call; namespace \`Strait\`.

${fence("json", emfLine(record, { namespace: "Strait" }))}

## Prometheus scrape (\`core/telemetry/prometheus.ts\`)

After three calls: the one above, a response-cache hit, and a call refused by a rate limit (429).

${fence("text", registry.render())}

## Workers Analytics Engine data point (\`core/telemetry/analytics-engine.ts\`)

The column order is documented at the top of the module.

${fence("json", JSON.stringify(analyticsEngineDataPoint(record)))}
`;
}

describe("telemetry examples", () => {
  it("renders the example page", () => {
    const page = examplesPage();
    expect(page).toContain('"name": "chat fast"');
    if (process.env.STRAIT_WRITE_TELEMETRY_EXAMPLES === "1") writeFileSync(join(import.meta.dirname, "../../../docs/telemetry-examples.md"), page);
  });
});
