/** Hourly analytics counters in one process's memory (the memory store's part, in a file of its own). */
import { addAnalytics, analyticsDays, checkAnalyticsRow, emptyAnalytics } from "./log-rules.js";
import type { AnalyticsRow, AnalyticsStore } from "./types.js";

export class MemoryAnalytics implements AnalyticsStore {
  /** By hour, key, provider and model (a JSON array: no two of them can collide). */
  private readonly rows = new Map<string, AnalyticsRow>();

  async add(row: AnalyticsRow) {
    checkAnalyticsRow(row);
    const id = JSON.stringify([row.hour, row.keyId, row.provider, row.model]);
    const stored = this.rows.get(id) ?? emptyAnalytics(row);
    this.rows.set(id, addAnalytics(stored, row));
  }

  async query(filter: { from: string; to: string; keyId?: string }) {
    analyticsDays(filter); // the same checks and limits as every adapter
    const out: AnalyticsRow[] = [];
    for (const r of this.rows.values()) {
      if (r.hour < filter.from || r.hour > filter.to) continue;
      if (filter.keyId !== undefined && r.keyId !== filter.keyId) continue;
      out.push(structuredClone(r));
    }
    return out;
  }
}
