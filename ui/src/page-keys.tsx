/** Keys: the list (paged by cursor), a client-side search over what is loaded, and the create form. */
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { formatInt, formatTime, formatUsd } from "./format.js";
import { useLoad } from "./hooks.js";
import { createBody, EMPTY_KEY_FORM, filterKeys, type KeyForm, keyStatus } from "./key-form.js";
import { errorText } from "./messages.js";
import { keyHref } from "./route.js";
import type { ApiList, KeyView } from "./types.js";
import { Alert, KeyFields, Loading, NewKeyValue, Status, TableWrap } from "./ui.js";

const PAGE = 50;

/** A message for the next visit to the list ("Key … deleted."), set by the key page. */
let flash: string | null = null;
export const flashOnKeys = (message: string) => {
  flash = message;
};

interface Page {
  keys: KeyView[];
  cursor: string | null;
}

export function KeysPage() {
  const [note] = useState(() => {
    const m = flash;
    flash = null;
    return m;
  });
  const list = useLoad(async (signal) => {
    const p = await api<ApiList<KeyView>>(`/admin/keys?limit=${PAGE}`, { signal });
    return { keys: p.data, cursor: p.hasMore ? p.nextCursor : null } as Page;
  }, "keys");
  const [more, setMore] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState<KeyForm>(EMPTY_KEY_FORM);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<KeyView | null>(null);

  const loadMore = async () => {
    const page = list.data;
    if (!page?.cursor || more.busy) return;
    setMore({ busy: true });
    try {
      const p = await api<ApiList<KeyView>>(`/admin/keys?limit=${PAGE}&cursor=${encodeURIComponent(page.cursor)}`);
      const seen = new Set(page.keys.map((k) => k.id));
      list.set({ keys: [...page.keys, ...p.data.filter((k) => !seen.has(k.id))], cursor: p.hasMore ? p.nextCursor : null });
      setMore({ busy: false });
    } catch (error) {
      setMore({ busy: false, error });
    }
  };

  const create = async (e: Event) => {
    e.preventDefault();
    const b = createBody(form, Date.now());
    if (!b.ok) {
      setFormError(b.error);
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      const k = await api<KeyView>("/admin/keys", { method: "POST", body: b.body });
      setIssued(k);
      setCreating(false);
      setForm(EMPTY_KEY_FORM);
      const { key: _secret, ...record } = k;
      if (list.data) list.set({ ...list.data, keys: [record, ...list.data.keys.filter((x) => x.id !== k.id)] });
    } catch (err) {
      setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const now = Date.now();
  const keys = list.data ? filterKeys(list.data.keys, search) : [];
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Keys</h1>
        <button type="button" aria-expanded={creating} aria-controls="new-key-form" onClick={() => setCreating(!creating)}>
          New key
        </button>
      </div>
      <Status message={note} />

      {issued?.key && <NewKeyValue value={issued.key} name={issued.name} onDone={() => setIssued(null)} />}

      <form id="new-key-form" class="panel" hidden={!creating} onSubmit={create} aria-labelledby="new-key-form-title" noValidate>
        <h2 id="new-key-form-title">New key</h2>
        <KeyFields form={form} onChange={setForm} />
        <Alert error={formError} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            Create
          </button>
        </div>
      </form>

      <div class="search">
        <label for="key-search">Search keys</label>
        <input id="key-search" type="search" autocomplete="off" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </div>

      <Alert error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data &&
        (list.data.keys.length === 0 ? (
          <p>No keys yet. Create one with "New key".</p>
        ) : keys.length === 0 ? (
          <p>No loaded key matches "{search.trim()}".</p>
        ) : (
          <TableWrap>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Owner</th>
                  <th scope="col">State</th>
                  <th scope="col">Models</th>
                  <th scope="col" class="num">
                    RPM / TPM
                  </th>
                  <th scope="col" class="num">
                    Budget
                  </th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => {
                  const state = keyStatus(k, now);
                  return (
                    <tr key={k.id}>
                      <td>
                        <a href={keyHref(k.id)}>{k.name}</a>
                        <div class="mono muted small">
                          {k.id} · {k.hint}
                        </div>
                      </td>
                      <td>{k.owner ?? "–"}</td>
                      <td>
                        <span class={`badge ${state === "Active" ? "ok" : "warn"}`}>{state}</span>
                      </td>
                      <td class="mono">{k.models?.join(", ") ?? "all"}</td>
                      <td class="num">
                        {k.rpm === null ? "–" : formatInt(k.rpm)} / {k.tpm === null ? "–" : formatInt(k.tpm)}
                      </td>
                      <td class="num">{k.budget ? `${formatUsd(k.budget.usd)} / ${k.budget.period}` : "–"}</td>
                      <td>{formatTime(k.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        ))}
      <Alert error={more.error} />
      {list.data?.cursor && (
        <div class="actions">
          <button type="button" class="secondary" onClick={loadMore} disabled={more.busy}>
            More
          </button>
        </div>
      )}
    </>
  );
}
