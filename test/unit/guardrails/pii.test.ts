import { describe, expect, it } from "vitest";
import { PII_DETECTORS } from "../../../core/guardrails/detectors/pii.js";
import type { Detector } from "../../../core/guardrails/types.js";

/** Each finding as [the text it covers, its start, its label]: offsets and labels, not just "found something". */
const found = (detector: Detector, text: string) => detector(text).map((f) => [text.slice(f.start, f.end), f.start, f.label]);

/** Positives: each sample alone is one finding covering all of it. */
function expectWhole(detector: Detector, label: string, samples: string[]) {
  for (const s of samples) expect(found(detector, s), s).toEqual([[s, 0, label]]);
}

function expectNone(detector: Detector, samples: string[]) {
  for (const s of samples) expect(found(detector, s), s).toEqual([]);
}

describe("email", () => {
  const { email } = PII_DETECTORS;

  it("finds addresses of the practical RFC 5322 subset", () => {
    expectWhole(email, "EMAIL", ["a.b@example.com", "first.last+tag@sub.example.co.uk", "x_y%z-1@a-b.io", "USER@EXAMPLE.ORG", "a@b.cd"]);
  });

  it("reports exact offsets inside text and punctuation", () => {
    expect(email("(email: a.b@example.com).")).toEqual([{ start: 8, end: 23, label: "EMAIL" }]);
    expect(found(email, "Write to ops@example.org. Or <dev@example.net>, 'qa@example.io'")).toEqual([
      ["ops@example.org", 9, "EMAIL"],
      ["dev@example.net", 30, "EMAIL"],
      ["qa@example.io", 49, "EMAIL"],
    ]);
    expect(found(email, "a@example.com,b@example.net")).toEqual([
      ["a@example.com", 0, "EMAIL"],
      ["b@example.net", 14, "EMAIL"],
    ]);
  });

  it("takes the whole dotted local part, never from inside it", () => {
    expect(found(email, "x.y.z@example.com")).toEqual([["x.y.z@example.com", 0, "EMAIL"]]);
    expect(found(email, "...y@example.com")).toEqual([["y@example.com", 3, "EMAIL"]]);
  });

  it("refuses a host without a dot, a handle, a missing TLD or a one-letter TLD", () => {
    expectNone(email, ["user@localhost", "@handle", "a@b", "foo@bar.c", "foo@-bar.com", "foo@bar..com", "no at sign here"]);
    expect(found(email, "foo@bar.c1 and foo@bar.com1")).toEqual([]);
  });
});

describe("phone", () => {
  const { phone } = PII_DETECTORS;

  it("finds E.164 numbers, with or without grouping", () => {
    expectWhole(phone, "PHONE", ["+14155552671", "+44 20 7946 0958", "+49 (0)30 1234567", "+1 (415) 555-2671", "+33 6 12 34 56 78", "+1-415-555-2671"]);
  });

  it("finds the common national formats", () => {
    expectWhole(phone, "PHONE", [
      "(415) 555-2671",
      "(415)555-2671",
      "415-555-2671",
      "415.555.2671",
      "1-800-555-0199",
      "020 7946 0958",
      "07700 900123",
      "06 12 34 56 78",
      "06.12.34.56.78",
      "030 1234567",
      "030/1234567",
    ]);
  });

  it("reports exact offsets inside text and punctuation", () => {
    expect(phone("Call me at (415) 555-2671.")).toEqual([{ start: 11, end: 25, label: "PHONE" }]);
    expect(found(phone, "UK: 020 7946 0958, DE: +49 (0)30 1234567; US 415.555.2671!")).toEqual([
      ["020 7946 0958", 4, "PHONE"],
      ["+49 (0)30 1234567", 23, "PHONE"],
      ["415.555.2671", 45, "PHONE"],
    ]);
  });

  it("refuses dates, times, versions, ids, cards, IP addresses and amounts", () => {
    expectNone(phone, [
      "2024-01-15",
      "on 2024-01-15T12:30:45Z",
      "12:30:45",
      "1.2.3.4",
      "v10.2.33.4",
      "order 12345678",
      "id 0123456789",
      "4111 1111 1111 1111",
      "4111-1111-1111-1111",
      "4000 0566 5566 5556",
      "192.168.1.1",
      "10.0.0.1",
      "1,234,567.89",
      "$ 12,345.67",
      "01.02.2024",
      "01-02-2024",
      "05/06/2024",
      "123-45-6789",
    ]);
  });

  it("refuses numbers that run on, and digit counts outside 7–15", () => {
    expectNone(phone, ["415-555-26710", "415-555-2671-3", "x415-555-2671", "415-555-2671abc", "+1 234", "+4111111111111111", "0123-45"]);
  });
});

