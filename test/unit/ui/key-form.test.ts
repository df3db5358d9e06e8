/** ui/src/key-form.ts: the key form's text to the admin API's create and patch bodies. */
import { describe, expect, it } from "vitest";
import { createBody, EMPTY_KEY_FORM, filterKeys, keyStatus, keyToForm, patchBody } from "../../../ui/src/key-form.js";
import type { KeyView } from "../../../ui/src/types.js";

const NOW = Date.UTC(2026, 10, 29, 12);
const future = "2030-01-02T03:04";

const key = (over: Partial<KeyView> = {}): KeyView => ({
  id: "key_abc",
  object: "virtual_key",
  name: "prod",
  owner: "team-a",
  hint: "sk-strait-ab…wxyz",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  expiresAt: null,
  disabled: false,
  models: ["openai/*", "anthropic/claude-*"],
  rpm: 60,
  tpm: null,
  maxParallel: null,
  budget: { usd: 25, period: "month" },
  metadata: { team: "a", env: "prod" },
  guardrails: [],
  ...over,
});

describe("createBody", () => {
  it("only the name when nothing else is given", () => {
    expect(createBody({ ...EMPTY_KEY_FORM, name: "  ci  " }, NOW)).toEqual({ ok: true, body: { name: "ci" } });
  });

  it("every field, parsed", () => {
    const b = createBody(
      { name: "prod", owner: "me@example.com", models: "openai/*, anthropic/claude-* ,", rpm: "1,000", tpm: "50000", budgetUsd: "$12.50", budgetPeriod: "day", expiresAt: future, metadata: "team=a\n\n env = prod \nq=a=b" },
      NOW,
    );
    expect(b).toEqual({
      ok: true,
      body: {
        name: "prod",
        owner: "me@example.com",
        models: ["openai/*", "anthropic/claude-*"],
        rpm: 1000,
        tpm: 50000,
        budget: { usd: 12.5, period: "day" },
        expiresAt: new Date(2030, 0, 2, 3, 4).toISOString(),
        metadata: { team: "a", env: "prod", q: "a=b" },
      },
    });
  });

  it("a budget of zero is a budget", () => {
    expect(createBody({ ...EMPTY_KEY_FORM, name: "n", budgetUsd: "0" }, NOW)).toEqual({ ok: true, body: { name: "n", budget: { usd: 0, period: "month" } } });
  });

  it("says which field is wrong", () => {
    const err = (f: Partial<typeof EMPTY_KEY_FORM>) => {
      const b = createBody({ ...EMPTY_KEY_FORM, name: "n", ...f }, NOW);
      return b.ok ? null : b.error;
    };
    expect(err({ name: " " })).toBe("Name is required.");
    expect(err({ rpm: "0" })).toBe("RPM must be a whole number of at least 1.");
    expect(err({ tpm: "1.5" })).toBe("TPM must be a whole number of at least 1.");
    expect(err({ budgetUsd: "ten" })).toMatch(/^Budget \(USD\) must be a number/);
    expect(err({ budgetUsd: "-1" })).toMatch(/^Budget \(USD\) must be a number/);
    expect(err({ models: "openai/gpt 4o" })).toMatch(/^Models: "openai\/gpt 4o" has a space/);
    expect(err({ metadata: "team" })).toBe('Metadata line 1 must be "name=value".');
    expect(err({ metadata: "a=1\n=2" })).toBe('Metadata line 2 must be "name=value".');
    expect(err({ expiresAt: "2020-01-01T00:00" })).toBe("Expires at is in the past.");
    expect(err({ expiresAt: "2030-02-30T00:00" })).toBe("Expires at is not a valid date and time.");
  });
});

describe("keyToForm", () => {
  it("shows a key's fields as text", () => {
    const f = keyToForm(key({ expiresAt: new Date(2030, 0, 2, 3, 4).toISOString() }));
    expect(f).toEqual({ name: "prod", owner: "team-a", models: "openai/*, anthropic/claude-*", rpm: "60", tpm: "", budgetUsd: "25", budgetPeriod: "month", expiresAt: future, metadata: "team=a\nenv=prod" });
    expect(keyToForm(key({ owner: null, models: null, budget: null, metadata: {} }))).toMatchObject({ owner: "", models: "", budgetUsd: "", budgetPeriod: "month", metadata: "" });
  });
});

