/** One key: its settings (editable), spend against budget, usage, recent logs; disable, rotate, delete. */
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { formatTime, formatUsd } from "./format.js";
import { useLoad } from "./hooks.js";
import { type KeyForm, keyStatus, keyToForm, patchBody } from "./key-form.js";
import { ApiError, errorText, isOff } from "./messages.js";
import { ANALYTICS_OFF, Charts } from "./page-overview.js";
import { flashOnKeys } from "./page-keys.js";
import { LOGS_OFF } from "./page-logs.js";
import { rangeOf } from "./query.js";
import type { Analytics, ApiList, BudgetPeriod, KeyView, LogView } from "./types.js";
import { Alert, ConfirmDialog, KeyFields, Loading, LogTable, NewKeyValue, Status } from "./ui.js";

const PERIOD_TEXT: Record<BudgetPeriod, string> = { day: "today", month: "this month", total: "in total" };

export function KeyPage({ id }: { id: string }) {
  const path = `/admin/keys/${encodeURIComponent(id)}`;
  const key = useLoad((signal) => api<KeyView>(path, { signal }), id);
  const [form, setForm] = useState<{ base: KeyForm; now: KeyForm } | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<"rotate" | "delete" | null>(null);
  const [issued, setIssued] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const k = key.data;
  // The form starts from the key as loaded, and again after each save.
  const f = form ?? (k ? { base: keyToForm(k), now: keyToForm(k) } : null);

  /** Keeps the spend (the PATCH and rotate answers have none). */
  const update = (next: KeyView) => {
    const { key: _secret, ...record } = next;
    key.set({ ...record, spend: record.spend ?? k?.spend });
    setForm({ base: keyToForm(next), now: keyToForm(next) });
  };

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setActionError(null);
    setStatus(null);
    try {
      await work();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!f) return;
    const b = patchBody(f.base, f.now, Date.now());
    if (!b.ok) {
      setSaveError(b.error);
      return;
    }
    setSaveError(null);
    if (Object.keys(b.body).length === 0) {
      setStatus("Nothing to save: no field changed.");
      return;
    }
    setBusy(true);
    setStatus(null);
    try {
      update(await api<KeyView>(path, { method: "PATCH", body: b.body }));
      setStatus("Saved.");
    } catch (err) {
      setSaveError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const toggle = () =>
    run(async () => {
      if (!k) return;
      update(await api<KeyView>(path, { method: "PATCH", body: { disabled: !k.disabled } }));
      setStatus(k.disabled ? "Key enabled." : "Key disabled.");
    });

  const confirmed = () => {
    const what = confirm;
    setConfirm(null);
    if (what === "rotate") {
      run(async () => {
        const r = await api<KeyView>(`${path}/rotate`, { method: "POST" });
        update(r);
        setIssued(r.key ?? null);
        setStatus("Key rotated: the old value no longer works.");
      });
    } else if (what === "delete") {
      run(async () => {
        await api(path, { method: "DELETE" });
        flashOnKeys(`Key "${k?.name ?? id}" deleted.`);
        location.hash = "#/keys";
      });
    }
  };

  const notFound = key.error instanceof ApiError && key.error.status === 404;
  return (
    <>
      <p class="crumbs">
        <a href="#/keys">Keys</a> /
      </p>
      <div class="title-row">
        <h1 tabIndex={-1}>{k ? k.name : "Key"}</h1>
        {k && <span class={`badge ${keyStatus(k, Date.now()) === "Active" ? "ok" : "warn"}`}>{keyStatus(k, Date.now())}</span>}
      </div>
      <Alert error={notFound ? `No key with id "${id}": it may have been deleted.` : key.error} />
      <Loading when={key.loading && !k} />
      {k && f && (
        <>
          <p class="mono muted">
            {k.id} · {k.hint} · created {formatTime(k.createdAt)} · updated {formatTime(k.updatedAt)}
          </p>
          <div class="actions">
            <button type="button" class="secondary" onClick={toggle} disabled={busy}>
              {k.disabled ? "Enable" : "Disable"}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirm("rotate")} disabled={busy}>
              Rotate
            </button>
            <button type="button" class="danger" onClick={() => setConfirm("delete")} disabled={busy}>
              Delete
            </button>
          </div>
          <Alert error={actionError} />
          <Status message={status} />
          {issued && <NewKeyValue value={issued} name={k.name} onDone={() => setIssued(null)} />}

          <Spend k={k} />

          <form class="panel" onSubmit={save} aria-labelledby="settings-title" noValidate>
            <h2 id="settings-title">Settings</h2>
            <KeyFields form={f.now} onChange={(now) => setForm({ base: f.base, now })} />
            <Alert error={saveError} />
            <div class="actions">
              <button type="submit" disabled={busy}>
                Save
              </button>
            </div>
          </form>

          <Usage id={k.id} />
          <RecentLogs id={k.id} />
        </>
      )}
      <ConfirmDialog open={confirm !== null} title={confirm === "delete" ? "Delete this key?" : "Rotate this key?"} onConfirm={confirmed} onCancel={() => setConfirm(null)}>
        <p>
          {confirm === "delete"
            ? `"${k?.name ?? id}" is deleted for good: calls with it fail from now on.`
            : `"${k?.name ?? id}" gets a new value, shown once; calls with the current value fail from now on.`}
        </p>
      </ConfirmDialog>
    </>
  );
}

