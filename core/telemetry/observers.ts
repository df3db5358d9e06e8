import type { TelemetryConfig } from "../config.js";
import type { CallObserver, Gateway } from "../gateway.js";
import { OtlpExporter, postWith } from "./otlp-exporter.js";

/**
 * Spans of each finished call to the OTLP endpoint: queued as the call finishes, posted once the
 * write-behind delay passes (at once on Lambda and Workers, where it is 0, so the deferred work
 * covers the post), or as soon as a batch fills.
 */
export function otlpObserver(gw: Gateway, otlp: NonNullable<TelemetryConfig["otlp"]>): CallObserver {
  const exporter = new OtlpExporter({
    endpoint: otlp.endpoint,
    headers: { ...otlp.headers, "content-type": "application/json" },
    resource: { serviceName: otlp.serviceName },
    post: postWith(gw.runtime.http),
    log: gw.runtime.log,
  });
  let scheduled: Promise<void> | undefined;
  return (record) => {
    const full = exporter.add(record);
    if (full) return full;
    scheduled ??= gw.behind.wait().then(() => {
      scheduled = undefined;
      return exporter.flush();
    });
    return scheduled;
  };
}
