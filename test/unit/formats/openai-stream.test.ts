/** The OpenAI stream translator: chunks go on verbatim; it notices errors, the usage, the finish and a stream cut short. */
import { describe, expect, it } from "vitest";
import type { GatewayError } from "../../../core/errors.js";
import { openAIStreamTranslator } from "../../../core/formats/openai-stream.js";

const chunk = (choice: object, extra = "") => `{"id":"c","object":"chat.completion.chunk","choices":[${JSON.stringify(choice)}]${extra}}`;
const delta = (content: string) => chunk({ index: 0, delta: { content }, finish_reason: null });

function endOf(datas: string[]): GatewayError | undefined {
  const t = openAIStreamTranslator();
  for (const data of datas) t.push({ data, event: undefined } as never);
  try {
    t.end();
    return undefined;
  } catch (e) {
    return e as GatewayError;
  }
}

describe("openAIStreamTranslator", () => {
  it("a stream with a finish reason is complete without [DONE]", () => {
    expect(endOf([delta("Hi"), chunk({ index: 0, delta: {}, finish_reason: "stop" })])).toBeUndefined();
  });

  it("a stream with neither a finish reason nor [DONE] was cut short", () => {
    expect(endOf([delta("Hi"), delta(" there")])?.code).toBe("upstream_truncated");
  });

  it("a finish reason quoted in the content is not one", () => {
    expect(endOf([delta('"finish_reason":"stop"'), delta('\\"finish_reason\\": \\"stop\\"')])?.code).toBe("upstream_truncated");
  });

  it("a finish reason that comes with the usage counts too", () => {
    expect(endOf([delta("Hi"), chunk({ index: 0, delta: {}, finish_reason: "length" }, ',"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}')])).toBeUndefined();
  });

  it("a plain delta and a finish chunk go on unparsed; the usage chunk is parsed", () => {
    const t = openAIStreamTranslator();
    const finish = chunk({ index: 0, delta: {}, finish_reason: "stop" });
    expect(t.push({ data: delta("Hi") } as never)[0]).toMatchObject({ plain: true });
    expect(t.push({ data: finish } as never)[0]).toMatchObject({ plain: true, raw: finish });
    const usage = '{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}';
    const [part] = t.push({ data: usage } as never);
    expect(part!.plain).toBeUndefined();
    expect(part!.chunk.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });

  it("an error inside the stream ends it with the upstream's message", () => {
    const t = openAIStreamTranslator();
    expect(() => t.push({ data: '{"error":{"message":"overloaded","code":"server_error"}}' } as never)).toThrow("overloaded");
  });
});
