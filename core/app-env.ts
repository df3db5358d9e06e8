/** What the gateway's Hono app keeps per request (set by the first middleware in app.ts). */
export type AppEnv = { Variables: { requestId: string; startedAt: number; answered?: boolean; cors?: Record<string, string> } };
