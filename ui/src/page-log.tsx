/** One log entry: timing, tokens, cost, fallback, cache, error, metadata, guardrail hits, bodies; feedback. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { formatInt, formatMs, formatTime, formatUsd } from "./format.js";
import { useLoad } from "./hooks.js";
import { ApiError, errorText } from "./messages.js";
import { keyHref } from "./route.js";
import type { LogView } from "./types.js";
import { Alert, Loading, Status, TableWrap } from "./ui.js";

function Row({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function LogPage({ id }: { id: string }) {
  const path = `/admin/logs/${encodeURIComponent(id)}`;
  const log = useLoad((signal) => api<LogView>(path, { signal }), id);
  const l = log.data;
  const notFound = log.error instanceof ApiError && log.error.status === 404 && log.error.code === "log_not_found";
  return (
    <>
      <p class="crumbs">
        <a href="#/logs">Logs</a> /
      </p>
      <h1 tabIndex={-1}>Log entry</h1>
      <Alert error={notFound ? `No log entry with id "${id}": it may have expired.` : log.error} />
      <Loading when={log.loading && !l} />
      {l && (
        <>
          <p class="mono muted">{l.id}</p>
          <dl class="details">
            <Row term="Time">{formatTime(l.createdAt)}</Row>
            <Row term="Key">{l.key ? <a href={keyHref(l.key)}>{l.keyName ?? l.key}</a> : l.principal}</Row>
            <Row term="Route">
              {l.route}
              {l.stream ? " (stream)" : ""}
            </Row>
            <Row term="Provider">{l.provider ?? "–"}</Row>
            <Row term="Model">
              <span class="mono">{l.model ?? "–"}</span>
              {l.servedModel && l.servedModel !== l.model && <span class="mono"> → served by {l.servedModel}</span>}
            </Row>
            <Row term="Status">{l.status}</Row>
            <Row term="Time to first byte">{formatMs(l.ttfbMs)}</Row>
            <Row term="Duration">{formatMs(l.durationMs)}</Row>
            <Row term="Tokens">
              {formatInt(l.tokens.in)} in ({formatInt(l.tokens.cachedRead)} cached read, {formatInt(l.tokens.cachedWrite)} cache write) · {formatInt(l.tokens.out)} out (
              {formatInt(l.tokens.reasoning)} reasoning)
            </Row>
            <Row term="Cost">{l.priced ? formatUsd(l.costUsd) : "not priced (no price known for this model)"}</Row>
            <Row term="Fallback step">{l.step === null ? "–" : l.step === 0 ? "0 (first target)" : String(l.step)}</Row>
            <Row term="Retries">{formatInt(l.retries)}</Row>
            <Row term="Cache">{l.cache ?? "–"}</Row>
            <Row term="Expires">{formatTime(l.expiresAt)}</Row>
          </dl>

          {(l.error || l.errorCode) && (
            <section>
              <h2>Error</h2>
              <p>
                {l.errorCode && <code>{l.errorCode}</code>} {l.error}
              </p>
            </section>
          )}

          <Feedback log={l} path={path} onSaved={log.set} />

          <section>
            <h2>Metadata</h2>
            {Object.keys(l.metadata).length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <dl class="details">
                {Object.entries(l.metadata).map(([k, v]) => (
                  <Row key={k} term={k}>
                    {String(v)}
                  </Row>
                ))}
              </dl>
            )}
          </section>

          <section>
            <h2>Guardrails</h2>
            {l.guardrails.length === 0 ? (
              <p class="muted">No guardrail rule matched.</p>
            ) : (
              <TableWrap>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Policy</th>
                      <th scope="col">Rule</th>
                      <th scope="col">Stage</th>
                      <th scope="col">Action</th>
                      <th scope="col" class="num">
                        Count
                      </th>
                      <th scope="col">Labels</th>
                    </tr>
                  </thead>
                  <tbody>
                    {l.guardrails.map((g) => (
                      <tr key={`${g.policy}/${g.rule}/${g.stage}`}>
                        <td class="mono">{g.policy}</td>
                        <td class="mono">{g.rule}</td>
                        <td>{g.stage}</td>
                        <td>
                          {g.action}
                          {g.failedOpen ? " (check failed, let through)" : ""}
                        </td>
                        <td class="num">{formatInt(g.count)}</td>
                        <td>{g.labels?.length ? g.labels.join(", ") : "–"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>

          <section>
            <h2>Bodies</h2>
            {l.requestBody == null && l.responseBody == null ? (
              <p class="muted">Bodies are not stored for this request.</p>
            ) : (
              <>
                {l.truncated && <p class="warning">Cut to the gateway's size limit.</p>}
                <h3>Request</h3>
                <pre>{l.requestBody ?? "(not stored)"}</pre>
                <h3>Response</h3>
                <pre>{l.responseBody ?? "(not stored)"}</pre>
              </>
            )}
          </section>
        </>
      )}
    </>
  );
}

function Feedback({ log, path, onSaved }: { log: LogView; path: string; onSaved: (l: LogView) => void }) {
  const [score, setScore] = useState(log.score === null ? "" : String(log.score));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const patch = async (body: { feedback?: -1 | 0 | 1; score?: number }, said: (l: LogView) => string) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const l = await api<LogView>(path, { method: "PATCH", body });
      onSaved(l);
      setSaved(said(l));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const thumbs = (v: 1 | -1) =>
    patch({ feedback: log.feedback === v ? 0 : v }, (l) => (l.feedback === 1 ? "Feedback saved: thumbs up." : l.feedback === -1 ? "Feedback saved: thumbs down." : "Feedback cleared."));
  const saveScore = (e: Event) => {
    e.preventDefault();
    const s = score.trim();
    if (!/^\d{1,3}$/.test(s) || Number(s) > 100) {
      setError("Score must be a whole number from 0 to 100.");
      return;
    }
    patch({ score: Number(s) }, (l) => `Score saved: ${l.score}.`);
  };

  return (
    <section>
      <h2>Feedback</h2>
      <div class="actions">
        <button type="button" class="toggle" aria-pressed={log.feedback === 1} disabled={busy} onClick={() => thumbs(1)}>
          Thumbs up
        </button>
        <button type="button" class="toggle" aria-pressed={log.feedback === -1} disabled={busy} onClick={() => thumbs(-1)}>
          Thumbs down
        </button>
      </div>
      <form class="score" onSubmit={saveScore} noValidate>
        <label for="log-score">Score</label>
        <input id="log-score" type="number" min={0} max={100} step={1} value={score} onInput={(e) => setScore(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Save score
        </button>
      </form>
      <p class="muted">
        Saved: {log.feedback === 1 ? "thumbs up" : log.feedback === -1 ? "thumbs down" : "no thumbs"}, score {log.score === null ? "none" : log.score}.
      </p>
      <Alert error={error} />
      <Status message={saved} />
    </section>
  );
}
