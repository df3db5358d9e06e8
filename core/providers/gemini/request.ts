import { badRequest } from "../../errors.js";
import type { ChatMessage, ChatRequest } from "../../types.js";
import { parseToolArguments } from "../tool-arguments.js";
import { rejectUnsupported } from "../unsupported-params.js";
import { signatureOf } from "./ids.js";
import { GENERATION_CONFIG, THINKING_BUDGET, TOOL_CHOICE, UNSUPPORTED } from "./mappings.js";
import { toGeminiSchema } from "./schema.js";

type Part = Record<string, unknown>;
interface Content {
  role: "user" | "model";
  parts: Part[];
}

/** OpenAI chat.completions request → Gemini generateContent body. Throws a 400 for what can't be expressed. */
export function toGemini(body: ChatRequest): Record<string, unknown> {
  rejectUnsupported(body, UNSUPPORTED, "Gemini (through this gateway)");
  const system: Part[] = [];
  const contents: Content[] = [];
  // tool_call_id → function name, from the assistant turns seen so far (Gemini's functionResponse needs the name).
  const callNames = new Map<string, string>();

  for (const [i, m] of body.messages.entries()) {
    const where = `messages[${i}].content`;
    switch (m.role) {
      case "system":
      case "developer":
        for (const p of parts(m.content, where)) {
          if (p.type !== "text") throw badRequest(`${where}: only text parts are allowed in a ${m.role} message.`, where);
          system.push({ text: String(p.text ?? "") });
        }
        break;
      case "user":
        push(contents, "user", parts(m.content, where).map((p, j) => userPart(p, `${where}[${j}]`)));
        break;
      case "assistant":
        push(contents, "model", modelParts(m, i, callNames));
        break;
      case "tool":
        push(contents, "user", [functionResponse(m, i, callNames)]);
        break;
      default:
        throw badRequest(`messages[${i}].role "${m.role}" is not supported by Gemini; send tool results with role "tool".`, `messages[${i}].role`);
    }
  }
  if (contents.length === 0) throw badRequest("Gemini needs at least one user or assistant message besides the system prompt.", "messages");

  const out: Record<string, unknown> = { contents };
  if (system.length) out.systemInstruction = { parts: system };
  const generationConfig = generation(body);
  applyTools(body, out);
  if (Object.keys(generationConfig).length) out.generationConfig = generationConfig;
  if (Array.isArray(body.safety_settings)) out.safetySettings = body.safety_settings;
  return out;
}

function generation(body: ChatRequest): Record<string, unknown> {
  const g: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(GENERATION_CONFIG)) if (body[from] != null) g[to] = body[from];
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max != null) g.maxOutputTokens = max;
  if (body.stop != null) g.stopSequences = Array.isArray(body.stop) ? body.stop : [body.stop];

  const rf = body.response_format as { type: string; json_schema?: { schema?: unknown } } | null | undefined;
  if (rf && rf.type !== "text") {
    if (rf.type !== "json_object" && rf.type !== "json_schema") throw badRequest(`response_format.type "${rf.type}" is not supported.`, "response_format.type");
    g.responseMimeType = "application/json";
    if (rf.type === "json_schema" && rf.json_schema?.schema) g.responseSchema = toGeminiSchema(rf.json_schema.schema, "response_format.json_schema.schema");
  }

  const effort = body.reasoning_effort;
  if (typeof effort === "string" && effort in THINKING_BUDGET) {
    const budget = THINKING_BUDGET[effort]!;
    g.thinkingConfig = budget > 0 ? { thinkingBudget: budget, includeThoughts: true } : { thinkingBudget: 0 };
  }
  return g;
}

/** Gemini wants user and model turns to alternate: consecutive same-role messages become one turn. */
function push(contents: Content[], role: Content["role"], p: Part[]) {
  if (p.length === 0) return;
  const last = contents[contents.length - 1];
  if (last?.role === role) last.parts.push(...p);
  else contents.push({ role, parts: p });
}

