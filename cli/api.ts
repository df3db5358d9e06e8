/** The admin API over fetch: bearer token, JSON in and out, errors as the CLI reports them. */
import { ApiError, Unreachable, UsageError } from "./errors.js";

export type AdminApi = (method: string, path: string, body?: unknown) => Promise<any>;

export function client(base: string, token: string | undefined): AdminApi {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`STRAIT_URL is not a URL: "${base}".`);
  }
  if (!token) throw new UsageError("Set STRAIT_ADMIN_TOKEN to the gateway's admin token.");
  const root = url.href.replace(/\/+$/, "");
  return async (method: string, path: string, body?: unknown): Promise<any> => {
    let res: Response;
    try {
      res = await fetch(root + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new Unreachable(`Could not reach the gateway at ${root}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    const text = await res.text();
    let data: any;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(`The gateway answered HTTP ${res.status} with something that is not JSON.`, res.status);
    }
    if (!res.ok) {
      const err = data?.error ?? {};
      throw new ApiError(`${err.message ?? `HTTP ${res.status}`} (HTTP ${res.status}${err.code ? `, ${err.code}` : ""})`, res.status);
    }
    return data;
  };
}
