/** Logs: newest first, filtered; more pages by cursor as the end of the table scrolls into view. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api.js";
import { isOff } from "./messages.js";
import { type LogFilters, logsQuery, NO_LOG_FILTERS } from "./query.js";
import type { ApiList, LogView } from "./types.js";
import { Alert, Field, LogTable } from "./ui.js";

export const LOGS_OFF = "The request log is off on this gateway: its store keeps no log, or logs.enabled is false.";
const PAGE = 50;
/** Typing in a text filter waits this long before it asks the gateway. */
const DEBOUNCE_MS = 350;

/** The filters last used, kept while the tab lives (back from an entry, they are still set). */
let lastFilters: LogFilters = NO_LOG_FILTERS;

interface State {
  rows: LogView[];
  cursor: string | null;
  loading: boolean;
  error: unknown;
  /** False until the first page of the current filters came back. */
  loaded: boolean;
}

export function LogsPage() {
  const [filters, setFilters] = useState<LogFilters>(lastFilters);
  const [applied, setApplied] = useState<LogFilters>(lastFilters);
  const [s, setS] = useState<State>({ rows: [], cursor: null, loading: false, error: null, loaded: false });
  const state = useRef(s);
  state.current = s;
  const generation = useRef(0);
  const sentinel = useRef<HTMLDivElement>(null);
  const observer = useRef<IntersectionObserver | null>(null);

  const fetchPage = async (f: LogFilters, cursor: string | null) => {
    const q = logsQuery(f, { cursor, limit: PAGE });
    const gen = generation.current;
    if (!q.ok) {
      setS((p) => ({ ...p, loading: false, error: q.error, loaded: true }));
      return;
    }
    setS((p) => ({ ...p, loading: true, error: null }));
    try {
      const page = await api<ApiList<LogView>>(`/admin/logs${q.query}`);
      if (gen !== generation.current) return;
      setS((p) => {
        const seen = new Set(p.rows.map((r) => r.id));
        return { rows: [...p.rows, ...page.data.filter((r) => !seen.has(r.id))], cursor: page.hasMore ? page.nextCursor : null, loading: false, error: null, loaded: true };
      });
      // Still in view after a short page: look again, so a tall screen fills up.
      const el = sentinel.current;
      if (el && observer.current) {
        observer.current.unobserve(el);
        observer.current.observe(el);
      }
    } catch (error) {
      if (gen === generation.current) setS((p) => ({ ...p, loading: false, error, loaded: true }));
    }
  };

  /** The next page: on scroll unless the last one failed; on "Load more" always. */
  const more = (asked = false) => {
    const c = state.current;
    if (c.cursor && !c.loading && (asked || !c.error)) fetchPage(lastFilters, c.cursor);
  };
  const moreRef = useRef(more);
  moreRef.current = more;

  // New filters: start again from the newest entry.
  useEffect(() => {
    lastFilters = applied;
    generation.current++;
    setS({ rows: [], cursor: null, loading: true, error: null, loaded: false });
    fetchPage(applied, null);
  }, [applied]);

  // Text typed waits a moment; a select or a date applies at once (set both).
  useEffect(() => {
    const t = setTimeout(() => setApplied((a) => (same(a, filters) ? a : filters)), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [filters]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver !== "function") return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && moreRef.current(), { rootMargin: "300px 0px" });
    observer.current = io;
    io.observe(el);
    return () => io.disconnect();
  }, []);

  const text = (k: keyof LogFilters) => ({
    value: filters[k],
    onInput: (e: Event) => setFilters({ ...filters, [k]: (e.currentTarget as HTMLInputElement).value }),
  });
  const now = (k: keyof LogFilters) => ({
    value: filters[k],
    onChange: (e: Event) => {
      const next = { ...filters, [k]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value };
      setFilters(next);
      setApplied(next);
    },
  });
  const submit = (e: Event) => {
    e.preventDefault();
    setApplied({ ...filters });
  };
  const clear = () => {
    setFilters(NO_LOG_FILTERS);
    setApplied(NO_LOG_FILTERS);
  };

  const off = isOff(s.error, "logs_disabled");
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Logs</h1>
        <button type="button" class="secondary" onClick={() => setApplied({ ...filters })} disabled={s.loading}>
          Refresh
        </button>
      </div>
      <form class="filters" onSubmit={submit} aria-label="Log filters">
        <Field label="Key" hint="A key id (key_…).">
          {(id, d) => <input id={id} type="text" autocomplete="off" spellcheck={false} aria-describedby={d} {...text("key")} />}
        </Field>
        <Field label="Model">{(id) => <input id={id} type="text" autocomplete="off" spellcheck={false} {...text("model")} />}</Field>
        <Field label="Provider">{(id) => <input id={id} type="text" autocomplete="off" spellcheck={false} {...text("provider")} />}</Field>
        <Field label="Status">
          {(id) => (
            <select id={id} {...now("status")}>
              <option value="">any</option>
              <option value="2xx">2xx</option>
              <option value="3xx">3xx</option>
              <option value="4xx">4xx</option>
              <option value="5xx">5xx</option>
            </select>
          )}
        </Field>
        <Field label="Cache">
          {(id) => (
            <select id={id} {...now("cache")}>
              <option value="">any</option>
              <option value="HIT">HIT</option>
              <option value="MISS">MISS</option>
              <option value="BYPASS">BYPASS</option>
            </select>
          )}
        </Field>
        <Field label="Metadata" hint="name=value">
          {(id, d) => <input id={id} type="text" autocomplete="off" spellcheck={false} aria-describedby={d} {...text("metadata")} />}
        </Field>
        <Field label="Guardrail" hint="A policy, or block, redact, flag.">
          {(id, d) => <input id={id} type="text" autocomplete="off" spellcheck={false} aria-describedby={d} {...text("guardrail")} />}
        </Field>
        <Field label="From">{(id) => <input id={id} type="datetime-local" {...now("from")} />}</Field>
        <Field label="To">{(id) => <input id={id} type="datetime-local" {...now("to")} />}</Field>
        <div class="actions filter-actions">
          <button type="submit">Apply filters</button>
          <button type="button" class="secondary" onClick={clear}>
            Clear filters
          </button>
        </div>
      </form>

      <Alert error={off ? LOGS_OFF : s.error} />
      {s.loaded && s.rows.length === 0 && !s.error && <p>No log entries match these filters.</p>}
      {s.rows.length > 0 && <LogTable logs={s.rows} />}
      <div ref={sentinel} class="sentinel" />
      {s.loading && <p class="muted">Loading…</p>}
      {s.cursor && !s.loading && (
        <div class="actions">
          <button type="button" class="secondary" onClick={() => more(true)}>
            Load more
          </button>
        </div>
      )}
      {s.loaded && !s.cursor && s.rows.length > 0 && <p class="muted">That is all: {s.rows.length} entries.</p>}
    </>
  );
}

const same = (a: LogFilters, b: LogFilters) => (Object.keys(a) as (keyof LogFilters)[]).every((k) => a[k] === b[k]);
