import { badRequest } from "../../errors.js";
import { type Dropped, type Json, clip, object, quote, string, typed } from "./check.js";

/** One OpenAI content part: text, image_url or file, with the client's cache_control carried along. */
export type Part = Record<string, unknown>;

/**
 * Blocks only Anthropic's servers make or read: server tool calls and their results, redacted
 * thinking, tool-search references. They show up when a conversation started on Claude moves to
 * another model; nothing else can use them, so they are left out (and listed in `dropped`).
 */
export function isAnthropicOnly(type: string): boolean {
  if (type === "redacted_thinking" || type === "container_upload" || type === "tool_reference") return true;
  return (type.endsWith("_tool_use") || type.endsWith("_tool_result")) && type !== "tool_use" && type !== "tool_result";
}

export function dropBlock(type: string, dropped: Dropped) {
  dropped.add(`messages[].content[${clip(type)}]`);
}

const cache = (block: Json): Part => (block.cache_control !== undefined ? { cache_control: block.cache_control } : {});

const filesApi = (param: string) =>
  badRequest(`${param}: files uploaded with Anthropic's Files API (file_id) can only be sent to Anthropic models; send the content inline (base64) instead.`, param, "unsupported_content");

/** A user-side block (text, image, document, search_result) → OpenAI parts; [] for an Anthropic-only block. */
export function userParts(block: Json & { type: string }, param: string, dropped: Dropped): Part[] {
  switch (block.type) {
    case "text":
      return [{ type: "text", text: string(block.text, `${param}.text`), ...cache(block) }];
    case "image":
      return [imagePart(block, param)];
    case "document":
      return documentParts(block, param);
    case "search_result":
      return [{ type: "text", text: searchResultText(block, param), ...cache(block) }];
    default:
      if (isAnthropicOnly(block.type)) {
        dropBlock(block.type, dropped);
        return [];
      }
      throw badRequest(
        `${param}.type ${quote(block.type)} is not supported in a user message: use text, image, document, search_result or tool_result.`,
        `${param}.type`,
        "unsupported_content",
      );
  }
}

/** base64 → a data: URL; url → the URL, fetched by the target provider. */
function imagePart(block: Json, param: string): Part {
  const at = `${param}.source`;
  const source = typed(block.source, at);
  if (source.type === "base64") {
    const media = string(source.media_type, `${at}.media_type`);
    const data = string(source.data, `${at}.data`);
    return { type: "image_url", image_url: { url: `data:${media};base64,${data}` }, ...cache(block) };
  }
  if (source.type === "url") return { type: "image_url", image_url: { url: string(source.url, `${at}.url`) }, ...cache(block) };
  if (source.type === "file") throw filesApi(at);
  throw badRequest(`${at}.type must be "base64" or "url".`, `${at}.type`, "invalid_value");
}

/** A PDF becomes an OpenAI file part; a plain-text or content document becomes text (and image) parts. */
function documentParts(block: Json, param: string): Part[] {
  const at = `${param}.source`;
  const source = typed(block.source, at);
  switch (source.type) {
    case "base64": {
      const media = string(source.media_type, `${at}.media_type`);
      if (media !== "application/pdf") {
        throw badRequest(`${at}.media_type must be "application/pdf" for a base64 document; send plain text as a "text" source.`, `${at}.media_type`, "unsupported_content");
      }
      const data = string(source.data, `${at}.data`);
      return [{ type: "file", file: { filename: pdfName(block.title), file_data: `data:application/pdf;base64,${data}` }, ...cache(block) }];
    }
    case "text":
      return [{ type: "text", text: string(source.data, `${at}.data`), ...cache(block) }];
    case "content": {
      if (typeof source.content === "string") return [{ type: "text", text: source.content, ...cache(block) }];
      if (!Array.isArray(source.content)) throw badRequest(`${at}.content must be a string or an array of text and image blocks.`, `${at}.content`, "invalid_value");
      return source.content.map((b, k) => {
        const inner = typed(b, `${at}.content[${k}]`);
        if (inner.type === "text") return { type: "text", text: string(inner.text, `${at}.content[${k}].text`) };
        if (inner.type === "image") return imagePart(inner, `${at}.content[${k}]`);
        throw badRequest(`${at}.content[${k}].type must be "text" or "image".`, `${at}.content[${k}].type`, "unsupported_content");
      });
    }
    case "url":
      throw badRequest(`${at}: a document given by URL can only be read by Anthropic models; download it and send it as a base64 source.`, at, "unsupported_content");
    case "file":
      throw filesApi(at);
    default:
      throw badRequest(`${at}.type must be "base64", "text", "content" or "url".`, `${at}.type`, "invalid_value");
  }
}

function pdfName(title: unknown): string {
  if (typeof title !== "string" || !title.trim()) return "document.pdf";
  return /\.pdf$/i.test(title) ? title : `${title}.pdf`;
}

function searchResultText(block: Json, param: string): string {
  const texts = (Array.isArray(block.content) ? block.content : []).map((b, k) => {
    const inner = object(b, `${param}.content[${k}]`);
    return string(inner.text, `${param}.content[${k}].text`);
  });
  const head = [block.title, block.source].filter((s): s is string => typeof s === "string" && s !== "");
  return [...head, ...texts].join("\n");
}
