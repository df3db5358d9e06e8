import * as v from "valibot";
import { badRequest } from "../errors.js";
import { once } from "../once.js";

/** Date.parse rolls "2030-02-31" over to March; a real date has its day in its month. */
function realDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split("-").map(Number) as [number, number, number];
  return !Number.isNaN(Date.parse(s)) && m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Parses or throws a 400 that names the field: "Invalid value for 'budget.usd': must be a number". */
export function parse<S extends v.GenericSchema>(schema: S, input: unknown, what = "request body"): v.InferOutput<S> {
  if (what === "request body" && (typeof input !== "object" || input === null || Array.isArray(input))) {
    throw badRequest("The request body must be a JSON object.", null, "invalid_body");
  }
  const r = v.safeParse(schema, input, { abortEarly: true });
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = v.getDotPath(issue);
  if (issue.type === "strict_object" && issue.expected === "never" && path) {
    throw badRequest(what === "query" ? `Unknown query parameter '${path}'.` : `Unknown field '${path}' in the ${what}.`, path, "unknown_field");
  }
  if (issue.type === "strict_object" && issue.received === "undefined" && path) {
    throw badRequest(`Missing required field '${path}' in the ${what}.`, path, "missing_field");
  }
  if (!path) throw badRequest(`Invalid ${what}: ${issue.message}`, null, "invalid_value");
  const where = what === "request body" ? `'${path}'` : `query parameter '${path}'`;
  throw badRequest(`Invalid value for ${where}: ${issue.message}`, path, "invalid_value");
}