describe("card", () => {
  const { card } = PII_DETECTORS;

  it("finds Luhn-valid numbers of 13–19 digits, unbroken or grouped", () => {
    expectWhole(card, "CARD", [
      "4111 1111 1111 1111",
      "4111-1111-1111-1111",
      "4111111111111111",
      "5555 5555 5555 4444",
      "378282246310005",
      "3782 822463 10005",
      "3056 930902 5904",
      "4222222222222",
      "6011 0000 0000 0000 001",
      "6011000000000000001",
    ]);
  });

  it("reports exact offsets inside text and punctuation", () => {
    expect(card("card: 4111 1111 1111 1111, exp 12/28")).toEqual([{ start: 6, end: 25, label: "CARD" }]);
    expect(found(card, "(4111111111111111) and [3782-822463-10005]")).toEqual([
      ["4111111111111111", 1, "CARD"],
      ["3782-822463-10005", 24, "CARD"],
    ]);
  });

  it("refuses a failed Luhn check", () => {
    expectNone(card, ["4111 1111 1111 1112", "4111111111111112", "3782 822463 10006"]);
  });

  it("refuses digit runs longer than 19, numbers embedded in longer runs, mixed or odd grouping", () => {
    expectNone(card, [
      "41111111111111111111",
      "94111111111111111",
      "4111 1111 1111 1111 1",
      "1 4111 1111 1111 1111",
      "x4111111111111111",
      "4111 1111-1111 1111",
      "41 11 11 11 11 11 11 11",
      "411 1111 1111 1111 1",
    ]);
  });
});

describe("iban", () => {
  const { iban } = PII_DETECTORS;

  it("finds IBANs that pass mod-97 and their country's length, unbroken or in groups of four", () => {
    expectWhole(iban, "IBAN", [
      "GB82 WEST 1234 5698 7654 32",
      "GB82WEST12345698765432",
      "DE89370400440532013000",
      "DE89 3704 0044 0532 0130 00",
      "FR1420041010050500013M02606",
      "NL91ABNA0417164300",
      "NO9386011117947",
      "MT84MALT011000012345MTLCAST001S",
    ]);
  });

  it("checks a country not in the table by mod-97 alone", () => {
    expectWhole(iban, "IBAN", ["XY281234567890ABC"]);
    expectNone(iban, ["XY291234567890ABC"]);
  });

  it("reports exact offsets inside text, and stops at the country's length before a following word", () => {
    expect(iban("IBAN: GB82 WEST 1234 5698 7654 32.")).toEqual([{ start: 6, end: 33, label: "IBAN" }]);
    expect(found(iban, "pay BE68 5390 0754 7034 TODAY")).toEqual([["BE68 5390 0754 7034", 4, "IBAN"]]);
  });

  it("refuses a one-character change, a wrong length for the country, run-on text and bad grouping", () => {
    expectNone(iban, [
      "GB82 WEST 1234 5698 7654 33",
      "GB82WEST12345698765433",
      "DE89370400440532013001",
      "DE88370400440532013000",
      "DE863704004405320130",
      "GB82WEST12345698765432X",
      "XGB82WEST12345698765432",
      "GB82 WEST12 3456 9876 5432",
    ]);
  });
});

describe("ssn", () => {
  const { ssn } = PII_DETECTORS;

  it("finds area-group-serial with dashes or spaces", () => {
    expectWhole(ssn, "SSN", ["123-45-6789", "123 45 6789", "078-05-1120"]);
    expect(ssn("SSN: 123-45-6789.")).toEqual([{ start: 5, end: 16, label: "SSN" }]);
  });

  it("refuses numbers never issued, nine unbroken digits, mixed separators and run-on digits", () => {
    expectNone(ssn, [
      "123456789",
      "000-12-3456",
      "666-12-3456",
      "900-12-3456",
      "999-12-3456",
      "123-00-4567",
      "123-45-0000",
      "123-45 6789",
      "1123-45-6789",
      "123-45-67890",
      "415-555-2671",
    ]);
  });
});

describe("ip", () => {
  const { ip } = PII_DETECTORS;

  it("finds IPv4 dotted quads with octets 0–255", () => {
    expectWhole(ip, "IP_ADDRESS", ["192.168.1.1", "10.0.0.1", "255.255.255.255", "0.0.0.0", "1.2.3.4"]);
    expect(ip("host 10.0.0.1.")).toEqual([{ start: 5, end: 13, label: "IP_ADDRESS" }]);
    expect(found(ip, "(192.168.0.10:8080), 8.8.8.8;")).toEqual([
      ["192.168.0.10", 1, "IP_ADDRESS"],
      ["8.8.8.8", 21, "IP_ADDRESS"],
    ]);
  });

  it("refuses leading zeros, octets over 255 and longer dotted runs", () => {
    expectNone(ip, ["1.2.3.4.5", "v1.2.3.4", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.02.3.4", "1.2.3", "1.2.3.4a"]);
  });

  it("finds IPv6 addresses, full and compressed, with an IPv4 tail", () => {
    expectWhole(ip, "IP_ADDRESS", [
      "2001:db8::1",
      "fe80::1ff:fe23:4567:890a",
      "::1",
      "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
      "::ffff:192.0.2.1",
      "1:2:3:4:5:6:7::",
      "1:2:3:4:5:6:1.2.3.4",
    ]);
    expect(ip("[2001:db8::1]:443")).toEqual([{ start: 1, end: 12, label: "IP_ADDRESS" }]);
    expect(found(ip, "from ::1, to fe80::1.")).toEqual([
      ["::1", 5, "IP_ADDRESS"],
      ["fe80::1", 13, "IP_ADDRESS"],
    ]);
  });

  it("refuses times, MAC addresses, C++ scopes and malformed groups", () => {
    expectNone(ip, [
      "12:30:45",
      "12:30",
      "at 09:15:00.",
      "00:1a:2b:3c:4d:5e",
      "std::vector",
      "a::b",
      "dead::beef",
      "::",
      "2001:db8:::1",
      "1:2:3:4:5:6:7:8:9",
      "1::2:3:4:5:6:7:8",
      "12345::1",
    ]);
  });
});
