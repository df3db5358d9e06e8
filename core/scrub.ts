/**
 * The one scrubber: every text that leaves the gateway — a JSON error, an in-stream error event,
 * a pass-through error body, a log line's error — passes through it. It removes the secrets the
 * gateway knows (its provider keys and tokens, the call's own credential) and anything shaped
 * like a credential, and it never pastes an HTML page: it names its title instead.
 */

/** Strings that look like credentials, whoever's they are. */
const SECRET_PATTERNS = [
  /\b(sk|pk|rk|gsk|xai|csk|hf|key)[-_][A-Za-z0-9_\-*]{8,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bASIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{20,}/g,
  /\bBearer\s+[A-Za-z0-9._\-~+/]+=*/gi,
];

/** Known secrets shorter than this are not searched for: they would match ordinary words. */
const MIN_SECRET_LENGTH = 6;

export function scrub(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join("[redacted]");
  for (const p of SECRET_PATTERNS) out = out.replace(p, "[redacted]");
  return out;
}

const HTML = /^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i;

export function isHtml(text: string, contentType?: string): boolean {
  return (contentType ?? "").toLowerCase().startsWith("text/html") || HTML.test(text);
}

/** An upstream's HTML error page (a proxy's or a load balancer's), in one line: its title, never its body. */
export function summarizeHtml(text: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, " ").trim().slice(0, 120);
  return title ? `an HTML page titled "${title}"` : "an HTML page";
}
