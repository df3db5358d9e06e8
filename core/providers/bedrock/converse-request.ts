import { badRequest } from "../../errors.js";
import type { ChatRequest } from "../../types.js";
import { parseToolArguments } from "../tool-arguments.js";

/** Converse request shapes (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html). */
export type ContentBlock = Record<string, unknown>;
export interface ConverseMessage {
  role: "user" | "assistant";
  content: ContentBlock[];
}
export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: Array<{ text: string } | { cachePoint: { type: "default" } }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: Array<{ toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }>; toolChoice?: Record<string, unknown> };
  requestMetadata?: Record<string, string>;
  [field: string]: unknown;
}

/** What the response side must know about how the request was translated. */
export interface ConverseCallState {
  /** response_format became this forced tool: its input is the answer's content. */
  jsonTool?: string;
}

/** Bedrock-native fields a caller may add to an OpenAI body; they travel as they are. */
const NATIVE_FIELDS = ["additionalModelRequestFields", "additionalModelResponseFieldPaths", "guardrailConfig", "performanceConfig", "promptVariables"] as const;

const IMAGE_FORMATS: Record<string, string> = { png: "png", jpeg: "jpeg", jpg: "jpeg", gif: "gif", webp: "webp" };
const DOCUMENT_FORMATS: Record<string, string> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};
const METADATA_VALUE = /^[a-zA-Z0-9\s:_@$#=/+,.-]{0,256}$/;
const METADATA_KEY = /^[a-zA-Z0-9\s:_@$#=/+,.-]{1,256}$/;

/** OpenAI chat.completions body → Converse body. Throws a 400 for what Converse cannot express. */
export function toConverse(body: ChatRequest, state: ConverseCallState = {}): ConverseRequest {
  if (typeof body.n === "number" && body.n > 1) throw badRequest("Bedrock Converse returns one choice per request: n must be 1.", "n", "unsupported_parameter");
  if (body.logprobs === true) throw badRequest("Bedrock Converse does not return log probabilities: logprobs is not supported.", "logprobs", "unsupported_parameter");
  if (Array.isArray(body.modalities) && body.modalities.includes("audio")) throw badRequest("Bedrock Converse does not produce audio.", "modalities", "unsupported_parameter");

  const system: NonNullable<ConverseRequest["system"]> = [];
  const messages: ConverseMessage[] = [];
  let toolBlocksInHistory = false;
  const toolNamesInHistory = new Set<string>();

  const append = (role: ConverseMessage["role"], blocks: ContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    // Converse wants user and assistant turns to alternate: consecutive turns of one role merge.
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  body.messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    switch (m.role) {
      case "system":
      case "developer":
        for (const text of textParts(m.content, where)) if (text) system.push({ text });
        if (marksCache(m.content)) system.push({ cachePoint: { type: "default" } });
        break;
      case "user":
        append("user", userBlocks(m.content, where));
        break;
      case "assistant": {
        const blocks: ContentBlock[] = textParts(m.content, where, true)
          .filter((t) => t.length > 0)
          .map((text) => ({ text }));
        for (const [j, call] of (m.tool_calls ?? []).entries()) {
          toolBlocksInHistory = true;
          toolNamesInHistory.add(call.function.name);
          blocks.push({ toolUse: { toolUseId: toolUseId(call.id), name: call.function.name, input: parseToolArguments(call.function.arguments, `${where}.tool_calls[${j}].function.arguments`, "must be a JSON object (Bedrock stores tool input as JSON).", "invalid_value") } });
        }
        append("assistant", blocks);
        break;
      }
      case "tool": {
        if (!m.tool_call_id) throw badRequest(`${where} is a tool message without tool_call_id.`, `${where}.tool_call_id`, "invalid_value");
        toolBlocksInHistory = true;
        const content = textParts(m.content, where).map((text) => ({ text }));
        append("user", [{ toolResult: { toolUseId: toolUseId(m.tool_call_id), content: content.length ? content : [{ text: "" }] } }]);
        break;
      }
      default:
        throw badRequest(`${where}: role "${m.role}" is not supported by Bedrock; use "tool" messages for tool results.`, `${where}.role`, "unsupported_parameter");
    }
  });

  if (messages.length === 0) throw badRequest("Bedrock needs at least one user message besides system messages.", "messages", "invalid_value");
  const out: ConverseRequest = { messages };
  if (system.length) out.system = system;

  const inference: NonNullable<ConverseRequest["inferenceConfig"]> = {};
  const maxTokens = (body.max_completion_tokens ?? body.max_tokens) as number | null | undefined;
  if (typeof maxTokens === "number") inference.maxTokens = maxTokens;
  if (typeof body.temperature === "number") inference.temperature = body.temperature;
  if (typeof body.top_p === "number") inference.topP = body.top_p;
  if (typeof body.stop === "string") inference.stopSequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length) inference.stopSequences = body.stop as string[];
  if (Object.keys(inference).length) out.inferenceConfig = inference;

  const toolConfig = buildToolConfig(body, state, toolBlocksInHistory, toolNamesInHistory);
  if (toolConfig) out.toolConfig = toolConfig;

  const metadata = requestMetadata(body);
  if (metadata) out.requestMetadata = metadata;
  for (const f of NATIVE_FIELDS) if (body[f] !== undefined) out[f] = body[f];
  return out;
}

