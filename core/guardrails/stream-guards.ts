import type { Gateway } from "../gateway.js";
import type { Call } from "../lifecycle/call.js";
import { ChunkGuard } from "./chunk-guard.js";
import { MessagesEventGuard, ResponsesEventGuard } from "./event-guard.js";

/** The output guard for a stream of OpenAI chunks, when the call has output rules. */
export const chunkGuard = (gw: Gateway, call: Call): ChunkGuard | undefined => (call.guard?.set.output.length ? new ChunkGuard(gw, call.guard) : undefined);

/** The output guard for a native Messages or Responses stream, when the call has output rules. */
export function eventGuard(gw: Gateway, call: Call, api: "messages" | "responses"): MessagesEventGuard | ResponsesEventGuard | undefined {
  if (!call.guard?.set.output.length) return undefined;
  return api === "messages" ? new MessagesEventGuard(gw, call.guard) : new ResponsesEventGuard(gw, call.guard);
}
