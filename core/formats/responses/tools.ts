import { badRequest } from "../../errors.js";
import { type Dropped, type Json, array, boolean, isObject, nonEmptyString, object, oneOf, own, string } from "./check.js";
import type { NamespaceMap } from "./types.js";

/** An OpenAI chat function tool. */
export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Json; strict?: boolean };
}

const CHAT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The chat function name of tool `name` in namespace `namespace`: `${namespace}__${name}`, or just
 * the two joined when the namespace already ends in "__" (Codex's MCP groups, "mcp__github__", give
 * "mcp__github__get_issue", the name Codex itself uses for MCP tools). It depends on nothing else,
 * so a function_call item from an earlier turn flattens to the same name.
 */
export function flatName(namespace: string, name: string): string {
  const raw = namespace.endsWith("__") ? `${namespace}${name}` : `${namespace}__${name}`;
  if (CHAT_NAME.test(raw)) return raw;
  // Chat providers take [A-Za-z0-9_-]{1,64}; the hash of the original keeps two cleaned names apart.
  return `${raw.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 55)}_${fnv1a(raw)}`;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * The `type` of every tool the gateway cannot offer a chat model (hosted tools such as web_search,
 * custom/freeform tools, also inside namespaces), in order, once each. A strict route refuses these.
 */
export function builtInToolNames(body: unknown): string[] {
  const out = new Set<string>();
  const tools = isObject(body) ? own(body, "tools") : undefined;
  if (!Array.isArray(tools)) return [];
  for (const t of tools) {
    if (!isObject(t) || typeof t.type !== "string" || t.type === "function") continue;
    if (t.type !== "namespace") out.add(t.type);
    else if (Array.isArray(own(t, "tools"))) {
      for (const s of t.tools as unknown[]) if (isObject(s) && typeof s.type === "string" && s.type !== "function") out.add(s.type);
    }
  }
  return [...out];
}

/** Responses `tools` → chat function tools; namespace groups flattened, everything else dropped and listed. */
export function chatTools(value: unknown, dropped: Dropped): { tools: ChatTool[]; namespaces: NamespaceMap } {
  const tools: ChatTool[] = [];
  const namespaces: NamespaceMap = Object.create(null);
  const names = new Set<string>();
  const add = (t: Json, where: string, namespace?: string) => {
    const tool = functionTool(t, where, namespace);
    const name = tool.function.name;
    if (names.has(name)) {
      const how = namespace ? ` (namespace tools are flattened to "<namespace>__<name>")` : "";
      throw badRequest(`${where}.name: more than one tool is named "${name}"${how}; tool names must be unique.`, `${where}.name`);
    }
    names.add(name);
    if (namespace) namespaces[name] = { namespace, name: t.name as string };
    tools.push(tool);
  };
  for (const [i, t] of array(value, "tools").entries()) {
    const where = `tools[${i}]`;
    const tool = object(t, where);
    const type = string(own(tool, "type"), `${where}.type`);
    if (type === "function") add(tool, where);
    else if (type === "namespace") {
      const ns = nonEmptyString(own(tool, "name"), `${where}.name`);
      for (const [j, s] of array(own(tool, "tools"), `${where}.tools`).entries()) {
        const sub = object(s, `${where}.tools[${j}]`);
        const subType = string(own(sub, "type"), `${where}.tools[${j}].type`);
        if (subType === "function") add(sub, `${where}.tools[${j}]`, ns);
        else dropped.add(`tools:${subType}`);
      }
    } else dropped.add(`tools:${type}`);
  }
  return { tools, namespaces };
}

function functionTool(t: Json, where: string, namespace?: string): ChatTool {
  const name = nonEmptyString(own(t, "name"), `${where}.name`);
  const fn: ChatTool["function"] = { name: namespace ? flatName(namespace, name) : name };
  const description = own(t, "description");
  if (description != null) fn.description = string(description, `${where}.description`);
  const parameters = own(t, "parameters");
  if (parameters != null) fn.parameters = object(parameters, `${where}.parameters`, "a JSON Schema object");
  const strict = own(t, "strict");
  if (strict != null) fn.strict = boolean(strict, `${where}.strict`);
  return { type: "function", function: fn };
}

const CHOICE_HINT = 'Use "auto", "none", "required", {"type":"function","name":…} or {"type":"allowed_tools",…}.';

/**
 * Responses `tool_choice` → chat `tool_choice`. `allowed` (from an allowed_tools choice) names the
 * function tools the model may use; the caller keeps only those. A choice of a hosted tool is dropped.
 */
export function chatToolChoice(value: unknown, tools: ChatTool[], dropped: Dropped): { choice?: unknown; allowed?: Set<string> } {
  if (value == null) return {};
  if (typeof value === "string") return { choice: oneOf(value, "tool_choice", ["auto", "none", "required"] as const) };
  const choice = object(value, "tool_choice", `a string or an object. ${CHOICE_HINT}`);
  const type = string(own(choice, "type"), "tool_choice.type", CHOICE_HINT);
  if (type === "function") {
    const name = functionRef(choice, "tool_choice");
    if (!tools.some((t) => t.function.name === name)) {
      throw badRequest(`tool_choice names the function "${name}", which is not among the function tools of this request.`, "tool_choice.name");
    }
    return { choice: { type: "function", function: { name } } };
  }
  if (type === "allowed_tools") {
    const mode = oneOf(own(choice, "mode"), "tool_choice.mode", ["auto", "required"] as const);
    const allowed = new Set<string>();
    for (const [i, t] of array(own(choice, "tools"), "tool_choice.tools").entries()) {
      const ref = object(t, `tool_choice.tools[${i}]`);
      const refType = string(own(ref, "type"), `tool_choice.tools[${i}].type`);
      if (refType === "function") allowed.add(functionRef(ref, `tool_choice.tools[${i}]`));
      else dropped.add(`tool_choice:allowed_tools.${refType}`);
    }
    return { choice: mode, allowed };
  }
  dropped.add(`tool_choice:${type}`);
  return {};
}

/** {type:"function", name, namespace?} → the chat function name it refers to. */
function functionRef(ref: Json, where: string): string {
  const name = nonEmptyString(own(ref, "name"), `${where}.name`);
  const ns = own(ref, "namespace");
  return ns == null ? name : flatName(nonEmptyString(ns, `${where}.namespace`), name);
}
