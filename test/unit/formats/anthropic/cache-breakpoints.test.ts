import { describe, expect, it } from "vitest";
import { withCacheBreakpoints } from "../../../../core/formats/anthropic/cache-breakpoints.js";
import { withoutUnsignedThinking } from "../../../../core/formats/anthropic/unsigned-thinking.js";

const ephemeral = { type: "ephemeral" };

describe("automatic prompt-cache breakpoints", () => {
  it("marks the system prompt, the last tool and the latest user turn", () => {
    const out = withCacheBreakpoints({
      system: [{ type: "text", text: "a" }, { type: "text", text: "b" }],
      tools: [{ name: "t1" }, { name: "t2" }],
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "reply" },
        { role: "user", content: [{ type: "text", text: "x" }, { type: "image", source: {} }] },
        { role: "assistant", content: "prefill" },
      ],
    });
    expect(out.system).toEqual([{ type: "text", text: "a" }, { type: "text", text: "b", cache_control: ephemeral }]);
    expect(out.tools).toEqual([{ name: "t1" }, { name: "t2", cache_control: ephemeral }]);
    const messages = out.messages as Array<{ content: unknown }>;
    expect(messages[0]!.content).toBe("first");
    expect(messages[2]!.content).toEqual([{ type: "text", text: "x" }, { type: "image", source: {}, cache_control: ephemeral }]);
  });

  it("leaves a request that sets its own breakpoints, or has nothing to mark, as it is", () => {
    const own = { system: [{ type: "text", text: "a", cache_control: ephemeral }], messages: [{ role: "user", content: "q" }] };
    expect(withCacheBreakpoints(own)).toBe(own);
    expect(withCacheBreakpoints({ messages: [] })).toEqual({ messages: [] });
  });
});

describe("thinking blocks without a signature", () => {
  it("are taken out of assistant turns before a native call; signed ones stay", () => {
    const body = {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "thinking", thinking: "t", signature: "" }, { type: "text", text: "a" }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "t", signature: "sig" }] },
      ],
    };
    const out = withoutUnsignedThinking(body).messages as Array<{ content: unknown }>;
    expect(out[1]!.content).toEqual([{ type: "text", text: "a" }]);
    expect(out[2]!.content).toEqual([{ type: "thinking", thinking: "t", signature: "sig" }]);
    const clean = { messages: [{ role: "user", content: "q" }] };
    expect(withoutUnsignedThinking(clean)).toBe(clean);
  });

  it("look for an empty signature anywhere in the messages, as the serialised text would show it, and nowhere else", () => {
    const missing = { role: "assistant", content: [{ type: "thinking", thinking: "t" }, { type: "text", text: "a" }] };
    // An empty signature deep in a tool's input still sends the turns through the filter, which drops the unsigned block.
    const nested = { messages: [missing, { role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: { deep: [{ signature: "" }] } }] }] };
    expect((withoutUnsignedThinking(nested).messages as Array<{ content: unknown }>)[0]!.content).toEqual([{ type: "text", text: "a" }]);
    // Text that merely mentions it, or a signature elsewhere in the body, does not.
    const mention = { messages: [missing, { role: "user", content: '{"signature":""}' }], metadata: { signature: "" } };
    expect(withoutUnsignedThinking(mention)).toBe(mention);
  });
});
