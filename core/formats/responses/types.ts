/**
 * OpenAI Responses API wire shapes, as far as the gateway reads or writes them. Loose on purpose:
 * an item carries fields this gateway never looks at, and they travel through untouched.
 */

/** One conversation item: an input item as a client sent it, or an output item as the gateway answered it. */
export interface ResponseItem {
  type?: string;
  id?: string;
  [k: string]: unknown;
}

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface MessageItem {
  id: string;
  type: "message";
  status: ItemStatus;
  role: "assistant";
  content: OutputText[];
}

export interface FunctionCallItem {
  id: string;
  type: "function_call";
  status: ItemStatus;
  arguments: string;
  call_id: string;
  name: string;
  /** Set when the tool came from a `namespace` tool group: the model called `${namespace}__${name}`. */
  namespace?: string;
}

export interface ReasoningItem {
  id: string;
  type: "reasoning";
  summary: Array<{ type: "summary_text"; text: string }>;
}

export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens?: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** The Response object as OpenAI sends it on the wire (the SDKs add `output_text` themselves). */
export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: unknown;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  prompt_cache_key: string | null;
  reasoning: { effort: string | null; summary: string | null };
  safety_identifier: string | null;
  service_tier: string;
  store: boolean;
  temperature: number;
  text: { format: unknown; verbosity: string };
  tool_choice: unknown;
  tools: unknown[];
  top_logprobs: number;
  top_p: number;
  truncation: string;
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, unknown>;
}

/**
 * Namespace tool groups are flattened into plain functions named `${namespace}__${name}` for chat
 * models; this maps each flattened name back to where it came from.
 */
export type NamespaceMap = Record<string, { namespace: string; name: string }>;

/** What the response side needs to know of its request. */
export interface ResponseContext {
  /** "resp_…", chosen by the route. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The Responses request body as the client sent it (JSON-parsed, already accepted by responsesToChat). */
  request: unknown;
  namespaces: NamespaceMap;
}
