/**
 * The gateway's cache keys are `<tenant>/<64 hex>`. A virtual key's tenant is `key:<id>`, so one
 * key's entries are exactly those starting with `key:<id>/` (the slash keeps `key_a` from matching
 * `key_ab`). The admin API purges one key's cache by that prefix.
 */
export function cacheTenantOfKey(id: string): string {
  return `key:${id}`;
}

export function cachePrefixOfKey(id: string): string {
  return `${cacheTenantOfKey(id)}/`;
}
