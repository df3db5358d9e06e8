import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { customCostMicros, parseCustomCost } from "../../../core/pricing/custom-cost.js";

describe("cf-aig-custom-cost", () => {
  it("takes a price per token, or a total for the call, in USD", () => {
    expect(parseCustomCost('{"per_token_in":0.000001,"per_token_out":0.000002}')).toEqual({ perTokenIn: 0.000001, perTokenOut: 0.000002 });
    expect(parseCustomCost('{"total_cost": 0.0042}')).toEqual({ totalCost: 0.0042 });
    expect(parseCustomCost('{"total_cost": 0}')).toEqual({ totalCost: 0 });
    // Cloudflare's cache-read and cache-write rates, with the per-token form.
    expect(parseCustomCost('{"per_token_in":3e-6,"per_token_out":1.5e-5,"per_cache_read_token":3e-7,"per_cache_write_token":3.75e-6}')).toEqual({
      perTokenIn: 3e-6,
      perTokenOut: 1.5e-5,
      perCacheReadToken: 3e-7,
      perCacheWriteToken: 3.75e-6,
    });
  });

  it.each([
    ["not JSON", "per_token_in=1"],
    ["empty", ""],
    ["an array", "[1,2]"],
    ["null", "null"],
    ["a number", "0.5"],
    ["no keys", "{}"],
    ["one of the pair", '{"per_token_in":0.000001}'],
    ["a negative price", '{"per_token_in":-1,"per_token_out":0}'],
    ["a string price", '{"total_cost":"0.1"}'],
    ["a non-finite price", '{"total_cost":1e999}'],
    ["null price", '{"total_cost":null}'],
    ["an extra key", '{"total_cost":0.1,"currency":"EUR"}'],
    ["both forms", '{"per_token_in":0.000001,"per_token_out":0.000002,"total_cost":0.1}'],
    ["a cache rate alone", '{"per_cache_read_token":0.000001}'],
    ["a prototype key", '{"__proto__":{"total_cost":1}}'],
  ])("refuses %s with a 400 naming the accepted forms", (_, header) => {
    let err: unknown;
    try {
      parseCustomCost(header);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).message).toContain('{"per_token_in"');
    expect((err as GatewayError).message).toContain('{"total_cost"');
  });

  it("costs the call in micro-dollars", () => {
    const usage = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 400, cache_write_tokens: 100 } };
    expect(customCostMicros({ perTokenIn: 0.000001, perTokenOut: 0.000002 }, usage)).toBe(1000 + 1000);
    expect(customCostMicros({ perTokenIn: 0.000001, perTokenOut: 0.000002, perCacheReadToken: 0, perCacheWriteToken: 0.000004 }, usage)).toBe(500 + 400 + 1000);
    expect(customCostMicros({ totalCost: 0.0042 }, usage)).toBe(4200);
    expect(customCostMicros({ totalCost: 0.0042 }, undefined)).toBe(4200);
    expect(customCostMicros({ perTokenIn: 1, perTokenOut: 1 }, undefined)).toBe(0);
  });
});
