type Json = Record<string, unknown>;

const EPHEMERAL = { type: "ephemeral" };

/**
 * A Messages request with prompt-cache breakpoints added, for clients that never set them: after
 * the system prompt, after the last tool, and after the last block of the latest user turn (three
 * of Anthropic's four). Unchanged (the same object) when the request sets any cache_control itself.
 */
export function withCacheBreakpoints(body: Json): Json {
  if (JSON.stringify(body).includes('"cache_control"')) return body;
  const out: Json = { ...body };
  if (typeof body.system === "string" && body.system) out.system = [{ type: "text", text: body.system, cache_control: EPHEMERAL }];
  else if (Array.isArray(body.system) && body.system.length) out.system = markLast(body.system);
  if (Array.isArray(body.tools) && body.tools.length) out.tools = markLast(body.tools);
  if (Array.isArray(body.messages)) {
    const messages = [...body.messages] as Json[];
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (m?.role !== "user") continue;
      if (typeof m.content === "string" && m.content) messages[i] = { ...m, content: [{ type: "text", text: m.content, cache_control: EPHEMERAL }] };
      else if (Array.isArray(m.content) && m.content.length) messages[i] = { ...m, content: markLast(m.content) };
      break;
    }
    out.messages = messages;
  }
  return out;
}

function markLast(list: unknown[]): unknown[] {
  const last = list.at(-1);
  if (!last || typeof last !== "object") return list;
  return [...list.slice(0, -1), { ...(last as Json), cache_control: EPHEMERAL }];
}
