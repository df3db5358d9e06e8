/** The local server's request log: MemoryLogs with a journal per day, replayed at start. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../core/store/memory.js";
import { JournalLogs } from "../../functions/node/journal-logs.js";
import { describeStoreContract, logEntry } from "./contract.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "strait-journal-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describeStoreContract("journal request log (the local server's)", async (now) => ({ ...memoryStore({ now }), logs: await JournalLogs.open(tempDir(), { now }) }));

describe("journal request log", () => {
  it("survives a restart: entries, patches and deletions replay in order", async () => {
    const dir = tempDir();
    const first = await JournalLogs.open(dir);
    const guardrails = [{ policy: "pii", rule: "emails", stage: "input" as const, action: "redact" as const, count: 2, labels: ["EMAIL"] }];
    const a = logEntry(Date.now(), { keyId: "key_journal", requestBody: "q é", responseBody: "a", guardrails });
    const b = logEntry(Date.now() + 1, { keyId: "key_journal" });
    await first.put([a, b]);
    await first.patch(a.id, { feedback: 1, score: 70, metadata: { reviewed: true } });
    await first.delete(b.id);

    const second = await JournalLogs.open(dir);
    expect(await second.get(a.id)).toEqual({ ...a, feedback: 1, score: 70, metadata: { ...a.metadata, reviewed: true } });
    expect(await second.get(b.id)).toBeNull();
    expect((await second.list({ keyId: "key_journal" })).items.map((e) => e.id)).toEqual([a.id]);
    expect((await second.list({ keyId: "key_journal", guardrail: "redact" })).items.map((e) => e.guardrails)).toEqual([guardrails]);
  });

  it("skips a line cut by a crash, and deletes files whose entries all expired", async () => {
    const dir = tempDir();
    let time = Date.parse("2026-11-01T12:00:00Z");
    const now = () => time;
    const logs = await JournalLogs.open(dir, { now });
    const old = { ...logEntry(time), expiresAt: time + 86_400_000 };
    await logs.put([old]);
    appendFileSync(join(dir, "2026-11-01.jsonl"), '{"put":{"id":"cut');
    writeFileSync(join(dir, "notes.txt"), "not a journal");
    time += 3 * 86_400_000;
    const later = await JournalLogs.open(dir, { now });
    expect(await later.get(old.id)).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(["notes.txt"]);
  });

  it("keeps the newest entries queryable when told to keep fewer", async () => {
    const dir = tempDir();
    const logs = await JournalLogs.open(dir, { maxEntries: 3 });
    const entries = Array.from({ length: 5 }, (_, i) => logEntry(Date.now() + i, { keyId: "key_bound" }));
    await logs.put(entries);
    const again = await JournalLogs.open(dir, { maxEntries: 3 });
    expect((await again.list({ keyId: "key_bound" })).items.map((e) => e.id)).toEqual(entries.slice(2).reverse().map((e) => e.id));
  });
});
