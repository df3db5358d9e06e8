import type { Config } from "../config.js";
import { badRequest } from "../errors.js";
import type { MetadataValue, VirtualKeyRecord } from "../store/types.js";
import type { RequestHeaders } from "../http.js";

/** cf-aig-metadata's limits, as Cloudflare AI Gateway sets them. */
const MAX_ENTRIES = 5;
const MAX_NAME = 64;
const MAX_VALUE = 256;
const MAX_HEADER = 4096;

export interface LogOptions {
  /** An entry is stored for this call. */
  logged: boolean;
  /** Its request and answer bodies are stored too. */
  bodies: boolean;
  metadata?: Record<string, MetadataValue>;
}

/**
 * What the request log keeps of this call. Precedence: the request's headers (cf-aig-collect-log,
 * cf-aig-collect-log-payload), then the virtual key (logBodies), then the gateway's settings.
 * cf-aig-metadata is checked even when nothing is logged: a bad one is the caller's mistake either way.
 */
export function logOptions(config: Config, key: VirtualKeyRecord | undefined, headers: RequestHeaders, hasStore: boolean): LogOptions {
  const metadata = mergeMetadata(key?.metadata, parseMetadata(headers.get("cf-aig-metadata")));
  const logged = hasStore && config.logs.enabled && flag(headers, "cf-aig-collect-log") !== false;
  const bodies = logged && (flag(headers, "cf-aig-collect-log-payload") ?? key?.logBodies ?? config.logs.bodies);
  return metadata ? { logged, bodies, metadata } : { logged, bodies };
}

/** cf-aig-metadata: a JSON object of at most 5 flat entries (string, number or boolean). */
export function parseMetadata(raw: string | null): Record<string, MetadataValue> | undefined {
  if (raw === null) return undefined;
  const fix = `cf-aig-metadata must be a JSON object of at most ${MAX_ENTRIES} entries whose values are strings, numbers or booleans, e.g. {"user":"u1","team":"search"}`;
  if (raw.length > MAX_HEADER) throw badRequest(`${fix}; this one is over ${MAX_HEADER} characters.`, "cf-aig-metadata");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`${fix}; this one is not valid JSON.`, "cf-aig-metadata");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest(`${fix}.`, "cf-aig-metadata");
  const entries = Object.entries(parsed);
  if (entries.length > MAX_ENTRIES) throw badRequest(`${fix}; this one has ${entries.length}.`, "cf-aig-metadata");
  const out: Record<string, MetadataValue> = Object.create(null);
  for (const [name, value] of entries) {
    if (!name || name.length > MAX_NAME) throw badRequest(`${fix}; each name is 1 to ${MAX_NAME} characters.`, "cf-aig-metadata");
    if (typeof value === "string") {
      if (value.length > MAX_VALUE) throw badRequest(`${fix}; the value of "${name}" is over ${MAX_VALUE} characters.`, "cf-aig-metadata");
    } else if (!(typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value)))) {
      throw badRequest(`${fix}; the value of "${name}" is ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "nested" : "not one of them"}.`, "cf-aig-metadata");
    }
    out[name] = value;
  }
  return out;
}

/** The key's metadata under the request's: the request's entries win on a name both have. */
function mergeMetadata(key: Record<string, string> | undefined, request: Record<string, MetadataValue> | undefined): Record<string, MetadataValue> | undefined {
  if (!key || Object.keys(key).length === 0) return request;
  return Object.assign(Object.create(null), key, request);
}

function flag(headers: RequestHeaders, name: string): boolean | undefined {
  const raw = headers.get(name);
  if (raw === null) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw badRequest(`${name} must be true or false.`, name);
}
