/** The OpenAI wire shapes the gateway reads. Loose on purpose: unknown fields travel through untouched. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: unknown };
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: unknown };
  [k: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [k: string]: unknown;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [k: string]: unknown } | null;
  [k: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: "assistant"; content: string | null; tool_calls?: ToolCall[]; reasoning_content?: string; [k: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }>;
  usage?: Usage;
  [k: string]: unknown;
}

export interface ChunkToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: "assistant"; content?: string | null; tool_calls?: ChunkToolCallDelta[]; reasoning_content?: string; [k: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }>;
  usage?: Usage | null;
  [k: string]: unknown;
}

/** What the gateway learned about one call, handed to usage, limits and logs after the response. */
export interface CallRecord {
  requestId: string;
  endpoint: string;
  provider?: string;
  model?: string;
  status: number;
  stream: boolean;
  usage?: Usage;
  startedAt: number;
  durationMs: number;
  step?: number;
  error?: string;
  principal?: string;
  /** Request fields or tools a translating route left out because the target can't use them. */
  dropped?: string[];
  /** The response cache's verdict, when caching applied: a HIT spent no provider tokens. */
  cache?: "HIT" | "MISS" | "BYPASS";
  /** The model the client asked for; `model` is the one that answered. */
  requestedModel?: string;
  /** The virtual key's name, when a key called. */
  keyName?: string;
  /** The error's code ("rate_limited", "upstream_error" …) when the call failed. */
  errorCode?: string;
  /** Milliseconds from arrival to the answer's first byte (a stream's headers). */
  ttfbMs?: number;
  /** Every upstream attempt, in order. */
  attempts?: AttemptRecord[];
  /** cf-aig-metadata merged over the key's metadata. */
  metadata?: Record<string, string | number | boolean>;
  /** This request's W3C trace context: the client's trace (or a new one) and the gateway's span in it. */
  trace?: TraceContext;
  /** Cost in micro-dollars, set after the call by the pricing step; `priced` false when the model has no known price. */
  costMicros?: number;
  priced?: boolean;
  /** Bodies for the log, captured only when logging bodies is on (raw: scrubbed and cut when written). */
  bodies?: { request?: string; response?: string };
  /** False when the call is not to be logged (cf-aig-collect-log: false, or logging is off). */
  logged?: boolean;
  /** The guardrail rules that matched: names, actions and counts, never the text. */
  guardrails?: GuardHit[];
}

/** One guardrail rule that matched in one stage of a call. */
export interface GuardHit {
  policy: string;
  rule: string;
  stage: "input" | "output";
  action: "block" | "redact" | "flag" | "ignore";
  /** Matches (spans found, or 1 for a check on the whole text). */
  count: number;
  /** What matched: detector labels (EMAIL, CARD …) or a check's categories. */
  labels?: string[];
  /** An external check that failed and was let through (its failure mode "open"). */
  failedOpen?: boolean;
}

/** One upstream attempt of a call. */
export interface AttemptRecord {
  provider: string;
  model: string;
  startedAt: number;
  durationMs: number;
  /** The upstream's status; absent when no answer came (a timeout, a reset). */
  status?: number;
  /** What went wrong, scrubbed. */
  error?: string;
  /** The span id this attempt's upstream request carried in its traceparent (16 hex). */
  spanId: string;
}

/** W3C trace context (https://www.w3.org/TR/trace-context/): ids in lower-case hex. */
export interface TraceContext {
  /** 32 hex. */
  traceId: string;
  /** The gateway's span for this request, 16 hex. */
  spanId: string;
  /** The client's span, when its traceparent named one. */
  parentSpanId?: string;
  sampled: boolean;
  /** The client's tracestate, passed on unchanged. */
  tracestate?: string;
}
