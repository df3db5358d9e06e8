import type { RetryPolicy } from "../config.js";
import { badRequest, notFound } from "../errors.js";
import type { Gateway, ProviderRoute } from "../gateway.js";
import type { Built } from "../upstream/attempt-loop.js";
import type { ClientCredentials } from "../upstream/credentials.js";
import type { CallContext } from "../providers/types.js";
import type { RequestHeaders } from "../http.js";

export interface Target {
  route: ProviderRoute;
  model: string;
  /** Upstream statuses that move on to the next target; absent = any failure does (an alias's onStatusCodes). */
  fallbackOn?: number[];
  /** This target's own settings (a universal-endpoint step's), over the request's. */
  retry?: RetryPolicy;
  timeoutMs?: number;
  clientHeaders?: RequestHeaders;
  client?: ClientCredentials;
  build?(ctx: CallContext): Built | Promise<Built>;
}

/**
 * Where a request's `model` goes, first match wins: a configured alias, `provider/model`,
 * the x-provider header with a bare model, the default provider.
 */
export function resolveTargets(gw: Gateway, model: string, headers: RequestHeaders, random = Math.random): Target[] {
  const alias = Object.hasOwn(gw.config.models, model) ? gw.config.models[model] : undefined;
  if (alias) {
    const targets = alias.targets.map((t) => ({ route: gw.route(t.provider)!, model: t.model, weight: t.weight ?? 1, fallbackOn: alias.onStatusCodes }));
    if (alias.strategy === "loadbalance") {
      const first = weightedPick(targets, random);
      return [targets[first]!, ...targets.filter((_, i) => i !== first)];
    }
    return targets;
  }

  const slash = model.indexOf("/");
  if (slash > 0) {
    const route = gw.route(model.slice(0, slash));
    if (route) return [checked(gw, route, model.slice(slash + 1))];
  }

  const header = headers.get("x-provider");
  if (header) {
    const route = gw.route(header.trim().toLowerCase());
    if (!route) throw notFound(`Unknown provider "${header}" in x-provider. Available providers: ${available(gw)}.`, "provider_not_found");
    return [checked(gw, route, model)];
  }

  if (gw.config.defaultProvider) return [checked(gw, gw.route(gw.config.defaultProvider)!, model)];

  const aliases = Object.keys(gw.config.models);
  throw notFound(
    `Unknown model "${model}". Use "provider/model" (providers: ${available(gw)})` +
      (aliases.length ? `, or one of the aliases: ${aliases.join(", ")}` : "") +
      ". GET /v1/models lists what this gateway routes to.",
    "model_not_found",
    "model",
  );
}

function checked(_gw: Gateway, route: ProviderRoute, model: string): Target {
  if (!model) throw badRequest(`The model name after "${route.name}/" is empty.`, "model");
  const only = route.provider.id === route.name ? undefined : route.config.models;
  if (only?.length && !only.includes(model)) {
    throw notFound(`Provider "${route.name}" has no model "${model}". Its models: ${only.join(", ")}.`, "model_not_found", "model");
  }
  return { route, model };
}

function available(gw: Gateway): string {
  return gw.routeNames().join(", ");
}

function weightedPick(targets: Array<{ weight: number }>, random: () => number): number {
  const total = targets.reduce((s, t) => s + t.weight, 0);
  if (total <= 0) return 0;
  let r = random() * total;
  for (let i = 0; i < targets.length; i++) {
    r -= targets[i]!.weight;
    if (r < 0) return i;
  }
  return targets.length - 1;
}
