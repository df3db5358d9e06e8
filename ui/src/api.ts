/**
 * Calls to the admin API, same origin. The admin token lives in sessionStorage only (never a URL
 * or a cookie) and goes out as Authorization: Bearer. A 401 on any call signs out.
 */
import { apiError } from "./messages.js";

const TOKEN_KEY = "strait.adminToken";

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage blocked: the token lasts as long as the page.
  }
}

let token: string | null = storedToken();
let onUnauthorized: () => void = () => {};

/** Called when a call with the stored token answers 401. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export function setToken(t: string | null): void {
  token = t;
  storeToken(t);
}

export const currentToken = () => token;

export interface CallOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  /** Check this token rather than the stored one (sign-in); a 401 then does not sign out. */
  token?: string;
  signal?: AbortSignal;
}

/** One admin API call: the parsed JSON, or an ApiError with the API's message. */
export async function api<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const t = opts.token ?? token;
  const headers: Record<string, string> = { accept: "application/json" };
  if (t) headers.authorization = `Bearer ${t}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method: opts.method ?? "GET",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: "omit",
    cache: "no-store",
    redirect: "error",
    signal: opts.signal,
  });
  const text = await res.text();
  if (!res.ok) {
    const err = apiError(res.status, text, res.statusText);
    if (res.status === 401 && opts.token === undefined) onUnauthorized();
    throw err;
  }
  return (text ? JSON.parse(text) : null) as T;
}
