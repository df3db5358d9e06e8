import { badRequest } from "../../errors.js";
import type { ChatMessage, ChatRequest } from "../../types.js";
import { parseToolArguments } from "../tool-arguments.js";
import { rejectUnsupported } from "../unsupported-params.js";
import type { CallContext } from "../types.js";
import { DEFAULT_MAX_TOKENS, JSON_TOOL, THINKING_BUDGET, UNSUPPORTED } from "./mappings.js";

type Block = Record<string, unknown> & { type: string };
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

/** OpenAI chat.completions request → Anthropic Messages request body. Throws a 400 for what can't be expressed. */
export function toAnthropic(body: ChatRequest, ctx: Pick<CallContext, "model" | "stream" | "config">): Record<string, unknown> {
  rejectUnsupported(body, UNSUPPORTED, "Anthropic");
  if (body.n != null && body.n !== 1) throw badRequest("Anthropic returns one choice per request: n must be 1.", "n", "unsupported_parameter");

  const system: Block[] = [];
  const turns: Turn[] = [];
  for (const [i, m] of body.messages.entries()) {
    switch (m.role) {
      case "system":
      case "developer":
        system.push(...textBlocks(m.content, `messages[${i}].content`));
        break;
      case "user":
        push(turns, "user", userBlocks(m.content, `messages[${i}].content`));
        break;
      case "assistant":
        push(turns, "assistant", assistantBlocks(m, i));
        break;
      case "tool":
        push(turns, "user", [toolResult(m, i)]);
        break;
      default:
        throw badRequest(`messages[${i}].role "${m.role}" is not supported by Anthropic; send tool results with role "tool".`, `messages[${i}].role`);
    }
  }
  if (turns.length === 0) throw badRequest("Anthropic needs at least one user or assistant message besides the system prompt.", "messages");

  const out: Record<string, unknown> = {
    model: ctx.model,
    messages: turns,
    max_tokens: num(body.max_completion_tokens) ?? num(body.max_tokens) ?? defaultMaxTokens(ctx.config),
  };
  if (system.length) out.system = system;
  if (ctx.stream) out.stream = true;
  if (body.temperature != null) out.temperature = body.temperature;
  if (body.top_p != null) out.top_p = body.top_p;
  if (body.top_k != null) out.top_k = body.top_k;
  if (body.stop != null) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  const userId = (body.metadata as { user_id?: unknown } | undefined)?.user_id ?? body.user;
  if (typeof userId === "string" && userId) out.metadata = { user_id: userId };

  applyTools(body, out);
  applyResponseFormat(body, out);
  applyThinking(body, out);
  return out;
}

function defaultMaxTokens(config: CallContext["config"]): number {
  const n = config.defaultMaxTokens;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_TOKENS;
}

const num = (v: unknown) => (typeof v === "number" ? v : undefined);

/** Anthropic wants user and assistant turns to alternate: consecutive same-role messages become one turn. */
function push(turns: Turn[], role: Turn["role"], content: Block[]) {
  if (content.length === 0) return;
  const last = turns[turns.length - 1];
  if (last?.role === role) last.content.push(...content);
  else turns.push({ role, content });
}

function parts(content: unknown, where: string): Array<Record<string, any>> {
  if (content == null) return [];
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (Array.isArray(content)) return content as Array<Record<string, any>>;
  throw badRequest(`${where} must be a string or an array of content parts.`, where);
}

function textPart(p: Record<string, any>, where: string): Block {
  if (typeof p.text !== "string") throw badRequest(`${where}: a text part needs a "text" string.`, where);
  const block: Block = { type: "text", text: p.text };
  if (p.cache_control) block.cache_control = p.cache_control;
  return block;
}

function textBlocks(content: unknown, where: string): Block[] {
  return parts(content, where).map((p, j) => {
    if (p.type !== "text") throw badRequest(`${where}[${j}]: only text parts are allowed here, got "${p.type}".`, `${where}[${j}]`);
    return textPart(p, `${where}[${j}]`);
  });
}

function userBlocks(content: unknown, where: string): Block[] {
  return parts(content, where).map((p, j) => {
    const at = `${where}[${j}]`;
    switch (p.type) {
      case "text":
        return textPart(p, at);
      case "image_url":
        return imageBlock(p.image_url, at);
      case "file":
        return documentBlock(p.file, at);
      default:
        throw badRequest(`${at}: content part type "${p.type}" is not supported by Anthropic.`, at, "unsupported_content");
    }
  });
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** data: URLs become base64 sources; http(s) URLs are fetched by Anthropic itself (`source.type: "url"`). */
function imageBlock(image: any, where: string): Block {
  const url = typeof image === "string" ? image : image?.url;
  if (typeof url !== "string") throw badRequest(`${where}: image_url.url must be a string.`, where);
  const data = DATA_URL.exec(url);
  if (data) {
    if (!IMAGE_TYPES.has(data[1]!)) throw badRequest(`${where}: Anthropic accepts image/jpeg, image/png, image/gif and image/webp, not ${data[1]}.`, where, "unsupported_content");
    return { type: "image", source: { type: "base64", media_type: data[1], data: data[2] } };
  }
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw badRequest(`${where}: image_url.url must be a data: URL (base64) or an http(s) URL.`, where, "unsupported_content");
}

function documentBlock(file: any, where: string): Block {
  const data = typeof file?.file_data === "string" ? DATA_URL.exec(file.file_data) : null;
  if (data?.[1] !== "application/pdf") throw badRequest(`${where}: Anthropic accepts files as file.file_data with a data:application/pdf;base64 URL.`, where, "unsupported_content");
  return { type: "document", source: { type: "base64", media_type: "application/pdf", data: data[2] } };
}

function assistantBlocks(m: ChatMessage, i: number): Block[] {
  const blocks: Block[] = parts(m.content, `messages[${i}].content`)
    .filter((p) => p.type !== "refusal")
    .map((p, j) => textPart(p, `messages[${i}].content[${j}]`))
    .filter((b) => b.text !== "");
  for (const [j, call] of (m.tool_calls ?? []).entries()) {
    blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) });
  }
  return blocks;
}

