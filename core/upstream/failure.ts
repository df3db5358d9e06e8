import { GatewayError, upstreamError } from "../errors.js";
import type { UpstreamResponse } from "../http.js";
import type { CallContext } from "../providers/types.js";
import { isHtml, scrub, summarizeHtml } from "../scrub.js";

/**
 * An upstream's non-2xx answer, as the gateway's error (OpenAI's shape) — and, for routes that
 * relay the provider's own error body (pass-through), that body, scrubbed.
 */
export class UpstreamHttpError extends GatewayError {
  constructor(
    base: GatewayError,
    /** The upstream's status, headers and body text, scrubbed; an HTML page is not kept. */
    readonly upstream: { status: number; headers: Record<string, string>; text: string; html: boolean; ownKey: boolean },
  ) {
    super(base.status, base.message, base.type, base.code, base.param, base.headers);
  }
}

/** The secrets of one call's credential: scrubbed from whatever the upstream says. */
export function credentialSecrets(ctx: Pick<CallContext, "credential">): string[] {
  const c = ctx.credential;
  if (c.kind === "key") return [c.value];
  if (c.kind === "aws") return [c.secretAccessKey, c.accessKeyId, ...(c.sessionToken ? [c.sessionToken] : [])];
  return [];
}

/** The upstream's error in OpenAI's shape. A key the gateway owns is its problem, not the caller's: 502. */
export function upstreamFailure(res: UpstreamResponse, text: string, ctx: CallContext, secrets: Iterable<string>): UpstreamHttpError {
  const html = isHtml(text, res.headers["content-type"]);
  let message: string | undefined;
  if (html) message = summarizeHtml(text);
  else {
    try {
      const json = JSON.parse(text);
      message = ctx.provider.errorMessage?.(json) ?? json?.error?.message ?? json?.message ?? (typeof json?.error === "string" ? json.error : undefined);
    } catch {
      message = text.slice(0, 300) || undefined;
    }
  }
  const all = [...credentialSecrets(ctx), ...secrets];
  const detail = scrub(typeof message === "string" ? message : `HTTP ${res.status}`, all);
  const prefix = `Provider "${ctx.providerName}" answered ${res.status}: `;
  const s = res.status;
  let err: GatewayError;
  if ((s === 401 || s === 403) && ctx.credential.source !== "client") {
    err = upstreamError(502, `${prefix}${detail} (the gateway's credential for this provider was rejected)`, "upstream_auth_failed");
  } else if (s === 429) {
    const retryAfter = Math.ceil((retryAfterMs(res) ?? 1000) / 1000);
    err = new GatewayError(429, prefix + detail, "rate_limit_error", "upstream_rate_limited", null, { "retry-after": String(retryAfter) });
  } else if (s >= 400 && s < 500) {
    err = new GatewayError(s, prefix + detail, s === 401 ? "authentication_error" : s === 403 ? "permission_error" : "invalid_request_error", "upstream_error");
  } else {
    err = upstreamError(s === 504 ? 504 : 502, prefix + detail);
  }
  return new UpstreamHttpError(err, { status: s, headers: res.headers, text: html ? "" : scrub(text, all), html, ownKey: ctx.credential.source === "client" });
}

/** How long the upstream asked to wait: retry-after-ms (OpenAI, Azure) or Retry-After. */
export function upstreamWaitMs(res: UpstreamResponse): number | undefined {
  const ms = Number(res.headers["retry-after-ms"]);
  return Number.isFinite(ms) && ms >= 0 && res.headers["retry-after-ms"] ? Math.min(ms, 3_600_000) : retryAfterMs(res);
}

/** The upstream's Retry-After, in ms (at most an hour). */
export function retryAfterMs(res: UpstreamResponse): number | undefined {
  const v = res.headers["retry-after"];
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.min(seconds, 3600) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
