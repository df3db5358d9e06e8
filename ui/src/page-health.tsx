/** Health: the store, the version, the providers, and each target's circuit breaker (this instance's view). */
import { api } from "./api.js";
import { formatInt, formatMs, formatTime } from "./format.js";
import { useLoad } from "./hooks.js";
import type { Health } from "./types.js";
import { Alert, Loading, TableWrap } from "./ui.js";

export function HealthPage() {
  const h = useLoad((signal) => api<Health>("/admin/health", { signal }), "health");
  const d = h.data;
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Health</h1>
        <button type="button" class="secondary" onClick={h.reload} disabled={h.loading}>
          Refresh
        </button>
      </div>
      <Alert error={h.error} />
      <Loading when={h.loading && !d} />
      {d && (
        <>
          <dl class="summary">
            <div>
              <dt>Status</dt>
              <dd>{d.status}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{d.version ?? "not reported"}</dd>
            </div>
            <div>
              <dt>Store</dt>
              <dd>{d.store ?? "not reported"}</dd>
            </div>
            {d.breaker && (
              <div>
                <dt>Breaker</dt>
                <dd>
                  opens after {formatInt(d.breaker.failures)} failures in {formatMs(d.breaker.windowMs)}, for {formatMs(d.breaker.cooldownMs)}
                </dd>
              </div>
            )}
          </dl>

          <section>
            <h2>Providers</h2>
            {!d.providers ? (
              <p class="muted">This gateway does not report its providers.</p>
            ) : d.providers.length === 0 ? (
              <p>No providers are configured.</p>
            ) : (
              <TableWrap>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                      <th scope="col">Key configured</th>
                      <th scope="col">Models</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.providers.map((p) => (
                      <tr key={p.name}>
                        <td class="mono">{p.name}</td>
                        <td>{p.type}</td>
                        <td>
                          <span class={`badge ${p.hasKey ? "ok" : "warn"}`}>{p.hasKey ? "yes" : "no"}</span>
                        </td>
                        <td class="mono">{p.models?.length ? p.models.join(", ") : "–"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>

          <section>
            <h2>Circuit breakers</h2>
            <p class="muted">As this instance sees them: each Lambda instance or Worker isolate keeps its own.</p>
            {!d.targets || d.targets.length === 0 ? (
              <p>All circuit breakers are closed: no target has failed recently.</p>
            ) : (
              <TableWrap>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Target</th>
                      <th scope="col">State</th>
                      <th scope="col" class="num">
                        Failures
                      </th>
                      <th scope="col">Retry at</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.targets.map((t) => (
                      <tr key={t.target}>
                        <td class="mono">{t.target}</td>
                        <td>
                          <span class={`badge ${t.state === "closed" ? "ok" : t.state === "open" ? "bad" : "warn"}`}>{t.state}</span>
                        </td>
                        <td class="num">{formatInt(t.failures)}</td>
                        <td>{t.retryAt ? formatTime(t.retryAt) : "–"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
        </>
      )}
    </>
  );
}
