import type { Gateway } from "../gateway.js";

export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/** GET /v1/models: the aliases, then each listed provider's well-known models and its `provider/*`. */
export function listModels(gw: Gateway): ModelEntry[] {
  const data: ModelEntry[] = [];
  const add = (id: string, owner: string) => data.push({ id, object: "model", created: 0, owned_by: owner });
  for (const alias of Object.keys(gw.config.models)) add(alias, "strait");
  for (const name of gw.routeNames()) {
    const r = gw.route(name)!;
    if (!gw.isListed(r)) continue;
    const models = r.config.models ?? r.provider.models ?? [];
    for (const m of models) add(`${name}/${m}`, name);
    add(`${name}/*`, name);
  }
  return data;
}
