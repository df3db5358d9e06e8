import type { GuardHit } from "../../core/types.js";

/** What the admin API answers, as the UI reads it (core/admin/*.ts builds these). */

export interface ApiList<T> {
  object: "list";
  data: T[];
  nextCursor: string | null;
  hasMore: boolean;
}

export type BudgetPeriod = "day" | "month" | "total";

export interface KeyView {
  id: string;
  object: "virtual_key";
  name: string;
  owner: string | null;
  hint: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  disabled: boolean;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
  budget: { usd: number; period: BudgetPeriod } | null;
  metadata: Record<string, string>;
  guardrails: string[];
  /** GET /admin/keys/<id> only: spend so far in each period, USD. */
  spend?: Record<BudgetPeriod, number>;
  /** POST /admin/keys and rotate only: the key itself, shown once. */
  key?: string;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface AnalyticsSummary {
  requests: number;
  errors: { "4xx": number; "5xx": number };
  cacheHits: number;
  cacheHitRate: number;
  tokens: { in: number; out: number; cached: number };
  costUsd: number;
  latencyMs: Percentiles;
  ttfbMs: Percentiles;
  guardrails?: Record<string, number>;
}

export type GroupBy = "key" | "model" | "provider" | "day" | "hour";

/** One group: its name under the groupBy field ("hour": "2026-11-29T14:00Z", "day": "2026-11-29", …). */
export type AnalyticsRow = AnalyticsSummary & Partial<Record<GroupBy, string>>;

export interface Analytics {
  object: "analytics";
  groupBy: GroupBy;
  from: string;
  to: string;
  data: AnalyticsRow[];
  totals: AnalyticsSummary;
}

/** A guardrail rule that matched: the log entry carries the call record's own. */
export type { GuardHit };

export interface LogView {
  id: string;
  object: "log";
  createdAt: string;
  expiresAt: string;
  key: string | null;
  keyName: string | null;
  principal: string;
  route: string;
  provider: string | null;
  model: string | null;
  servedModel: string | null;
  step: number | null;
  status: number;
  errorCode: string | null;
  error: string | null;
  cache: "HIT" | "MISS" | "BYPASS" | null;
  stream: boolean;
  tokens: { in: number; out: number; cachedRead: number; cachedWrite: number; reasoning: number };
  costUsd: number;
  priced: boolean;
  ttfbMs: number | null;
  durationMs: number;
  retries: number;
  metadata: Record<string, string | number | boolean>;
  guardrails: GuardHit[];
  feedback: -1 | 0 | 1 | null;
  score: number | null;
  /** The detail only; null when not stored. */
  requestBody?: string | null;
  responseBody?: string | null;
  truncated?: boolean;
}

export interface BreakerView {
  target: string;
  state: "closed" | "open" | "half-open";
  failures: number;
  retryAt?: string;
}

export interface ProviderView {
  name: string;
  type: string;
  hasKey: boolean;
  models?: string[];
}

export interface Health {
  status: string;
  breaker?: { failures: number; windowMs: number; cooldownMs: number };
  targets?: BreakerView[];
  version?: string;
  store?: string;
  providers?: ProviderView[];
}
