import { badRequest } from "../errors.js";

/**
 * An OpenAI tool call's `function.arguments` (a JSON string) → the object that native
 * providers take as tool input; an empty string is `{}`. Anything that is not a JSON
 * object is a 400 naming `where`: "<where> <problem>", with `code` (badRequest's default if omitted).
 */
export function parseToolArguments(
  args: string,
  where: string,
  problem = "must be a JSON object encoded as a string.",
  code?: string,
): Record<string, unknown> {
  if (args.trim() === "") return {};
  try {
    const v = JSON.parse(args);
    if (v && typeof v === "object" && !Array.isArray(v)) return v;
  } catch {
    /* reported below */
  }
  throw badRequest(`${where} ${problem}`, where, code);
}