function buildToolConfig(body: ChatRequest, state: ConverseCallState, toolBlocksInHistory: boolean, namesInHistory: Set<string>): ConverseRequest["toolConfig"] | undefined {
  const tools = ((body.tools as any[] | null | undefined) ?? []).map((t, i) => {
    if (t?.type !== "function" || !t.function) throw badRequest(`tools[${i}]: Bedrock supports only function tools.`, `tools[${i}].type`, "unsupported_parameter");
    const spec: { name: string; description?: string; inputSchema: { json: unknown } } = {
      name: t.function.name,
      inputSchema: { json: t.function.parameters ?? { type: "object", properties: {} } },
    };
    if (t.function.description) spec.description = t.function.description;
    return { toolSpec: spec };
  });

  const format = body.response_format as { type: string; json_schema?: { name?: string; schema?: unknown; description?: string } } | null | undefined;
  if (format && (format.type === "json_schema" || format.type === "json_object")) {
    // Converse has no JSON mode: the nearest honest equivalent is one forced tool whose input is the answer.
    if (tools.length) throw badRequest("Bedrock cannot combine response_format JSON with tools in one request: send one or the other.", "response_format", "unsupported_parameter");
    const name = (format.json_schema?.name ?? "json_response").replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "json_response";
    const schema = format.type === "json_schema" ? (format.json_schema?.schema ?? { type: "object" }) : { type: "object" };
    state.jsonTool = name;
    return {
      tools: [{ toolSpec: { name, description: format.json_schema?.description ?? "Give the answer as this JSON object.", inputSchema: { json: schema } } }],
      toolChoice: { tool: { name } },
    };
  }
  if (format && format.type !== "text") throw badRequest(`response_format type "${format.type}" is not supported by Bedrock.`, "response_format.type", "unsupported_parameter");

  const choice = body.tool_choice as string | { type: string; function?: { name?: string } } | null | undefined;
  if (choice === "none") {
    // Bedrock has no "none", and it rejects a history holding tool blocks without a toolConfig:
    // with such a history the tools are still declared (the model may then call one); without it, no tools go.
    if (!toolBlocksInHistory) return undefined;
    return { tools: tools.length ? tools : declaredFromHistory(namesInHistory) };
  }
  if (!tools.length) {
    if (choice && choice !== "auto") throw badRequest("tool_choice needs tools.", "tool_choice", "invalid_value");
    return toolBlocksInHistory ? { tools: declaredFromHistory(namesInHistory) } : undefined;
  }
  const config: NonNullable<ConverseRequest["toolConfig"]> = { tools };
  if (choice === "required") config.toolChoice = { any: {} };
  else if (typeof choice === "object" && choice !== null) {
    const name = choice.function?.name;
    if (choice.type !== "function" || !name) throw badRequest('tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":…}}.', "tool_choice", "invalid_value");
    if (!tools.some((t) => t.toolSpec.name === name)) throw badRequest(`tool_choice names "${name}", which is not in tools.`, "tool_choice", "invalid_value");
    config.toolChoice = { tool: { name } };
  } else if (choice !== undefined && choice !== null && choice !== "auto") {
    throw badRequest(`tool_choice "${choice}" is not one of "auto", "none", "required".`, "tool_choice", "invalid_value");
  }
  return config;
}

/** Tools the history used but the request no longer lists: declared with an open schema so Bedrock accepts the history. */
function declaredFromHistory(names: Set<string>) {
  return [...names].map((name) => ({ toolSpec: { name, inputSchema: { json: { type: "object" } } } }));
}

