import { badRequest } from "../errors.js";
import type { Gateway } from "../gateway.js";
import type { Call } from "../lifecycle/call.js";

/**
 * Settings of the translating routes (/v1/messages, /v1/responses) that a virtual key or a model
 * alias turns on: the key's wins where it sets one.
 */
function setting<K extends "strictTools" | "promptCaching">(gw: Gateway, call: Call, model: string, name: K) {
  const fromKey = call.auth?.key?.[name];
  if (fromKey !== undefined) return fromKey;
  return Object.hasOwn(gw.config.models, model) ? gw.config.models[model]![name] : undefined;
}

export const promptCachingAuto = (gw: Gateway, call: Call, model: string) => setting(gw, call, model, "promptCaching") === "auto";

/** With strictTools, tools a translated target can't run are a 400 naming them rather than left out. */
export function refuseDroppedTools(gw: Gateway, call: Call, model: string, tools: string[]) {
  if (!tools.length || setting(gw, call, model, "strictTools") !== true) return;
  throw badRequest(
    `The tools ${tools.join(", ")} can't run on the provider this request goes to, and this ${call.auth?.key?.strictTools ? "key" : "model alias"} has strictTools on. Remove them, or route to a provider that runs them natively.`,
    "tools",
    "unsupported_tool",
  );
}