function parts(content: unknown, where: string): Array<Record<string, any>> {
  if (content == null) return [];
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (Array.isArray(content)) return content as Array<Record<string, any>>;
  throw badRequest(`${where} must be a string or an array of content parts.`, where);
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;
const AUDIO_TYPES: Record<string, string> = { wav: "audio/wav", mp3: "audio/mp3", flac: "audio/flac", aac: "audio/aac", ogg: "audio/ogg", aiff: "audio/aiff" };
const EXTENSION_TYPES: Record<string, string> = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", gif: "image/gif", heic: "image/heic", heif: "image/heif", pdf: "application/pdf" };

function userPart(p: Record<string, any>, where: string): Part {
  switch (p.type) {
    case "text":
      if (typeof p.text !== "string") throw badRequest(`${where}: a text part needs a "text" string.`, where);
      return { text: p.text };
    case "image_url": {
      const url = typeof p.image_url === "string" ? p.image_url : p.image_url?.url;
      if (typeof url !== "string") throw badRequest(`${where}: image_url.url must be a string.`, where);
      return mediaPart(url, where);
    }
    case "input_audio": {
      const mime = AUDIO_TYPES[p.input_audio?.format];
      if (!mime || typeof p.input_audio?.data !== "string") throw badRequest(`${where}: input_audio needs base64 "data" and a format (${Object.keys(AUDIO_TYPES).join(", ")}).`, where, "unsupported_content");
      return { inlineData: { mimeType: mime, data: p.input_audio.data } };
    }
    case "file": {
      const data = typeof p.file?.file_data === "string" ? DATA_URL.exec(p.file.file_data) : null;
      if (!data) throw badRequest(`${where}: Gemini accepts files as file.file_data with a base64 data: URL.`, where, "unsupported_content");
      return { inlineData: { mimeType: data[1], data: data[2] } };
    }
    default:
      throw badRequest(`${where}: content part type "${p.type}" is not supported by Gemini.`, where, "unsupported_content");
  }
}

/** data: URLs are sent inline; http(s) URLs go as fileData (Files API URIs, YouTube and public URLs Gemini can fetch). */
function mediaPart(url: string, where: string): Part {
  const data = DATA_URL.exec(url);
  if (data) return { inlineData: { mimeType: data[1], data: data[2] } };
  if (/^https?:\/\//i.test(url)) {
    const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    const mimeType = (ext && EXTENSION_TYPES[ext]) ?? "image/jpeg";
    return { fileData: { mimeType, fileUri: url } };
  }
  throw badRequest(`${where}: image_url.url must be a data: URL (base64) or an http(s) URL.`, where, "unsupported_content");
}

function modelParts(m: ChatMessage, i: number, callNames: Map<string, string>): Part[] {
  const out: Part[] = parts(m.content, `messages[${i}].content`)
    .filter((p) => p.type === "text" && p.text)
    .map((p) => ({ text: String(p.text) }));
  for (const [j, call] of (m.tool_calls ?? []).entries()) {
    callNames.set(call.id, call.function.name);
    const part: Part = { functionCall: { name: call.function.name, args: parseToolArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) } };
    const signature = signatureOf(call.id);
    if (signature) part.thoughtSignature = signature;
    out.push(part);
  }
  return out;
}

/** A tool result: a JSON object result goes as the response itself, anything else as {"result": …}. */
function functionResponse(m: ChatMessage, i: number, callNames: Map<string, string>): Part {
  const name = m.tool_call_id ? callNames.get(m.tool_call_id) : undefined;
  if (!name) throw badRequest(`messages[${i}].tool_call_id does not match a tool call of an earlier assistant message (Gemini needs the function's name).`, `messages[${i}].tool_call_id`);
  const text = typeof m.content === "string" ? m.content : parts(m.content, `messages[${i}].content`).map((p) => (p.type === "text" ? String(p.text ?? "") : "")).join("");
  return { functionResponse: { name, response: jsonObject(text) ?? { result: text } } };
}

/** The text as a JSON object, or undefined. Plain text is not parsed at all: a failed JSON.parse costs a thrown exception. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function applyTools(body: ChatRequest, out: Record<string, unknown>) {
  const tools = (body.tools as any[] | null | undefined) ?? [];
  if (tools.length) {
    const declarations = tools.map((t, i) => {
      if (t.type !== "function" || !t.function) throw badRequest(`tools[${i}]: Gemini takes function tools only.`, `tools[${i}].type`);
      const d: Record<string, unknown> = { name: t.function.name };
      if (t.function.description) d.description = t.function.description;
      const params = t.function.parameters;
      // An object schema without properties is refused by Gemini: a function with no parameters has none.
      if (params && !(params.type === "object" && !Object.keys(params.properties ?? {}).length)) d.parameters = toGeminiSchema(params, `tools[${i}].function.parameters`);
      return d;
    });
    out.tools = [{ functionDeclarations: declarations }];
  }
  // OpenAI's web_search_options → grounding with Google Search.
  if (body.web_search_options != null) out.tools = [...((out.tools as unknown[] | undefined) ?? []), { google_search: {} }];
  const choice = body.tool_choice as string | { type: string; function?: { name?: string } } | null | undefined;
  if (choice == null || !tools.length) return;
  if (typeof choice === "string") {
    const mode = TOOL_CHOICE[choice];
    if (!mode) throw badRequest('tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":…}}.', "tool_choice");
    out.toolConfig = { functionCallingConfig: { mode } };
  } else {
    if (choice.type !== "function" || !choice.function?.name) throw badRequest('tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":…}}.', "tool_choice");
    out.toolConfig = { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } };
  }
}
