type Json = Record<string, unknown>;

/**
 * A Messages request without the thinking blocks that carry no signature. The gateway's own
 * translated answers (from a model that is not Claude) give thinking blocks an empty signature;
 * sent back to Claude when a conversation moves there, Anthropic refuses them with a 400. The same
 * object when there are none.
 */
export function withoutUnsignedThinking(body: Json): Json {
  if (!Array.isArray(body.messages) || !hasEmptySignature(body.messages, 0)) return body;
  const messages = (body.messages as Json[]).map((m) =>
    m?.role === "assistant" && Array.isArray(m.content)
      ? { ...m, content: (m.content as Json[]).filter((b) => !(b?.type === "thinking" && !b.signature)) }
      : m,
  );
  return { ...body, messages };
}

/**
 * Whether any object in `v` has a "signature" of "" — what JSON.stringify(v) containing
 * `"signature":""` says, found without serialising a coding agent's whole conversation on every
 * request. Parsed bodies nest at most MAX_JSON_DEPTH (128) deep; past that it answers yes, and the
 * filter above decides.
 */
function hasEmptySignature(v: unknown, depth: number): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (depth > 200) return true;
  if (Array.isArray(v)) {
    for (const item of v) if (hasEmptySignature(item, depth + 1)) return true;
    return false;
  }
  const o = v as Json;
  if (Object.hasOwn(o, "signature") && o.signature === "") return true;
  for (const key in o) if (hasEmptySignature(o[key], depth + 1)) return true;
  return false;
}
