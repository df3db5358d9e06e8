import { isObject } from "./check.js";

/**
 * An ESTIMATE of a Messages request's input tokens, for /v1/messages/count_tokens when the target
 * can't count: about 4 characters a token over the text of the system prompt, the messages and the
 * tools (their JSON: names, descriptions, schemas), plus a few tokens a message for the turn
 * markup. Images and PDFs count a flat 1,600 tokens each: roughly Anthropic's cost of one
 * full-size image, so many-page PDFs come out low. Real tokenizers differ by model, often by 10–20 %.
 */
export function estimateTokens(body: unknown): number {
  if (!isObject(body)) return 0;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const chars = textChars(body.system) + textChars(messages) + textChars(body.tools);
  const attachments = countAttachments([body.system, messages]);
  return Math.ceil(chars / CHARS_PER_TOKEN) + attachments * ATTACHMENT_TOKENS + messages.length * MESSAGE_OVERHEAD + REQUEST_OVERHEAD;
}

const CHARS_PER_TOKEN = 4;
const ATTACHMENT_TOKENS = 1600;
const MESSAGE_OVERHEAD = 4;
const REQUEST_OVERHEAD = 8;

/** An image, or a document given as a file rather than as text: counted flat, not by its (base64) characters. */
function isAttachment(v: Record<string, unknown>): boolean {
  if ((v.type !== "image" && v.type !== "document") || !isObject(v.source)) return false;
  return v.source.type !== "text" && v.source.type !== "content";
}

/** Characters of every string and key under `root`, attachments' sources left out. A loop, not recursion: depth can't overflow it. */
function textChars(root: unknown): number {
  let chars = 0;
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") chars += v.length;
    else if (typeof v === "number" || typeof v === "boolean") chars += String(v).length;
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (isObject(v)) {
      const attachment = isAttachment(v);
      for (const [k, x] of Object.entries(v)) {
        if (attachment && k === "source") continue;
        chars += k.length;
        stack.push(x);
      }
    }
  }
  return chars;
}

function countAttachments(root: unknown): number {
  let n = 0;
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (isObject(v)) {
      if (isAttachment(v)) n++;
      else for (const x of Object.values(v)) stack.push(x);
    }
  }
  return n;
}
