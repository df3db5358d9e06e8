import { describe, expect, it } from "vitest";
import { mergeFindings, redact } from "../../../core/guardrails/detectors/find.js";
import { PII_DETECTORS } from "../../../core/guardrails/detectors/pii.js";
import { SECRET_DETECTORS } from "../../../core/guardrails/detectors/secrets.js";
import { estimateTokens } from "../../../core/guardrails/detectors/tokens.js";
import type { Finding } from "../../../core/guardrails/types.js";

const ALL_DETECTORS = [...Object.values(PII_DETECTORS), ...Object.values(SECRET_DETECTORS)];
const detectAll = (text: string) => mergeFindings(ALL_DETECTORS.map((detect) => detect(text)));

const f = (start: number, end: number, label: string): Finding => ({ start, end, label });

describe("mergeFindings", () => {
  it("sorts by start across lists", () => {
    expect(mergeFindings([[f(10, 12, "B")], [f(0, 2, "A"), f(20, 22, "C")]])).toEqual([f(0, 2, "A"), f(10, 12, "B"), f(20, 22, "C")]);
  });

  it("merges overlapping spans; the longer span's label wins", () => {
    expect(mergeFindings([[f(0, 10, "EMAIL")], [f(5, 30, "PHONE")]])).toEqual([f(0, 30, "PHONE")]);
    expect(mergeFindings([[f(5, 30, "PHONE")], [f(0, 10, "EMAIL")]])).toEqual([f(0, 30, "PHONE")]);
    expect(mergeFindings([[f(0, 20, "IBAN")], [f(4, 8, "PHONE")]])).toEqual([f(0, 20, "IBAN")]);
    expect(mergeFindings([[f(0, 5, "A"), f(3, 9, "B"), f(8, 12, "C")]])).toEqual([f(0, 12, "B")]);
    expect(mergeFindings([[f(0, 5, "FIRST")], [f(2, 7, "SECOND")]])).toEqual([f(0, 7, "FIRST")]);
  });

  it("keeps touching spans apart, drops empty ones, and leaves its input alone", () => {
    const a = [f(0, 5, "A"), f(7, 7, "EMPTY")];
    const b = [f(5, 9, "B")];
    expect(mergeFindings([a, b])).toEqual([f(0, 5, "A"), f(5, 9, "B")]);
    const overlapping = [f(0, 5, "A"), f(2, 9, "B")];
    mergeFindings([overlapping]);
    expect(overlapping).toEqual([f(0, 5, "A"), f(2, 9, "B")]);
    expect(mergeFindings([])).toEqual([]);
  });
});

describe("redact", () => {
  it("replaces each span with [LABEL]", () => {
    expect(redact("mail a@b.co now", [f(5, 11, "EMAIL")])).toBe("mail [EMAIL] now");
    expect(redact("abcdef", [f(0, 2, "X"), f(4, 6, "Y")])).toBe("[X]cd[Y]");
    expect(redact("abc", [])).toBe("abc");
  });

  it("takes findings in any order, overlapping ones merged", () => {
    expect(redact("0123456789", [f(6, 8, "B"), f(1, 3, "A"), f(2, 5, "C")])).toBe("0[C]5[B]89");
  });
});

describe("all detectors on one text", () => {
  it("find every kind in running text, and redact it", () => {
    const text =
      "Hi, I'm Jane (jane.doe@example.com, +44 20 7946 0958). Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, " +
      "SSN 123-45-6789, from 10.0.0.1. Key AKIAIOSFODNN7EXAMPLE; released v1.2.3 on 2024-01-15 at 12:30:45.";
    expect(redact(text, detectAll(text))).toBe(
      "Hi, I'm Jane ([EMAIL], [PHONE]). Card [CARD], IBAN [IBAN], SSN [SSN], from [IP_ADDRESS]. Key [AWS_ACCESS_KEY]; released v1.2.3 on 2024-01-15 at 12:30:45.",
    );
  });

  it("each detector's findings are sorted, apart, and inside the text", () => {
    const text = MIXED_4K;
    for (const [kind, detect] of Object.entries({ ...PII_DETECTORS, ...SECRET_DETECTORS })) {
      const findings = detect(text);
      expect(findings.length, kind).toBeGreaterThan(0);
      findings.forEach((x, i) => {
        expect(x.start, kind).toBeGreaterThanOrEqual(i === 0 ? 0 : findings[i - 1]!.end);
        expect(x.end, kind).toBeGreaterThan(x.start);
        expect(x.end, kind).toBeLessThanOrEqual(text.length);
      });
    }
  });

  it("take under 2 ms a run on 4 KB of mixed text (average of 200 runs, after a warm-up)", () => {
    expect(MIXED_4K.length).toBe(4096);
    for (let i = 0; i < 50; i++) detectAll(MIXED_4K);
    const started = performance.now();
    for (let i = 0; i < 200; i++) detectAll(MIXED_4K);
    const averageMs = (performance.now() - started) / 200;
    expect(averageMs).toBeLessThan(2);
  });

  it("stay linear on 64 KB built to make a regex backtrack", () => {
    const units = ["a", "a.", "1", "1 ", "12-", "1.", "a@", "x@a.", ":", "a:", "+1 ", "(1) ", "AB12 ", "eyJaaaaaaaaaaa.", "sk-", "-----BEGIN PRIVATE KEY-----", "secret_access_key = "];
    for (const unit of units) {
      const text = unit.repeat(Math.ceil(65536 / unit.length)).slice(0, 65536);
      const started = performance.now();
      detectAll(text);
      expect(performance.now() - started, unit).toBeLessThan(250);
    }
  });
});

describe("estimateTokens", () => {
  it("counts about 4 characters a token for Latin text", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
    expect(estimateTokens("a".repeat(4000))).toBe(1000);
  });

  it("counts a token for each CJK character (Han, kana, Hangul, astral Han)", () => {
    expect(estimateTokens("你好世界")).toBe(4);
    expect(estimateTokens("こんにちは")).toBe(5);
    expect(estimateTokens("안녕하세요")).toBe(5);
    expect(estimateTokens("𠀀𠀁")).toBe(2);
    expect(estimateTokens("hello 世界。")).toBe(3 + 2);
  });

  it("counts other scripts and emoji by their characters", () => {
    expect(estimateTokens("привет")).toBe(2);
    expect(estimateTokens("😀😀")).toBe(1);
  });
});

/** 4 KB of prose with every kind of finding, and the look-alikes, in it. */
const MIXED_4K = (() => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
  const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
  const para =
    "Hello team, please review the Q3 plan: revenue rose 12.5% to 1,234,567.89 EUR on 2024-01-15 at 12:30:45 (build 1.2.3.4). " +
    "Contact a.b@example.com or call +44 20 7946 0958 or (415) 555-2671; card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, " +
    "SSN 123-45-6789, host 10.0.0.1 and 2001:db8::1. Keys AKIAIOSFODNN7EXAMPLE, sk-proj-abcDEF1234567890abcdefGHIJ, " +
    "sk-ant-api03-abcDEF1234567890abcdefGHIJ, AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5pQr, sk-strait-abcDEF1234567890abcdefGHIJ " +
    `and a token ${jwt} were leaked; order 12345678 shipped.\n${pem}\n`;
  const filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ";
  let text = para;
  while (text.length < 4096) text += filler;
  return text.slice(0, 4096);
})();
