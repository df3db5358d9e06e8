/** Pieces the pages share: messages, fields, the new-key panel, the confirm dialog, the log table. */
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { formatInt, formatMs, formatTime, formatUsd } from "./format.js";
import type { KeyForm } from "./key-form.js";
import { errorText } from "./messages.js";
import { logHref } from "./route.js";
import type { LogView } from "./types.js";

/** An error, read out when it appears. */
export function Alert({ error }: { error: unknown }) {
  if (error === undefined || error === null || error === "") return null;
  return (
    <p role="alert" class="alert">
      {typeof error === "string" ? error : errorText(error)}
    </p>
  );
}

/** A polite status line ("Saved."); always in the page so that a change is announced. */
export function Status({ message }: { message: string | null }) {
  return (
    <p role="status" class={message ? "status" : "status empty"}>
      {message ?? ""}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted">Loading…</p> : null;
}

/** A labelled control: <label for> names it exactly; a hint goes to aria-describedby. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string, describedBy?: string) => ComponentChildren }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(id, hintId)}
      {hint && (
        <small id={hintId} class="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** The fields of a key, for the create form and the key page. */
export function KeyFields({ form, onChange }: { form: KeyForm; onChange: (f: KeyForm) => void }) {
  const text = (k: keyof KeyForm) => ({
    value: form[k],
    onInput: (e: Event) => onChange({ ...form, [k]: (e.currentTarget as HTMLInputElement).value }),
  });
  return (
    <div class="fields">
      <Field label="Name">{(id) => <input id={id} type="text" maxLength={200} autocomplete="off" {...text("name")} />}</Field>
      <Field label="Owner" hint="Who holds the key: a team or an email.">
        {(id, d) => <input id={id} type="text" maxLength={200} autocomplete="off" aria-describedby={d} {...text("owner")} />}
      </Field>
      <Field label="Models" hint='Comma-separated globs, e.g. "openai/*, anthropic/claude-*". Empty: every model.'>
        {(id, d) => <input id={id} type="text" autocomplete="off" spellcheck={false} aria-describedby={d} {...text("models")} />}
      </Field>
      <Field label="RPM" hint="Requests per minute. Empty: no limit.">
        {(id, d) => <input id={id} type="text" inputMode="numeric" autocomplete="off" aria-describedby={d} {...text("rpm")} />}
      </Field>
      <Field label="TPM" hint="Tokens per minute. Empty: no limit.">
        {(id, d) => <input id={id} type="text" inputMode="numeric" autocomplete="off" aria-describedby={d} {...text("tpm")} />}
      </Field>
      <Field label="Budget (USD)" hint="Empty: no budget.">
        {(id, d) => <input id={id} type="text" inputMode="decimal" autocomplete="off" aria-describedby={d} {...text("budgetUsd")} />}
      </Field>
      <Field label="Budget period">
        {(id) => (
          <select id={id} value={form.budgetPeriod} onChange={(e) => onChange({ ...form, budgetPeriod: e.currentTarget.value as KeyForm["budgetPeriod"] })}>
            <option value="day">day</option>
            <option value="month">month</option>
            <option value="total">total</option>
          </select>
        )}
      </Field>
      <Field label="Expires at" hint="Your local time. Empty: never.">
        {(id, d) => <input id={id} type="datetime-local" aria-describedby={d} {...text("expiresAt")} />}
      </Field>
      <Field label="Metadata" hint="One name=value a line; sent with every log entry of this key.">
        {(id, d) => <textarea id={id} rows={3} spellcheck={false} aria-describedby={d} {...text("metadata")} />}
      </Field>
    </div>
  );
}

/** A key value, shown once after create or rotate. */
export function NewKeyValue({ value, name, onDone }: { value: string; name: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("Copied.");
    } catch {
      setCopied("Could not copy: select the key and copy it by hand.");
    }
  };
  return (
    <section class="new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key for {name}</h2>
      <p class="warning">Copy this key now: it won't be shown again.</p>
      <div class="new-key-row">
        <output aria-label="New key value" class="secret">
          {value}
        </output>
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          Done
        </button>
      </div>
      <Status message={copied} />
    </section>
  );
}

/** A native modal dialog asking to confirm a change: "Confirm" or "Cancel" (Esc cancels too). */
export function ConfirmDialog({ open, title, children, onConfirm, onCancel }: { open: boolean; title: string; children: ComponentChildren; onConfirm: () => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const onCancelRef = useRef(onCancel);
  onCancelRef.current = onCancel;
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      // The safe choice has the focus.
      cancel.current?.focus();
    } else if (!open && d.open) d.close();
  }, [open]);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const closed = () => onCancelRef.current();
    d.addEventListener("cancel", closed);
    return () => d.removeEventListener("cancel", closed);
  }, []);
  return (
    <dialog ref={dialog} aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {children}
      <div class="actions">
        <button type="button" class="danger" onClick={onConfirm}>
          Confirm
        </button>
        <button type="button" ref={cancel} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

/** A table that scrolls sideways on a narrow screen. */
export function TableWrap({ children }: { children: ComponentChildren }) {
  return <div class="table-wrap">{children}</div>;
}

const statusClass = (s: number) => (s >= 500 ? "bad" : s >= 400 ? "warn" : "ok");

/** Log entries, newest first: each row's time links to its detail. */
export function LogTable({ logs }: { logs: LogView[] }) {
  return (
    <TableWrap>
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Key</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Tokens in / out
            </th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col" class="num">
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {logs.map((l) => (
            <tr key={l.id}>
              <td>
                <a href={logHref(l.id)}>{formatTime(l.createdAt)}</a>
              </td>
              <td>{l.keyName ?? l.key ?? l.principal}</td>
              <td class="mono">{l.model ?? "–"}</td>
              <td>
                <span class={`badge ${statusClass(l.status)}`}>{l.status}</span>
                {l.cache === "HIT" && <span class="badge">cache</span>}
              </td>
              <td class="num">
                {formatInt(l.tokens.in)} / {formatInt(l.tokens.out)}
              </td>
              <td class="num">{l.priced ? formatUsd(l.costUsd) : "–"}</td>
              <td class="num">{formatMs(l.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
