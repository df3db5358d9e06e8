/** Overview: totals, charts per interval and the costliest keys, models and providers over a range. */
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { Chart } from "./chart.js";
import { formatInt, formatMs, formatPercent, formatUsd } from "./format.js";
import { useLoad } from "./hooks.js";
import { isOff } from "./messages.js";
import { analyticsPath, RANGES, type RangeId, rangeOf, timeSeries, topByCost } from "./query.js";
import { keyHref } from "./route.js";
import type { Analytics, AnalyticsSummary, GroupBy } from "./types.js";
import { Alert, Loading, TableWrap } from "./ui.js";

/** The range last chosen, kept while the tab lives. */
let lastRange: RangeId = "day";

export const ANALYTICS_OFF = "Analytics are off on this gateway: its store keeps no analytics.";

export function Overview() {
  const [rangeId, setRangeId] = useState<RangeId>(lastRange);
  const range = rangeOf(rangeId);
  const a = useLoad(async (signal) => {
    const now = Date.now();
    const get = (g: GroupBy) => api<Analytics>(analyticsPath(range, now, g), { signal });
    const [series, key, model, provider] = await Promise.all([get(range.bucket), get("key"), get("model"), get("provider")]);
    return { now, series, top: { key, model, provider } };
  }, rangeId);

  const choose = (id: RangeId) => {
    lastRange = id;
    setRangeId(id);
  };

  const d = a.data;
  const off = isOff(a.error, "analytics_disabled");
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Overview</h1>
        <button type="button" class="secondary" onClick={a.reload} disabled={a.loading}>
          Refresh
        </button>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a toolbar of toggle buttons, not a form group. */}
      <div class="ranges" role="group" aria-label="Range">
        {RANGES.map((r) => (
          <button key={r.id} type="button" class="toggle" aria-pressed={r.id === rangeId} onClick={() => choose(r.id)}>
            {r.label}
          </button>
        ))}
      </div>
      <Alert error={off ? ANALYTICS_OFF : a.error} />
      <Loading when={a.loading && !d} />
      {d && !off && (
        <div aria-busy={a.loading}>
          <Totals t={d.series.totals} />
          {d.series.totals.requests === 0 ? (
            <p class="empty-note">No requests in this range.</p>
          ) : (
            <Charts rows={d.series} bucket={range.bucket} now={d.now} ms={range.ms} />
          )}
          <div class="tops">
            <Top title="Top keys by cost" what="Key" rows={topByCost(d.top.key.data, "key")} link />
            <Top title="Top models by cost" what="Model" rows={topByCost(d.top.model.data, "model")} />
            <Top title="Top providers by cost" what="Provider" rows={topByCost(d.top.provider.data, "provider")} />
          </div>
        </div>
      )}
    </>
  );
}

export function Totals({ t }: { t: AnalyticsSummary }) {
  const errors = t.errors["4xx"] + t.errors["5xx"];
  return (
    <dl class="totals">
      <div>
        <dt>Requests</dt>
        <dd>{formatInt(t.requests)}</dd>
      </div>
      <div>
        <dt>Errors</dt>
        <dd>
          {formatInt(errors)}
          {errors > 0 && (
            <small>
              {" "}
              (4xx {formatInt(t.errors["4xx"])}, 5xx {formatInt(t.errors["5xx"])})
            </small>
          )}
        </dd>
      </div>
      <div>
        <dt>Cache hit rate</dt>
        <dd>{formatPercent(t.cacheHitRate)}</dd>
      </div>
      <div>
        <dt>Tokens in</dt>
        <dd>{formatInt(t.tokens.in)}</dd>
      </div>
      <div>
        <dt>Tokens out</dt>
        <dd>{formatInt(t.tokens.out)}</dd>
      </div>
      <div>
        <dt>Cost</dt>
        <dd>{formatUsd(t.costUsd)}</dd>
      </div>
    </dl>
  );
}

const count = (v: number) => formatInt(v);
const dollars = (v: number) => formatUsd(v);
const millis = (v: number) => formatMs(v);

/** Requests and errors, cost, and p50/p95 latency per interval. */
export function Charts({ rows, bucket, now, ms, only }: { rows: Analytics; bucket: "hour" | "day"; now: number; ms: number; only?: "usage" }) {
  const s = timeSeries(rows.data, bucket, now - ms, now);
  const requests = (
    <Chart
      caption={only === "usage" ? "Usage" : "Requests and errors"}
      t={s.t}
      format={count}
      whole
      series={[
        { label: "Requests", values: s.requests, bars: true, color: 1 },
        { label: "Errors", values: s.errors, color: 2 },
      ]}
    />
  );
  if (only === "usage") return <div class="charts">{requests}</div>;
  return (
    <div class="charts">
      {requests}
      <Chart caption="Cost" t={s.t} format={dollars} series={[{ label: "Cost", values: s.cost, bars: true, color: 1 }]} />
      <Chart
        caption="Latency"
        t={s.t}
        format={millis}
        series={[
          { label: "p50", values: s.p50, color: 1 },
          { label: "p95", values: s.p95, color: 2 },
        ]}
      />
    </div>
  );
}

function Top({ title, what, rows, link }: { title: string; what: string; rows: ReturnType<typeof topByCost>; link?: boolean }) {
  return (
    <section class="top-list">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">None in this range.</p>
      ) : (
        <TableWrap>
          <table>
            <thead>
              <tr>
                <th scope="col">{what}</th>
                <th scope="col" class="num">
                  Requests
                </th>
                <th scope="col" class="num">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.name}>
                  <td class="mono">{link && r.name.startsWith("key_") ? <a href={keyHref(r.name)}>{r.name}</a> : r.name}</td>
                  <td class="num">{formatInt(r.requests)}</td>
                  <td class="num">{formatUsd(r.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
