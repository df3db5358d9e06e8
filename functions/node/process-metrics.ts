import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";

/**
 * The Node process's own health for /metrics, in Prometheus' exposition format: resident memory,
 * and the event loop's delay (a histogram sampled every 10 ms since start): what a
 * gateway holding many slow streams at once runs out of first.
 */
let delay: IntervalHistogram | undefined;

export function processMetrics(): () => string {
  // One monitor per process, however many servers it starts (the tests start many).
  delay ??= monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const d = delay;
  return () => {
    const rss = process.memoryUsage.rss();
    const seconds = (ns: number) => (ns / 1e9).toString();
    return [
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      `process_resident_memory_bytes ${rss}`,
      "# HELP nodejs_eventloop_delay_seconds The event loop's delay since the process started, sampled every 10 ms.",
      "# TYPE nodejs_eventloop_delay_seconds summary",
      `nodejs_eventloop_delay_seconds{quantile="0.5"} ${seconds(d.percentile(50))}`,
      `nodejs_eventloop_delay_seconds{quantile="0.99"} ${seconds(d.percentile(99))}`,
      `nodejs_eventloop_delay_seconds{quantile="1"} ${seconds(d.max)}`,
    ].join("\n");
  };
}