function toolResult(m: ChatMessage, i: number): Block {
  if (!m.tool_call_id) throw badRequest(`messages[${i}].tool_call_id is required for a tool message.`, `messages[${i}].tool_call_id`);
  const content = typeof m.content === "string" ? m.content : userBlocks(m.content, `messages[${i}].content`);
  return { type: "tool_result", tool_use_id: m.tool_call_id, content };
}

function applyTools(body: ChatRequest, out: Record<string, unknown>) {
  const tools = (body.tools as any[] | null | undefined) ?? [];
  if (tools.length) {
    out.tools = tools.map((t, i) => {
      if (t.type !== "function" || !t.function) throw badRequest(`tools[${i}]: Anthropic takes function tools only.`, `tools[${i}].type`);
      if (t.function.name === JSON_TOOL) throw badRequest(`tools[${i}]: the tool name "${JSON_TOOL}" is reserved by the gateway.`, `tools[${i}].function.name`);
      const tool: Record<string, unknown> = { name: t.function.name, input_schema: t.function.parameters ?? { type: "object", properties: {} } };
      if (t.function.description) tool.description = t.function.description;
      return tool;
    });
  }
  const choice = body.tool_choice as string | { type: string; function?: { name?: string } } | null | undefined;
  let tc: Record<string, unknown> | undefined;
  if (choice === "auto") tc = { type: "auto" };
  else if (choice === "none") tc = { type: "none" };
  else if (choice === "required") tc = { type: "any" };
  else if (choice && typeof choice === "object") {
    if (choice.type !== "function" || !choice.function?.name) throw badRequest('tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":…}}.', "tool_choice");
    tc = { type: "tool", name: choice.function.name };
  } else if (choice != null) throw badRequest('tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":…}}.', "tool_choice");
  if (body.parallel_tool_calls === false && tools.length && tc?.type !== "none") tc = { ...(tc ?? { type: "auto" }), disable_parallel_tool_use: true };
  if (tc && tools.length) out.tool_choice = tc;
  applyWebSearch(body, out);
}

/** OpenAI's web_search_options → Anthropic's server-side web search tool (Claude searches and cites itself). */
function applyWebSearch(body: ChatRequest, out: Record<string, unknown>) {
  const options = body.web_search_options as { user_location?: { approximate?: Record<string, unknown> } } | null | undefined;
  if (options == null || options === (false as unknown)) return;
  const tool: Record<string, unknown> = { type: "web_search_20250305", name: "web_search" };
  const where = options.user_location?.approximate;
  if (where && typeof where === "object") tool.user_location = { type: "approximate", ...where };
  out.tools = [...((out.tools as unknown[] | undefined) ?? []), tool];
}

/**
 * Claude has no JSON mode: the gateway forces one tool whose input schema is the requested one,
 * and the response side turns that tool call back into the message content.
 */
function applyResponseFormat(body: ChatRequest, out: Record<string, unknown>) {
  const rf = body.response_format as { type: string; json_schema?: { name?: string; description?: string; schema?: unknown } } | null | undefined;
  if (!rf || rf.type === "text") return;
  if (rf.type !== "json_object" && rf.type !== "json_schema") throw badRequest(`response_format.type "${rf.type}" is not supported.`, "response_format.type");
  if (out.tools) throw badRequest("On Anthropic, response_format json_object/json_schema cannot be combined with tools (the gateway implements it with a forced tool).", "response_format");
  const schema = rf.type === "json_schema" ? (rf.json_schema?.schema ?? { type: "object" }) : { type: "object" };
  const name = rf.type === "json_schema" && rf.json_schema?.name ? ` named "${rf.json_schema.name}"` : "";
  const about = rf.json_schema?.description ? ` ${rf.json_schema.description}` : "";
  out.tools = [{ name: JSON_TOOL, description: `Give your final answer as a JSON object${name} by calling this tool.${about}`, input_schema: schema }];
  out.tool_choice = { type: "tool", name: JSON_TOOL };
}

/** reasoning_effort → extended thinking; a client may also send Anthropic's own `thinking` object, which goes through. */
function applyThinking(body: ChatRequest, out: Record<string, unknown>) {
  let thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined;
  const effort = body.reasoning_effort;
  if (!thinking && typeof effort === "string" && effort in THINKING_BUDGET) thinking = { type: "enabled", budget_tokens: THINKING_BUDGET[effort] };
  if (!thinking) return;
  out.thinking = thinking;
  // budget_tokens must be below max_tokens; raise the default rather than fail when the client set neither.
  const budget = thinking.budget_tokens ?? 0;
  if (body.max_tokens == null && body.max_completion_tokens == null && (out.max_tokens as number) <= budget) out.max_tokens = budget + DEFAULT_MAX_TOKENS;
}
