/**
 * A streamed answer put back together for the request log, within a byte budget: the text, the
 * reasoning and the tool calls of each choice, and the error that ended the stream, if one did.
 * Its JSON is `{"text","reasoning","tool_calls":[{"id","name","arguments"}],"error"}` (empty parts
 * left out), or `{"choices":[…],"error"}` when the answer has more than one choice.
 *
 * Every string added is charged its size as escaped UTF-8 JSON, and every key, quote, bracket and
 * comma it brings is charged up front, so the JSON never exceeds the budget. The first string that
 * does not fit is cut at a character boundary and the answer is `full`: it takes nothing more.
 */

type TextKind = "text" | "reasoning";

interface Part {
  kind: TextKind | "call";
  /** The text, or a call's arguments. */
  value: string;
  id: string;
  name: string;
}

interface Choice {
  /** By the key the wire gave the part (a block index, an output index); insertion order is the answer's order. */
  parts: Map<string, Part>;
  kinds: Set<Part["kind"]>;
}

/** `{"choices":[` and `]}`, reserved whether or not the answer ends up with several choices. */
const WRAPPER = 14;
/** A choice's braces and the comma after it. */
const CHOICE = 3;
/** Each field's key, quotes or brackets and comma, charged once per choice. */
const FIELD: Record<Part["kind"], number> = { text: 10, reasoning: 15, call: 16 };
/** `{"id":"","name":"","arguments":""}` and its comma. */
const CALL = 35;
/** `"error":""` and its comma. */
const ERROR = 11;

export class AssembledAnswer {
  private readonly choices = new Map<number, Choice>();
  private error: { value: string } | undefined;
  private used = WRAPPER;
  /** The budget is spent: the answer takes nothing more. */
  full = false;

  constructor(private readonly maxBytes: number) {}

  /** A choice the stream named, kept in its place even if nothing is added to it. */
  openChoice(index: number) {
    this.choice(index);
  }

  /** More text or reasoning for the part under `key`. */
  add(index: number, kind: TextKind, key: string, fragment: string) {
    if (!fragment) return;
    const part = this.part(index, kind, key);
    if (part) this.grow(part, "value", fragment);
  }

  /** The text or reasoning under `key`, whole (it replaces what the deltas built). */
  set(index: number, kind: TextKind, key: string, value: string) {
    const part = this.part(index, kind, key, value !== "");
    if (part) this.replace(part, value);
  }

  /** A tool call under `key`: opened if new, given its id and name if it had none. */
  call(index: number, key: string, id: string, name: string) {
    const part = this.part(index, "call", key);
    if (part && id && !part.id) this.grow(part, "id", id);
    if (part && name && !part.name) this.grow(part, "name", name);
  }

  addArguments(index: number, key: string, fragment: string) {
    if (!fragment) return;
    const part = this.part(index, "call", key);
    if (part) this.grow(part, "value", fragment);
  }

  setArguments(index: number, key: string, value: string) {
    const part = this.part(index, "call", key);
    if (part) this.replace(part, value);
  }

  /** The error that ended the stream; the first one is kept. */
  fail(message: string) {
    if (this.error || this.full || !this.charge(ERROR)) return;
    this.error = { value: "" };
    this.grow(this.error, "value", message);
  }

  /** Forget every choice (the error stays): a final event is about to tell the whole answer. */
  clear() {
    if (this.full) return;
    this.choices.clear();
    this.used = WRAPPER + (this.error ? ERROR + jsonBytes(this.error.value) : 0);
  }

  toJSON(): string {
    const choices = [...this.choices.entries()].sort(([a], [b]) => a - b).map(([, choice]) => render(choice));
    const out: Record<string, unknown> = choices.length > 1 ? { choices } : { ...choices[0] };
    if (this.error) out.error = this.error.value;
    return JSON.stringify(out);
  }

  private choice(index: number): Choice | undefined {
    const existing = this.choices.get(index);
    if (existing || this.full) return existing;
    if (!this.charge(CHOICE)) return undefined;
    const choice: Choice = { parts: new Map(), kinds: new Set() };
    this.choices.set(index, choice);
    return choice;
  }

  private part(index: number, kind: Part["kind"], key: string, create = true): Part | undefined {
    const choice = this.choice(index);
    if (!choice) return undefined;
    const id = `${kind}:${key}`;
    const existing = choice.parts.get(id);
    if (existing || !create) return existing;
    const cost = (choice.kinds.has(kind) ? 0 : FIELD[kind]) + (kind === "call" ? CALL : 0);
    if (!this.charge(cost)) return undefined;
    const part: Part = { kind, value: "", id: "", name: "" };
    choice.parts.set(id, part);
    choice.kinds.add(kind);
    return part;
  }

  /** Appends to one string of the answer what fits of `fragment`. */
  private grow<Field extends string>(holder: Record<Field, string>, field: Field, fragment: string) {
    if (this.full) return;
    if (this.charge(jsonBytes(fragment))) {
      holder[field] += fragment;
      return;
    }
    const fits = measure(fragment, this.maxBytes - this.used);
    holder[field] += fragment.slice(0, fits.units);
    this.used += fits.bytes;
  }

  private replace(part: Part, value: string) {
    if (this.full) return;
    this.used -= jsonBytes(part.value);
    part.value = "";
    this.grow(part, "value", value);
  }

  /** Takes `bytes` from the budget, or marks the answer full when they don't fit. */
  private charge(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) {
      this.full = true;
      return false;
    }
    this.used += bytes;
    return true;
  }
}

function render(choice: Choice): Record<string, unknown> {
  let text = "";
  let reasoning = "";
  const calls: Array<Record<string, string>> = [];
  for (const part of choice.parts.values()) {
    if (part.kind === "text") text += part.value;
    else if (part.kind === "reasoning") reasoning += part.value;
    else calls.push(part.id ? { id: part.id, name: part.name, arguments: part.value } : { name: part.name, arguments: part.value });
  }
  const out: Record<string, unknown> = {};
  if (text) out.text = text;
  if (reasoning) out.reasoning = reasoning;
  if (calls.length > 0) out.tool_calls = calls;
  return out;
}

/** UTF-8 bytes of one code unit (not a surrogate) inside a JSON string. */
function unitBytes(c: number): number {
  if (c >= 0x80) return c < 0x800 ? 2 : 3;
  if (c === 0x22 || c === 0x5c) return 2;
  if (c >= 0x20) return 1;
  // \b \t \n \f \r have short escapes; other control characters become \u00XX.
  return c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
}

/** The longest prefix of `s` that fits in `budget` bytes as the inside of a JSON string, never half a surrogate pair. */
function measure(s: string, budget: number): { units: number; bytes: number } {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let size = 6; // a lone surrogate: JSON.stringify writes it as \uXXXX
    let units = 1;
    if (c < 0xd800 || c > 0xdfff) {
      size = unitBytes(c);
    } else if (c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) (size = 4), (units = 2);
    }
    if (bytes + size > budget) break;
    bytes += size;
    i += units;
  }
  return { units: i, bytes };
}

/** The size of `s` as the inside of a JSON string, in UTF-8 bytes. */
const jsonBytes = (s: string) => measure(s, Number.POSITIVE_INFINITY).bytes;
