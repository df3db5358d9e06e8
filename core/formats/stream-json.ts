import { upstreamError } from "../errors.js";

/**
 * The JSON payload of one upstream stream event. Text that is not JSON is the upstream's
 * fault: a 502 "<sender> sent <what> that is not JSON." (code bad_upstream_stream), so the
 * client's error names the provider that sent it.
 */
export function parseStreamJson(text: string, sender: string, what = "a stream event"): any {
  try {
    return JSON.parse(text);
  } catch {
    throw upstreamError(502, `${sender} sent ${what} that is not JSON.`, "bad_upstream_stream");
  }
}
