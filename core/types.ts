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
}
