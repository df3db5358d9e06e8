type Json = Record<string, unknown>;

/**
 * A Messages request without the thinking blocks that carry no signature. The gateway's own
 * translated answers (from a model that is not Claude) give thinking blocks an empty signature;
 * sent back to Claude when a conversation moves there, Anthropic refuses them with a 400. The same
 * object when there are none.
 */
export function withoutUnsignedThinking(body: Json): Json {
  if (!Array.isArray(body.messages) || !JSON.stringify(body.messages).includes('"signature":""')) return body;
  const messages = (body.messages as Json[]).map((m) =>
    m?.role === "assistant" && Array.isArray(m.content)
      ? { ...m, content: (m.content as Json[]).filter((b) => !(b?.type === "thinking" && !b.signature)) }
      : m,
  );
  return { ...body, messages };
}
