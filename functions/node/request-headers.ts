import type { IncomingHttpHeaders } from "node:http";
import type { RequestHeaders } from "../../core/http.js";

/** The headers of which node:http keeps only the first when one is repeated (its `headers` object's rules). */
const FIRST_ONLY = new Set(["age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host", "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards", "proxy-authorization", "referer", "retry-after", "server", "user-agent"]);

/** Names as asked for, lowercased: the core asks for the same few constants on every request. */
const lowered = new Map<string, string>();

function lower(name: string): string {
  let key = lowered.get(name);
  if (key === undefined) {
    key = name.toLowerCase();
    if (lowered.size < 1024) lowered.set(name, key);
  }
  return key;
}

/**
 * A node:http request's headers read as a Web `Headers` reads them (names in any case, a repeated
 * header's values joined with ", "), without building one: node:http's own header object, with
 * the raw list read for the headers it keeps only the first of. So a repeated Authorization is
 * seen whole, as on every other runtime, not as its first value.
 */
export class NodeRequestHeaders implements RequestHeaders {
  constructor(
    private readonly headers: IncomingHttpHeaders,
    private readonly raw: readonly string[],
  ) {}

  get(name: string): string | null {
    const key = lower(name);
    if (!Object.hasOwn(this.headers, key)) return null;
    const value = this.headers[key]!;
    if (typeof value !== "string") return value.join(", ");
    return FIRST_ONLY.has(key) ? this.joined(key, value) : value;
  }

  has(name: string): boolean {
    return Object.hasOwn(this.headers, lower(name));
  }

  forEach(callback: (value: string, name: string, parent: Headers) => void): void {
    for (const name of Object.keys(this.headers).sort()) callback(this.get(name)!, name, this as unknown as Headers);
  }

  /** Every value of a header node:http kept only the first of. */
  private joined(key: string, first: string): string {
    let seen = 0;
    let all = "";
    const raw = this.raw;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length !== key.length || (name !== key && name.toLowerCase() !== key)) continue;
      all = seen++ === 0 ? raw[i + 1]! : `${all}, ${raw[i + 1]}`;
    }
    return seen > 1 ? all : first;
  }
}
