/** A call record's guardrail hits in its log entry: a copy, and only when some rule matched. */
import { describe, expect, it } from "vitest";
import type { FinishedCall } from "../../../core/lifecycle/call.js";
import { logEntry } from "../../../core/logs/entry.js";
import type { CallRecord, GuardHit } from "../../../core/types.js";

const call: FinishedCall = { scrub: (t) => t };
const record = (guardrails?: GuardHit[]): CallRecord => ({ requestId: "01JD0000000000000000000000", endpoint: "chat", status: 200, stream: false, startedAt: 1, durationMs: 2, principal: "key_a", guardrails });

describe("log entry guardrails", () => {
  it("copies the record's hits: changing the record later changes nothing logged", async () => {
    const hits: GuardHit[] = [
      { policy: "pii", rule: "emails", stage: "input", action: "redact", count: 2, labels: ["EMAIL"] },
      { policy: "mod", rule: "judge", stage: "output", action: "flag", count: 1, failedOpen: true },
    ];
    const r = record(hits);
    const entry = await logEntry(r, call, 1000);
    expect(entry.guardrails).toEqual(hits);
    hits[0]!.labels!.push("PHONE");
    hits[1]!.count = 7;
    expect(entry.guardrails).toEqual([
      { policy: "pii", rule: "emails", stage: "input", action: "redact", count: 2, labels: ["EMAIL"] },
      { policy: "mod", rule: "judge", stage: "output", action: "flag", count: 1, failedOpen: true },
    ]);
  });

  it("leaves the field out when no rule matched", async () => {
    expect(await logEntry(record(), call, 1000)).not.toHaveProperty("guardrails");
    expect(await logEntry(record([]), call, 1000)).not.toHaveProperty("guardrails");
  });
});