describe("patchBody", () => {
  const before = keyToForm(key());

  it("nothing changed: an empty body", () => {
    expect(patchBody(before, { ...before }, NOW)).toEqual({ ok: true, body: {} });
    // The same values written differently are no change.
    expect(patchBody(before, { ...before, models: "openai/*,anthropic/claude-*", metadata: "team = a\nenv=prod\n" }, NOW)).toEqual({ ok: true, body: {} });
  });

  it("only the changed fields; an emptied one is null", () => {
    expect(patchBody(before, { ...before, rpm: "", owner: "team-b", tpm: "100" }, NOW)).toEqual({ ok: true, body: { owner: "team-b", rpm: null, tpm: 100 } });
    expect(patchBody(before, { ...before, models: "", metadata: "", budgetUsd: "" }, NOW)).toEqual({ ok: true, body: { models: null, metadata: null, budget: null } });
  });

  it("the budget as a whole when its amount or period changes", () => {
    expect(patchBody(before, { ...before, budgetPeriod: "day" }, NOW)).toEqual({ ok: true, body: { budget: { usd: 25, period: "day" } } });
    const none = keyToForm(key({ budget: null }));
    expect(patchBody(none, { ...none, budgetPeriod: "total" }, NOW)).toEqual({ ok: true, body: {} });
  });

  it("an expiry left alone is not re-sent, even when past; a new one is checked; cleared is null", () => {
    const expired = keyToForm(key({ expiresAt: "2020-01-01T00:00:00.000Z" }));
    expect(patchBody(expired, { ...expired, owner: "x" }, NOW)).toEqual({ ok: true, body: { owner: "x" } });
    expect(patchBody(expired, { ...expired, expiresAt: "" }, NOW)).toEqual({ ok: true, body: { expiresAt: null } });
    expect(patchBody(expired, { ...expired, expiresAt: future }, NOW)).toEqual({ ok: true, body: { expiresAt: new Date(2030, 0, 2, 3, 4).toISOString() } });
    expect(patchBody(before, { ...before, expiresAt: "2021-01-01T00:00" }, NOW)).toEqual({ ok: false, error: "Expires at is in the past." });
  });

  it("the name may change but not be cleared", () => {
    expect(patchBody(before, { ...before, name: "prod-2" }, NOW)).toEqual({ ok: true, body: { name: "prod-2" } });
    expect(patchBody(before, { ...before, name: "" }, NOW)).toEqual({ ok: false, error: "Name is required." });
  });
});

describe("keyStatus and filterKeys", () => {
  it("disabled, expired or active", () => {
    expect(keyStatus(key(), NOW)).toBe("Active");
    expect(keyStatus(key({ disabled: true }), NOW)).toBe("Disabled");
    expect(keyStatus(key({ expiresAt: "2026-11-29T11:59:59Z" }), NOW)).toBe("Expired");
    expect(keyStatus(key({ expiresAt: "2026-11-29T12:00:01Z" }), NOW)).toBe("Active");
  });

  it("matches name, owner or id, any case", () => {
    const keys = [key({ id: "key_1", name: "Prod API", owner: "alice" }), key({ id: "key_2", name: "staging", owner: null }), key({ id: "key_XY", name: "ci", owner: "Bob" })];
    expect(filterKeys(keys, "").map((k) => k.id)).toEqual(["key_1", "key_2", "key_XY"]);
    expect(filterKeys(keys, "prod").map((k) => k.id)).toEqual(["key_1"]);
    expect(filterKeys(keys, " BOB ").map((k) => k.id)).toEqual(["key_XY"]);
    expect(filterKeys(keys, "key_x").map((k) => k.id)).toEqual(["key_XY"]);
    expect(filterKeys(keys, "nobody")).toEqual([]);
  });
});
