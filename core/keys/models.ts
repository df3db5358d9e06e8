import { forbidden } from "../errors.js";
import type { Target } from "../lifecycle/route.js";
import type { VirtualKeyRecord } from "../store/types.js";

/** `*` matches any run of characters (slashes included), `?` one character; the rest is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

const compiled = new WeakMap<string[], RegExp[]>();

function patterns(globs: string[]): RegExp[] {
  let p = compiled.get(globs);
  if (!p) compiled.set(globs, (p = globs.map(globToRegExp)));
  return p;
}

export function matchesAny(globs: string[], name: string): boolean {
  return patterns(globs).some((re) => re.test(name));
}

/**
 * The targets this key may use. A key without `models` may use all. A model alias is allowed
 * whole when its own name matches a glob; otherwise only the targets whose "provider/model"
 * matches remain (so a fallback chain skips what the key may not use). None left: 403.
 */
export function allowedTargets(key: VirtualKeyRecord | undefined, requested: string, targets: Target[]): Target[] {
  const globs = key?.models;
  if (!globs) return targets;
  if (matchesAny(globs, requested)) return targets;
  const allowed = targets.filter((t) => matchesAny(globs, `${t.route.name}/${t.model}`));
  if (allowed.length) return allowed;
  const resolved = targets.map((t) => `${t.route.name}/${t.model}`).join(", ");
  throw forbidden(
    `This key may not use model "${requested}"${resolved && resolved !== requested ? ` (resolves to ${resolved})` : ""}. Allowed: ${globs.join(", ") || "none"}.`,
    "model_not_allowed",
  );
}

/** GET /v1/models for a key with an allow-list: only the names its globs match. */
export function visibleModels<T extends { id: string }>(key: VirtualKeyRecord | undefined, models: T[]): T[] {
  const globs = key?.models;
  return globs ? models.filter((m) => matchesAny(globs, m.id)) : models;
}