function Spend({ k }: { k: KeyView }) {
  const spend = k.spend;
  return (
    <section>
      <h2>Spend</h2>
      {!spend ? (
        <p class="muted">No spend reported.</p>
      ) : (
        <>
          <dl class="totals">
            <div>
              <dt>Today</dt>
              <dd>{formatUsd(spend.day)}</dd>
            </div>
            <div>
              <dt>This month</dt>
              <dd>{formatUsd(spend.month)}</dd>
            </div>
            <div>
              <dt>Total</dt>
              <dd>{formatUsd(spend.total)}</dd>
            </div>
          </dl>
          {k.budget ? (
            <p class="budget">
              <meter min={0} max={Math.max(k.budget.usd, 1e-9)} high={k.budget.usd * 0.8} value={spend[k.budget.period]} aria-label="Budget used" />{" "}
              {formatUsd(spend[k.budget.period])} of {formatUsd(k.budget.usd)} {PERIOD_TEXT[k.budget.period]}
            </p>
          ) : (
            <p class="muted">No budget.</p>
          )}
        </>
      )}
    </section>
  );
}

const USAGE_RANGE = rangeOf("30d");

function Usage({ id }: { id: string }) {
  const a = useLoad(async (signal) => {
    const now = Date.now();
    const rows = await api<Analytics>(`/admin/analytics?groupBy=day&key=${encodeURIComponent(id)}&from=${now - USAGE_RANGE.ms}&to=${now}`, { signal });
    return { now, rows };
  }, id);
  return (
    <section>
      <h2>Usage, last 30 days</h2>
      <Alert error={isOff(a.error, "analytics_disabled") ? ANALYTICS_OFF : a.error} />
      <Loading when={a.loading && !a.data} />
      {a.data &&
        (a.data.rows.totals.requests === 0 ? (
          <p class="empty-note">No requests in this range.</p>
        ) : (
          <Charts rows={a.data.rows} bucket="day" now={a.data.now} ms={USAGE_RANGE.ms} only="usage" />
        ))}
    </section>
  );
}

function RecentLogs({ id }: { id: string }) {
  const l = useLoad((signal) => api<ApiList<LogView>>(`/admin/logs?key=${encodeURIComponent(id)}&limit=20`, { signal }), id);
  return (
    <section>
      <h2>Recent logs</h2>
      <Alert error={isOff(l.error, "logs_disabled") ? LOGS_OFF : l.error} />
      <Loading when={l.loading && !l.data} />
      {l.data && (l.data.data.length === 0 ? <p class="muted">No logged requests for this key.</p> : <LogTable logs={l.data.data} />)}
    </section>
  );
}
