import { badRequest } from "../../errors.js";

/**
 * The model name goes into the URL path (/v1beta/models/{model}:generateContent): anything that
 * could change the path is refused, and the rest is percent-encoded. "models/x" is accepted as "x".
 */
export function modelPathSegment(model: string): string {
  const name = model.startsWith("models/") ? model.slice("models/".length) : model;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
  if (!name || /[/\\?#%]|\.\.|[\u0000-\u001f\u007f]/.test(name)) {
    throw badRequest(`Invalid Gemini model name "${model.slice(0, 100)}": it may not contain "/", "\\", "..", "?", "#", "%" or control characters.`, "model", "invalid_model");
  }
  return encodeURIComponent(name);
}
