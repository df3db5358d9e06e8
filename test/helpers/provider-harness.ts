import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { CallRecord } from "../../core/types.js";
import type { RunningServer } from "../../functions/node/server.js";
import { startGateway } from "./gateway.js";

/** A provider stand-in: startMockUpstream's or startBedrockUpstream's. */
interface Upstream {
  url: string;
  requests: unknown[];
  close(): Promise<void>;
}

export interface ProviderHarness<U extends Upstream> {
  upstream: U;
  /** The real local server, its one provider pointed at `upstream`. */
  gw: RunningServer;
  /** The openai SDK against the gateway's /v1, with the gateway token, no retries. */
  client: OpenAI;
  /** Every call record the gateway reports. */
  records: CallRecord[];
}

/**
 * The set-up of one provider's integration tests, as vitest hooks of the describe it is called in:
 * before all, start the upstream stand-in and a gateway with `providers(upstream.url)` that takes
 * `token`, and collect its call records; before each, forget the requests and records of earlier
 * tests; after all, close both. The fields are set once the beforeAll hook has run.
 */
export function useProviderHarness<U extends Upstream>(opts: {
  upstream: () => Promise<U>;
  /** The config file's `providers`, given the upstream's URL. */
  providers: (upstreamUrl: string) => Record<string, unknown>;
  token: string;
}): ProviderHarness<U> {
  const h = { records: [] as CallRecord[] } as ProviderHarness<U>;
  beforeAll(async () => {
    h.upstream = await opts.upstream();
    h.gw = await startGateway({ providers: opts.providers(h.upstream.url) }, { STRAIT_GATEWAY_TOKENS: opts.token });
    h.gw.gateway.observers.push((r) => void h.records.push(r));
    h.client = new OpenAI({ apiKey: opts.token, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await h.gw?.close();
    await h.upstream?.close();
  });
  beforeEach(async () => {
    await h.gw.settled(); // the calls of the test before are observed (one turn after they finish), so none lands in this one's records
    h.upstream.requests.length = 0;
    h.records.length = 0;
  });
  return h;
}
