/** OpenAI Responses API ⇄ the gateway's chat shapes, for providers without a Responses API. */
export { responsesToChat, type ResponsesToChat } from "./to-chat.js";
export { builtInToolNames, flatName } from "./tools.js";
export { chatToResponse } from "./from-chat.js";
export { ChatToResponsesStream } from "./chat-stream.js";
export { responsesUsageFromChat } from "./usage.js";
export type { NamespaceMap, OutputItem, ResponseContext, ResponseItem, ResponseObject, ResponseUsage } from "./types.js";
