import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { passesChatSchema } from "../../../core/lifecycle/chat-check.js";
import { requestSchemas } from "../../../core/lifecycle/validate.js";

/** A chat body with every field ChatSchema knows set to a valid value. */
const full = () => ({
  model: "openai/gpt-4o",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "hi" }] },
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
    { role: "tool", tool_call_id: "c1", content: "ok" },
  ],
  stream: true,
  stream_options: { include_usage: true },
  temperature: 0.5,
  top_p: 1,
  n: 1,
  max_tokens: 10,
  max_completion_tokens: 10,
  stop: ["\n"],
  tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
  tool_choice: "auto",
  response_format: { type: "text" },
  user: "u",
  extra: { anything: [1, 2] },
});

/** Values of every JSON shape, each field is tried with all of them. */
const SHAPES: unknown[] = [undefined, null, true, false, 0, 1, 2, 1.5, -1, "", "x", "user", "a".repeat(257), [], ["x"], [1], [{}], [{ type: "t" }], [{ type: 1 }], {}, { type: "t" }, { type: 1 }, { name: "", arguments: "" }, { name: "n", arguments: "{}" }, { include_usage: "yes" }];

/** Paths into the full body whose value is replaced (or removed, for undefined). */
const PATHS: Array<Array<string | number>> = [
  ["model"],
  ["messages"],
  ["messages", 0],
  ["messages", 0, "role"],
  ["messages", 1, "content"],
  ["messages", 1, "content", 0],
  ["messages", 1, "content", 0, "type"],
  ["messages", 2, "tool_calls"],
  ["messages", 2, "tool_calls", 0],
  ["messages", 2, "tool_calls", 0, "id"],
  ["messages", 2, "tool_calls", 0, "type"],
  ["messages", 2, "tool_calls", 0, "function"],
  ["messages", 2, "tool_calls", 0, "function", "name"],
  ["messages", 2, "tool_calls", 0, "function", "arguments"],
  ["messages", 3, "tool_call_id"],
  ["stream"],
  ["stream_options"],
  ["stream_options", "include_usage"],
  ["temperature"],
  ["top_p"],
  ["n"],
  ["max_tokens"],
  ["max_completion_tokens"],
  ["stop"],
  ["stop", 0],
  ["tools"],
  ["tools", 0],
  ["tools", 0, "type"],
  ["tools", 0, "function"],
  ["tools", 0, "function", "name"],
  ["tools", 0, "function", "parameters"],
  ["tool_choice"],
  ["tool_choice", "type"],
  ["response_format"],
  ["response_format", "type"],
  ["user"],
];

function withValue(path: Array<string | number>, value: unknown) {
  const body = full() as Record<string | number, any>;
  let at: any = body;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== "object" || at[key] === null) at[key] = {};
    at = at[key];
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = structuredClone(value);
  return body;
}

const valibotPasses = (body: unknown) => v.safeParse(requestSchemas().chat, body, { abortEarly: true }).success;

describe("passesChatSchema", () => {
  it("passes the full body and a minimal one, as ChatSchema does", () => {
    expect(passesChatSchema(full())).toBe(true);
    expect(passesChatSchema({ model: "m", messages: [{ role: "user", content: "hi" }] })).toBe(true);
    expect(valibotPasses(full())).toBe(true);
  });

  it("agrees with ChatSchema for every field set to every JSON shape (and never passes what ChatSchema refuses)", () => {
    const disagreements: string[] = [];
    for (const path of PATHS) {
      for (const value of SHAPES) {
        const body = withValue(path, value);
        const fast = passesChatSchema(body);
        const slow = valibotPasses(body);
        if (fast && !slow) throw new Error(`passed what ChatSchema refuses: ${path.join(".")} = ${JSON.stringify(value)}`);
        // valibot takes an array where it wants an object; the check leaves those to valibot (which then passes them).
        if (fast !== slow && !Array.isArray(value)) disagreements.push(`${path.join(".")} = ${JSON.stringify(value)}: valibot ${slow}`);
      }
    }
    expect(disagreements).toEqual([]);
  });
});
