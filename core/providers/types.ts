import type { HttpClient, UpstreamRequest, RequestHeaders } from "../http.js";
import type { ChatChunk, ChatRequest } from "../types.js";

/** One provider's entry in the config file (`providers.<name>`). */
export interface ProviderConfig {
  /** For entries whose name is not a built-in id: "openai-compatible", or a built-in id to behave like. */
  type?: string;
  /** Replaces the provider's public endpoint. Tests point it at local mock servers. */
  baseUrl?: string;
  apiKeys?: string[];
  /** Use the client's own provider key: never, only when the gateway has none ("fallback", default), or always. */
  passthrough?: "never" | "fallback" | "always";
  /** Models shown in /v1/models. On a custom openai-compatible entry they are also the only ones routed. */
  models?: string[];
  /** Static headers added to every upstream request. */
  headers?: Record<string, string>;
  [setting: string]: unknown;
}

export type Credential =
  | { kind: "key"; value: string; source: CredentialSource }
  | { kind: "aws"; accessKeyId: string; secretAccessKey: string; sessionToken?: string; source: CredentialSource }
  | { kind: "none"; source: CredentialSource };

/** "client": sent by the caller; the gateway does not own it, so the caller sees the provider's 401/403 as is. */
export type CredentialSource = "client" | "config" | "environment" | "virtual-key";

export interface CallContext {
  /** The configured name the request was routed to ("openai", "my-vllm"). */
  providerName: string;
  provider: Provider;
  config: ProviderConfig;
  /** The model as the upstream knows it. */
  model: string;
  baseUrl: string;
  credential: Credential;
  stream: boolean;
  /** The client asked for the usage chunk (`stream_options.include_usage`). */
  clientWantsUsage: boolean;
  clientHeaders: RequestHeaders;
  env: Readonly<Record<string, string | undefined>>;
}

export interface BuiltRequest {
  /** Appended to the base URL. */
  path: string;
  /** JSON-encoded by the gateway unless already a string. */
  body: unknown;
  method?: "POST" | "GET";
  headers?: Record<string, string>;
  /** What this call's response mapper or stream translator will need to know of its request. */
  state?: unknown;
}

export interface EndpointAdapter<Req> {
  request(body: Req, ctx: CallContext): BuiltRequest | Promise<BuiltRequest>;
  /** Upstream JSON → OpenAI JSON. `null` when the upstream already answers in OpenAI's shape: its bytes go on as they came. */
  response: ((json: any, ctx: CallContext, state: any) => unknown) | null;
  /** Whether a 2xx body is an answer of this endpoint at all (anything else is a 502, never an empty answer). */
  isAnswer(json: any): boolean;
  /** Streamed answers (chat, legacy completions). */
  stream?: StreamAdapter;
}

export interface StreamAdapter {
  framing: "sse" | "aws-eventstream";
  translator(ctx: CallContext, state: any): StreamTranslator;
}

/** One upstream stream event in (an SSE event or an event-stream message), OpenAI chunks out. Throws GatewayError on an upstream error event. */
export interface StreamTranslator<Event = any> {
  push(event: Event): StreamPart[];
  /** The upstream ended. Throws if that was a truncation rather than a finished answer. */
  end(): StreamPart[];
}

/** An OpenAI chunk; `raw` is its JSON as received, sent on verbatim when the chunk was not changed. */
export interface StreamPart {
  chunk: ChatChunk;
  raw?: string;
  /** A plain delta passed on as `raw`, known to carry no usage: its `chunk` is parsed only if read. */
  plain?: boolean;
}

/**
 * Anthropic's Messages API spoken natively (Anthropic; Claude on Bedrock): a /v1/messages body goes
 * through as the client sent it, and the answer comes back in Anthropic's own format.
 */
export interface MessagesAdapter {
  /** Whether this model takes the native body (Bedrock: Claude models only); default: every model. */
  accepts?(model: string): boolean;
  request(body: Record<string, unknown>, ctx: CallContext): BuiltRequest;
  /** A stream's framing: Anthropic's SSE as it is, or AWS event-stream frames each holding one event. */
  framing: "sse" | "aws-eventstream";
}

/** OpenAI's Responses API spoken natively (OpenAI, Azure OpenAI): the body and the events go through as they are. */
export interface ResponsesAdapter {
  request(body: Record<string, unknown>, ctx: CallContext): BuiltRequest;
}

export interface ChatAdapter extends EndpointAdapter<ChatRequest> {
  stream: StreamAdapter;
}

export interface Provider {
  id: string;
  aliases?: readonly string[];
  /** The public endpoint; may read settings such as an account id (never client input). */
  baseUrl(config: ProviderConfig, env: CallContext["env"]): string;
  /** Environment variables holding the gateway's keys for this provider, first found wins. */
  keyEnv?: readonly string[];
  /** Checks the provider's settings once, at startup: returns what is wrong (a config error), or nothing. */
  checkConfig?(config: ProviderConfig, env: CallContext["env"]): string | undefined;
  /** A pass-through path in another gateway's convention, as the provider's own path (Azure: Cloudflare's /{resource}/{deployment}/…). */
  passthroughPath?(path: string, config: ProviderConfig, env: CallContext["env"]): string;
  /** Searches the web itself when a chat request sets `web_search_options` (Anthropic's web search tool, Gemini's Google Search). */
  webSearch?: boolean;
  /** Speaks OpenAI's API and sends a usage chunk at the end of a stream when asked (`stream_options.include_usage`). */
  streamUsage?: boolean;
  /** False for providers that accept anonymous calls (local vLLM, Ollama, mock). */
  needsCredential: boolean;
  /** Adds the credential to a built request: a bearer header, an api key header, a SigV4 signature. */
  authorize(req: UpstreamRequest, ctx: CallContext): UpstreamRequest | Promise<UpstreamRequest>;
  /** A credential the provider reads from the request itself (Bedrock's x-aws-* headers). */
  clientCredential?(headers: RequestHeaders, ctx: Omit<CallContext, "credential">): Credential | null;
  /** Whether a key the client sent can be this provider's credential (Bedrock takes only its own API keys). Default: any. */
  acceptsClientKey?(key: string): boolean;
  /** What a caller is told when no credential is found, if the generic message doesn't fit. */
  missingCredential?: string;
  /** A credential from the runtime (AWS environment / IAM role). */
  ambientCredential?(ctx: Omit<CallContext, "credential">): Credential | null | Promise<Credential | null>;
  chat?: ChatAdapter;
  messages?: MessagesAdapter;
  responses?: ResponsesAdapter;
  completions?: EndpointAdapter<any>;
  embeddings?: EndpointAdapter<any>;
  /** The provider's error body → a message (defaults to OpenAI's `error.message`). */
  errorMessage?(json: any): string | undefined;
  /** An in-process upstream instead of the network (the mock provider). */
  http?: HttpClient;
  /** Well-known models listed in /v1/models. */
  models?: readonly string[];
}

export function bearer(req: UpstreamRequest, ctx: CallContext): UpstreamRequest {
  if (ctx.credential.kind === "key") req.headers["authorization"] = `Bearer ${ctx.credential.value}`;
  return req;
}
