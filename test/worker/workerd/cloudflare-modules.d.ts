/**
 * The few `cloudflare:*` module members these tests use, declared for the project's type-check
 * (tsconfig uses Node's types; @cloudflare/workers-types would clash with them).
 */
declare module "cloudflare:workers" {
  export const env: import("../../../functions/worker/env.js").WorkerEnv;
}

declare module "cloudflare:test" {
  export function runDurableObjectAlarm(stub: unknown): Promise<boolean>;
  export function runInDurableObject<O, R>(stub: unknown, fn: (instance: O, state: any) => R | Promise<R>): Promise<R>;
  export function createExecutionContext(): { waitUntil(p: Promise<unknown>): void; passThroughOnException(): void };
  export function waitOnExecutionContext(ctx: unknown): Promise<void>;
}
