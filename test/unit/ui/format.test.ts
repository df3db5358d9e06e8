/** ui/src/format.ts: how the admin UI writes costs, counts, durations and times. */
import { describe, expect, it } from "vitest";
import { formatInt, formatMs, formatPercent, formatTime, formatUsd, fromLocalInput, toLocalInput } from "../../../ui/src/format.js";

describe("formatUsd", () => {
  it("four decimals below a dollar, two from a dollar up, with thousands separators", () => {
    expect(formatUsd(0.0123)).toBe("$0.0123");
    expect(formatUsd(0.5)).toBe("$0.5000");
    expect(formatUsd(1)).toBe("$1.00");
    expect(formatUsd(12.5)).toBe("$12.50");
    expect(formatUsd(1234.567)).toBe("$1,234.57");
  });

  it("six decimals below a hundredth of a cent, so a tiny cost is not shown as zero", () => {
    expect(formatUsd(0.000012)).toBe("$0.000012");
    expect(formatUsd(0.00001234)).toBe("$0.000012");
  });

  it("zero, negatives, and no value", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(-2.5)).toBe("-$2.50");
    expect(formatUsd(-0.0000001)).toBe("$0.000000");
    expect(formatUsd(null)).toBe("–");
    expect(formatUsd(undefined)).toBe("–");
    expect(formatUsd(Number.NaN)).toBe("–");
  });
});

describe("formatInt, formatPercent, formatMs", () => {
  it("counts with thousands separators, rounded", () => {
    expect(formatInt(0)).toBe("0");
    expect(formatInt(1234567)).toBe("1,234,567");
    expect(formatInt(999.6)).toBe("1,000");
    expect(formatInt(null)).toBe("–");
  });

  it("a rate as a percentage with one decimal", () => {
    expect(formatPercent(0)).toBe("0.0%");
    expect(formatPercent(0.1234)).toBe("12.3%");
    expect(formatPercent(1)).toBe("100.0%");
    expect(formatPercent(undefined)).toBe("–");
  });

  it("milliseconds, seconds, then minutes", () => {
    expect(formatMs(0)).toBe("0 ms");
    expect(formatMs(850.4)).toBe("850 ms");
    expect(formatMs(1234)).toBe("1.23 s");
    expect(formatMs(75_000)).toBe("1 min 15 s");
    expect(formatMs(null)).toBe("–");
  });
});

describe("times", () => {
  it("formatTime writes local time as YYYY-MM-DD HH:mm:ss", () => {
    const at = new Date(2026, 10, 29, 14, 2, 3).getTime();
    expect(formatTime(at)).toBe("2026-11-29 14:02:03");
    expect(formatTime(new Date(at).toISOString())).toBe("2026-11-29 14:02:03");
    expect(formatTime("not a time")).toBe("–");
    expect(formatTime(null)).toBe("–");
  });

  it("datetime-local values round-trip through epoch ms in local time", () => {
    const at = new Date(2027, 0, 2, 3, 4).getTime();
    expect(toLocalInput(at)).toBe("2027-01-02T03:04");
    expect(fromLocalInput("2027-01-02T03:04")).toBe(at);
    expect(fromLocalInput("2027-01-02T03:04:05")).toBe(at + 5000);
    expect(toLocalInput(null)).toBe("");
  });

  it("fromLocalInput refuses what is not a real local time", () => {
    for (const bad of ["", "2027-01-02", "2027-02-31T10:00", "2027-13-01T00:00", "2027-01-02T25:00", "yesterday"]) {
      expect(fromLocalInput(bad), bad).toBeNaN();
    }
  });
});
