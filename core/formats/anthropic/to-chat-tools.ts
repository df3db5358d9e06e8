import { badRequest } from "../../errors.js";
import { type Dropped, array, clip, object, quote, string, typed } from "./check.js";

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** The fields of a custom tool that carry over; the others (cache_control, defer_loading, strict, …) are dropped. */
const TOOL_FIELDS = new Set(["type", "name", "description", "input_schema"]);

/**
 * Custom tools (no type, or type "custom") → function tools. Every other tool is one Anthropic
 * defines and runs or schemas itself (web_search_*, bash_*, text_editor_*, code_execution_*,
 * tool_search_*, mcp_toolset, …): no other model can use it, so it is dropped and named in
 * `dropped`, and the request goes on without it. A custom tool with defer_loading is kept and
 * sent up front, since the tool search that would load it is one of the dropped tools.
 */
export function chatTools(raw: unknown, dropped: Dropped): { tools: ChatTool[]; droppedNames: Set<string> } {
  const tools: ChatTool[] = [];
  const droppedNames = new Set<string>();
  array(raw, "tools").forEach((t, i) => {
    const at = `tools[${i}]`;
    const tool = object(t, at);
    if (tool.type != null && tool.type !== "custom") {
      const name = typeof tool.name === "string" ? tool.name : String(tool.type);
      droppedNames.add(name);
      dropped.add(`tools[${clip(name)}]`);
      return;
    }
    const name = string(tool.name, `${at}.name`);
    if (!name) throw badRequest(`${at}.name must not be empty.`, `${at}.name`, "invalid_value");
    const fn: ChatTool["function"] = { name, parameters: object(tool.input_schema, `${at}.input_schema`) };
    if (typeof tool.description === "string") fn.description = tool.description;
    for (const key of Object.keys(tool)) if (!TOOL_FIELDS.has(key)) dropped.add(`tools[].${clip(key)}`);
    tools.push({ type: "function", function: fn });
  });
  return { tools, droppedNames };
}

export interface ChatToolChoice {
  tool_choice?: "auto" | "required" | "none" | { type: "function"; function: { name: string } };
  parallel_tool_calls?: false;
}

/** auto → "auto", any → "required", none → "none", tool → that function; disable_parallel_tool_use → parallel_tool_calls: false. */
export function chatToolChoice(raw: unknown, tools: ChatTool[], droppedNames: Set<string>, dropped: Dropped): ChatToolChoice {
  if (raw == null) return {};
  const c = typed(raw, "tool_choice");
  let choice: ChatToolChoice["tool_choice"];
  if (c.type === "auto") choice = "auto";
  else if (c.type === "any") choice = "required";
  else if (c.type === "none") choice = "none";
  else if (c.type === "tool") {
    const name = string(c.name, "tool_choice.name");
    if (!tools.some((t) => t.function.name === name)) {
      const why = droppedNames.has(name)
        ? "is one of Anthropic's own tools, which this model can't call; choose a custom tool or let the model pick (auto)."
        : "is not one of the tools in this request; add it to tools or name one that is there.";
      throw badRequest(`tool_choice.name ${quote(name)} ${why}`, "tool_choice.name", "invalid_value");
    }
    choice = { type: "function", function: { name } };
  } else throw badRequest('tool_choice.type must be "auto", "any", "tool" or "none".', "tool_choice.type", "invalid_value");
  // OpenAI refuses tool_choice and parallel_tool_calls in a request without tools.
  if (tools.length === 0) {
    if (c.type !== "auto" && c.type !== "none") dropped.add("tool_choice");
    return {};
  }
  const out: ChatToolChoice = { tool_choice: choice };
  if (c.disable_parallel_tool_use === true && c.type !== "none") out.parallel_tool_calls = false;
  return out;
}
