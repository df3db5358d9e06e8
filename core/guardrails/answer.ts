import { GatewayError } from "../errors.js";
import type { Gateway } from "../gateway.js";
import type { Call } from "../lifecycle/call.js";
import type { Usage } from "../types.js";
import { guardJsonAnswer } from "./prompt.js";
import type { PromptFormat } from "./text-fields.js";

/**
 * The output stage on an answer read whole, for the routes: the call's output rules on `json`
 * (rewritten in place where one redacts: true), their headers added to the answer's. A block
 * finishes the call with the answer's usage (the tokens were spent) and throws the 403. Without
 * output rules it is false at once, no promise made.
 */
export function guardAnswer(gw: Gateway, call: Call, format: PromptFormat, json: unknown, usage: Usage | undefined, headers: Record<string, string>): false | Promise<boolean> {
  const guard = call.guard;
  if (!guard?.set.output.length) return false;
  return guardJsonAnswer(gw, guard, format, json).then(
    (changed) => {
      Object.assign(headers, guard.headers());
      return changed;
    },
    (e) => {
      if (e instanceof GatewayError) call.finish({ status: e.status, usage, error: e.message, errorCode: e.code ?? e.type });
      throw e;
    },
  );
}