function requestMetadata(body: ChatRequest): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const meta = body.metadata;
  if (meta && typeof meta === "object" && !Array.isArray(meta)) {
    for (const [k, v] of Object.entries(meta)) if (typeof v === "string" && METADATA_KEY.test(k) && METADATA_VALUE.test(v)) out[k] = v;
  }
  if (typeof body.user === "string" && METADATA_VALUE.test(body.user)) out.user = body.user;
  const entries = Object.entries(out).slice(0, 16);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Text of a message's content: a string, or text (and refusal) parts. */
function textParts(content: unknown, where: string, assistant = false): string[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) throw badRequest(`${where}.content must be a string or an array of parts.`, `${where}.content`, "invalid_value");
  return content.map((p: any, j) => {
    if (p?.type === "text" && typeof p.text === "string") return p.text;
    if (assistant && p?.type === "refusal" && typeof p.refusal === "string") return p.refusal;
    throw badRequest(`${where}.content[${j}]: parts of type "${p?.type}" are only accepted in user messages.`, `${where}.content[${j}].type`, "unsupported_parameter");
  });
}

function userBlocks(content: unknown, where: string): ContentBlock[] {
  if (typeof content === "string") return content ? [{ text: content }] : [];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw badRequest(`${where}.content must be a string or an array of parts.`, `${where}.content`, "invalid_value");
  return content.flatMap((p: any, j): ContentBlock[] => {
    const at = `${where}.content[${j}]`;
    const block = userBlock(p, at);
    // Anthropic's cache_control on a part (chat clients, translated /v1/messages) is Bedrock's cache point after it.
    return p?.cache_control ? [block, CACHE_POINT] : [block];
  });
}

function userBlock(p: any, at: string): ContentBlock {
  switch (p?.type) {
    case "text":
      return { text: String(p.text ?? "") };
    case "image_url":
      return imageBlock(String(p.image_url?.url ?? ""), at);
    case "file":
      return documentBlock(p.file ?? {}, at);
    default:
      throw badRequest(`${at}: content parts of type "${p?.type}" are not supported by Bedrock Converse.`, `${at}.type`, "unsupported_parameter");
  }
}

/** Bedrock's prompt-cache breakpoint: everything before it is cached (Claude and Nova models). */
const CACHE_POINT: ContentBlock = { cachePoint: { type: "default" } };

const marksCache = (content: unknown) => Array.isArray(content) && content.some((p: any) => p?.cache_control);

function imageBlock(url: string, at: string): ContentBlock {
  const data = /^data:image\/([a-z]+);base64,(.+)$/is.exec(url);
  if (data) {
    const format = IMAGE_FORMATS[data[1]!.toLowerCase()];
    if (!format) throw badRequest(`${at}: Bedrock accepts png, jpeg, gif and webp images, not image/${data[1]}.`, `${at}.image_url.url`, "unsupported_parameter");
    return { image: { format, source: { bytes: data[2]!.replace(/\s+/g, "") } } };
  }
  const s3 = /^s3:\/\/[^/]+\/.+\.([a-z]+)$/i.exec(url);
  if (s3) {
    const format = IMAGE_FORMATS[s3[1]!.toLowerCase()];
    if (!format) throw badRequest(`${at}: cannot tell the image format of ${url} from its extension (png, jpeg, gif, webp).`, `${at}.image_url.url`, "unsupported_parameter");
    return { image: { format, source: { s3Location: { uri: url } } } };
  }
  throw badRequest(
    `${at}: Bedrock Converse cannot fetch image URLs. Send the image inline as a data URL (data:image/png;base64,…) or as an s3:// URI.`,
    `${at}.image_url.url`,
    "unsupported_parameter",
  );
}

function documentBlock(file: { file_data?: string; filename?: string }, at: string): ContentBlock {
  const data = /^data:([a-z0-9.+/-]+);base64,(.+)$/is.exec(file.file_data ?? "");
  const format = data && DOCUMENT_FORMATS[data[1]!.toLowerCase()];
  if (!data || !format) {
    throw badRequest(`${at}: Bedrock takes files inline as a data URL of a pdf, csv, doc(x), xls(x), html, txt or md document.`, `${at}.file.file_data`, "unsupported_parameter");
  }
  // Document names allow letters, digits, single spaces, hyphens, parentheses and brackets.
  const name = (file.filename ?? "document").replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9\-()[\] ]/g, "-").replace(/\s+/g, " ").trim().slice(0, 200) || "document";
  return { document: { format, name, source: { bytes: data[2]!.replace(/\s+/g, "") } } };
}

/** Bedrock tool use ids match [a-zA-Z0-9_-]{1,64}; ids from other providers are made to fit, the same way on both sides. */
export function toolUseId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "tool_call";
}