/** What the admin API accepts, built on first use. Strict objects: an unknown field is a 400, never silently dropped. */
export const adminSchemas = once(() => {
  const text = (max: number) => v.pipe(v.string("must be a string"), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(max, `must be at most ${max} characters`));
  const count = (max: number) => v.pipe(v.number("must be a number"), v.integer("must be an integer"), v.minValue(1, "must be at least 1"), v.maxValue(max, `must be at most ${max}`));

  const timestamp = v.pipe(
    v.string("must be an ISO 8601 date-time string"),
    v.regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/, 'must be an ISO 8601 date-time like "2027-01-01T00:00:00Z"'),
    v.check(realDate, "is not a real date"),
    v.transform((s) => new Date(s).toISOString()),
    v.check((s) => Date.parse(s) > Date.now(), "is in the past"),
  );

  const glob = v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty"), v.maxLength(200, "must be at most 200 characters"), v.regex(/^\S+$/, "must not contain spaces"));

  const fields = {
    owner: text(200),
    expiresAt: timestamp,
    disabled: v.boolean("must be true or false"),
    models: v.pipe(v.array(glob, 'must be an array of globs like "openai/*"'), v.maxLength(100, "may hold at most 100 globs")),
    rpm: count(1_000_000_000),
    tpm: count(1_000_000_000_000),
    maxParallel: count(100_000),
    budget: v.strictObject({
      usd: v.pipe(v.number("must be a number"), v.minValue(0, "must not be negative"), v.maxValue(1e9, "is too large")),
      period: v.picklist(["day", "month", "total"], 'must be "day", "month" or "total"'),
    }),
    cacheTtlSeconds: v.pipe(
      v.number("must be a number of seconds"),
      v.integer("must be a whole number of seconds"),
      v.minValue(60, "must be at least 60 seconds"),
      v.maxValue(2_592_000, "must be at most 2592000 seconds (30 days)"),
    ),
    strictTools: v.boolean("must be true or false"),
    promptCaching: v.picklist(["auto"], 'must be "auto" (or null to turn it off)'),
    logBodies: v.boolean("must be true or false"),
    metadata: v.pipe(
      v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(64, "keys must be at most 64 characters")), v.pipe(v.string("values must be strings"), v.maxLength(512, "values must be at most 512 characters"))),
      v.check((m) => Object.keys(m).length <= 32, "may hold at most 32 entries"),
    ),
    guardrails: v.pipe(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, "must be policy names"))), v.maxLength(20, "may name at most 20 policies")),
    credentials: v.record(v.pipe(v.string(), v.minLength(1)), v.pipe(v.string("values must be provider keys (strings)"), v.minLength(1, "must not be empty"), v.maxLength(4096))),
  };

  const CreateKeySchema = v.strictObject({
    name: text(200),
    owner: v.optional(fields.owner),
    expiresAt: v.optional(fields.expiresAt),
    disabled: v.optional(fields.disabled),
    models: v.optional(fields.models),
    rpm: v.optional(fields.rpm),
    tpm: v.optional(fields.tpm),
    maxParallel: v.optional(fields.maxParallel),
    budget: v.optional(fields.budget),
    cacheTtlSeconds: v.optional(fields.cacheTtlSeconds),
    strictTools: v.optional(fields.strictTools),
    promptCaching: v.optional(fields.promptCaching),
    logBodies: v.optional(fields.logBodies),
    metadata: v.optional(fields.metadata),
    guardrails: v.optional(fields.guardrails),
    credentials: v.optional(fields.credentials),
  });

  /** The same fields, all optional; null removes one (no expiry, all models, no budget …). */
  const UpdateKeySchema = v.strictObject({
    name: v.optional(text(200)),
    owner: v.optional(v.nullable(fields.owner)),
    expiresAt: v.optional(v.nullable(fields.expiresAt)),
    disabled: v.optional(v.nullable(fields.disabled)),
    models: v.optional(v.nullable(fields.models)),
    rpm: v.optional(v.nullable(fields.rpm)),
    tpm: v.optional(v.nullable(fields.tpm)),
    maxParallel: v.optional(v.nullable(fields.maxParallel)),
    budget: v.optional(v.nullable(fields.budget)),
    cacheTtlSeconds: v.optional(v.nullable(fields.cacheTtlSeconds)),
    strictTools: v.optional(v.nullable(fields.strictTools)),
    promptCaching: v.optional(v.nullable(fields.promptCaching)),
    logBodies: v.optional(v.nullable(fields.logBodies)),
    metadata: v.optional(v.nullable(fields.metadata)),
    guardrails: v.optional(v.nullable(fields.guardrails)),
    credentials: v.optional(v.nullable(fields.credentials)),
  });

  /** Strict: a misspelt parameter must not turn a purge of one key's cache into a purge of all. */
  const CachePurgeQuerySchema = v.strictObject({
    key: v.optional(v.pipe(v.string(), v.minLength(1, "must be a virtual key id (key_…); leave it out to purge the whole cache"))),
  });

  const day = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "must be a day like 2026-11-21"), v.check(realDate, "is not a real date"));

  const ListQuerySchema = v.object({
    limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(1, "must be at least 1"), v.maxValue(100, "must be at most 100"))),
    cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(2048))),
  });

  const UsageQuerySchema = v.object({
    key: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
    from: v.optional(day),
    to: v.optional(day),
  });

  /** A time: ISO 8601 ("2026-11-29", "2026-11-29T14:02:00Z") or milliseconds since the epoch. */
  const instant = v.pipe(
    v.string(),
    v.transform((s) => (/^\d{1,15}$/.test(s) ? Number(s) : /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN)),
    v.check((n) => Number.isFinite(n), 'must be a time like "2026-11-29T14:00:00Z" or milliseconds since the epoch'),
  );

  const limit = (max: number) => v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(1, "must be at least 1"), v.maxValue(max, `must be at most ${max}`));

  /** Strict: a misspelt filter must not silently list everything. */
  const LogsQuerySchema = v.strictObject({
    key: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
    model: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(300))),
    provider: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(100))),
    status: v.optional(v.pipe(v.string(), v.regex(/^[2-5](xx)?$/i, 'must be a status class: "2xx", "3xx", "4xx" or "5xx"'), v.transform((s) => Number(s[0]) as 2 | 3 | 4 | 5))),
    cache: v.optional(v.pipe(v.string(), v.transform((s) => s.toUpperCase()), v.picklist(["HIT", "MISS", "BYPASS"], 'must be "HIT", "MISS" or "BYPASS"'))),
    metadata: v.optional(v.pipe(v.string(), v.regex(/^[^:]{1,64}:.{0,256}$/, 'must be "name:value", e.g. "user:u1"'))),
    /** A guardrail policy's name, or an action: "block", "redact", "flag". */
    guardrail: v.optional(v.pipe(v.string(), v.minLength(1, "must be a policy name or block, redact or flag"), v.maxLength(200))),
    from: v.optional(instant),
    to: v.optional(instant),
    limit: v.optional(limit(1000)),
    cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  });

  const metadataValue = v.union([v.pipe(v.string(), v.maxLength(256, "values must be at most 256 characters")), v.pipe(v.number(), v.finite()), v.boolean()], "values must be strings, numbers or booleans");

  const LogPatchSchema = v.pipe(
    v.strictObject({
      feedback: v.optional(v.picklist([-1, 0, 1], "must be -1, 0 or 1")),
      score: v.optional(v.pipe(v.number("must be a number"), v.integer("must be a whole number"), v.minValue(0, "must be from 0 to 100"), v.maxValue(100, "must be from 0 to 100"))),
      metadata: v.optional(
        v.pipe(
          v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(64, "names must be at most 64 characters")), metadataValue),
          v.check((m) => Object.keys(m).length <= 5, "may hold at most 5 entries"),
        ),
      ),
    }),
    v.check((p) => p.feedback !== undefined || p.score !== undefined || p.metadata !== undefined, "give feedback, score or metadata"),
  );

  /** What a key holder may change on its own entries. */
  const OwnLogPatchSchema = v.pipe(
    v.strictObject({
      feedback: v.optional(v.picklist([-1, 0, 1], "must be -1, 0 or 1")),
      score: v.optional(v.pipe(v.number("must be a number"), v.integer("must be a whole number"), v.minValue(0, "must be from 0 to 100"), v.maxValue(100, "must be from 0 to 100"))),
    }),
    v.check((p) => p.feedback !== undefined || p.score !== undefined, "give feedback or score"),
  );

  const AnalyticsQuerySchema = v.strictObject({
    groupBy: v.optional(v.picklist(["key", "model", "provider", "day", "hour"], 'must be "key", "model", "provider", "day" or "hour"')),
    key: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
    from: v.optional(instant),
    to: v.optional(instant),
  });

  return { CreateKeySchema, UpdateKeySchema, CachePurgeQuerySchema, ListQuerySchema, UsageQuerySchema, LogsQuerySchema, LogPatchSchema, OwnLogPatchSchema, AnalyticsQuerySchema };
});
