import type { Detector, PiiKind } from "../types.js";
import { ibanChecksumValid, luhnValid } from "./checksums.js";
import { IBAN_LENGTHS } from "./iban-lengths.js";
import { mergeFindings } from "./find.js";
import { type MatchCheck, type Span, findAll } from "./scan.js";

/*
 * Each detector is one global regex finding candidates plus a cheap check in JS (digit count,
 * Luhn, mod-97). Patterns refuse, by a lookbehind, to start inside a run of their own characters:
 * only the first position of a run is tried, which keeps every scan linear. Email and IPv6 start
 * at their "@" or first ":" instead, with the part before it read by a lookbehind that captures
 * it: a regex opening on a literal skips ahead to it natively, where one opening on a lookbehind
 * runs that lookbehind at every position of the text, several times slower.
 */

/** The number goes on after the match: a word character, or a separator and a digit. */
const NUMBER_GOES_ON = /\w|[ .,/-]\d/y;
/** The address goes on after the match: another hextet, a word character, or a dot and a digit. */
const ADDRESS_GOES_ON = /[\w:]|\.\d/y;

function goesOn(pattern: RegExp, text: string, at: number): boolean {
  pattern.lastIndex = at;
  return pattern.test(text);
}

// A practical subset of RFC 5322: dot-atoms of the usual characters, a dotted domain, a TLD of 2+ letters.
// The match starts at "@"; group 1, the local part, is read backwards by the lookbehind.
const EMAIL_CHAR = "[A-Za-z0-9_%+-]";
const EMAIL = new RegExp(
  `@(?<=(?<!${EMAIL_CHAR}\\.?)(${EMAIL_CHAR}+(?:\\.${EMAIL_CHAR}+)*)@)(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`,
  "g",
);

/** The match with its group 1 before it: the part its lookbehind read. */
function withLookbehind(match: RegExpExecArray): Span {
  return { start: match.index - match[1]!.length, end: match.index + match[0].length };
}

// +country code, digit groups split by one space, dot or dash, an area code or trunk "(0)" in brackets.
const PHONE_INTERNATIONAL = String.raw`\+[1-9]\d{0,14}(?:(?:[ .-]?\(\d{1,4}\)[ .-]?|[ .-])\d{1,14}){0,6}`;
// North America: (415) 555-2671, 415-555-2671, 415.555.2671; area code and exchange start 2–9.
const PHONE_NANP = String.raw`(?:1 ?)?\([2-9]\d{2}\) ?[2-9]\d{2}[ .-]\d{4}|(?:1-)?[2-9]\d{2}-[2-9]\d{2}-\d{4}|(?:1\.)?[2-9]\d{2}\.[2-9]\d{2}\.\d{4}`;
// A national number after a trunk 0 (UK, FR, DE, …), in at least two groups: 020 7946 0958, 030/1234567, 06.12.34.56.78.
const PHONE_TRUNK = String.raw`0[1-9]\d{0,4}(?:[ -]|\/ ?)\d{2,8}(?:[ -]\d{2,8}){0,3}|0[1-9](?:\.\d{2}){4}`;
const PHONE = new RegExp(String.raw`(?<![\w.,/+-]|\d[ .,/-])(?:${PHONE_INTERNATIONAL}|${PHONE_NANP}|${PHONE_TRUNK})`, "g");
const DATE_SHAPE = /^\d\d[ ./-]\d\d[ ./-](?:\d\d|\d{4})$/;
const NON_DIGITS = /\D/g;

const isPhone: MatchCheck = (match, text) => {
  if (goesOn(NUMBER_GOES_ON, text, match.index + match[0].length)) return false;
  const digits = match[0].replace(NON_DIGITS, "").length;
  return digits >= 7 && digits <= 15 && !DATE_SHAPE.test(match[0]);
};

// 13–19 digits unbroken, or grouped by one kind of separator: 4-4-4-4, 4-4-4-4-3, 4-6-5 (Amex), 4-6-4 (Diners).
const CARD = /(?<!\w|\d[ -])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5})(?!\w|[ -]\d)/g;

const isCard: MatchCheck = (match) => luhnValid(match[0].replace(NON_DIGITS, ""));

// Country, check digits, 11–30 alphanumerics: unbroken, or in groups of four split by one space.
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])/g;
const SPACES = / /g;

/** A known country's IBAN is cut to its length (a grouped IBAN may run into a following word), then checked. */
const ibanSpan: MatchCheck = (match) => {
  const candidate = match[0];
  const compact = candidate.replace(SPACES, "");
  const expected = IBAN_LENGTHS[compact.slice(0, 2)];
  const length = expected ?? compact.length;
  if (compact.length < length || length < 15 || length > 34 || !ibanChecksumValid(compact.slice(0, length))) return false;
  let end = 0;
  for (let kept = 0; kept < length; end++) if (candidate[end] !== " ") kept++;
  if (end < candidate.length && candidate[end] !== " ") return false;
  return { start: match.index, end: match.index + end };
};

// Area-group-serial, split by dashes or spaces; nine digits unbroken are refused (too many false positives).
const SSN = /(?<![\w-]|\d[ -])(\d{3})([ -])(\d{2})\2(\d{4})(?!\w|[ -]\d)/g;

/** Never issued: area 000, 666 or 900–999, group 00, serial 0000. */
const isSsn: MatchCheck = ([, area, , group, serial]) => area !== "000" && area !== "666" && area![0] !== "9" && group !== "00" && serial !== "0000";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_ADDRESS = `${OCTET}(?:\\.${OCTET}){3}`;
const IPV4 = new RegExp(`(?<![\\w.])${IPV4_ADDRESS}(?!\\w|\\.\\d)`, "g");
// IPv6 candidates: up to eight hextets split by colons, an IPv4 address as the last; shape checked
// in isIpv6. The match starts at the first colon; group 1, the hextet before it, is read by the lookbehind.
const HEXTET = "[0-9A-Fa-f]{0,4}";
const IPV6 = new RegExp(`:(?<=(?<![\\w:.])(${HEXTET}):)(?:${IPV4_ADDRESS}|${HEXTET})(?::(?:${IPV4_ADDRESS}|${HEXTET})){1,7}`, "g");
const DIGIT = /\d/;

/**
 * Eight hextets, or fewer around one "::"; an IPv4 tail counts as two. At least one digit, so
 * "::" alone and words like "dead::beef" in code are not taken for addresses. Counted on the
 * colons, without splitting: this runs on every candidate, clock times included.
 */
function isIpv6(candidate: string): boolean {
  const last = candidate.length - 1;
  const gap = candidate.indexOf("::");
  if (gap !== candidate.lastIndexOf("::") || !DIGIT.test(candidate)) return false;
  if ((candidate[0] === ":" && gap !== 0) || (candidate[last] === ":" && gap !== last - 1)) return false;
  let colons = 0;
  for (let i = 0; i <= last; i++) if (candidate[i] === ":") colons++;
  const dot = candidate.indexOf(".");
  if (dot !== -1 && dot < candidate.lastIndexOf(":")) return false;
  const ipv4Tail = dot === -1 ? 0 : 1;
  if (gap === -1) return colons + 1 + ipv4Tail === 8;
  const hextets = colons - 2 + (gap === 0 ? 0 : 1) + (gap === last - 1 ? 0 : 1);
  return hextets + ipv4Tail <= 7;
}

const ipv6Span: MatchCheck = (match, text) => {
  const span = withLookbehind(match);
  return !goesOn(ADDRESS_GOES_ON, text, span.end) && isIpv6(text.slice(span.start, span.end)) && span;
};

export const PII_DETECTORS: Record<PiiKind, Detector> = {
  email: (text) => (text.includes("@") ? findAll(EMAIL, text, "EMAIL", withLookbehind) : []),
  phone: (text) => findAll(PHONE, text, "PHONE", isPhone),
  card: (text) => findAll(CARD, text, "CARD", isCard),
  iban: (text) => findAll(IBAN, text, "IBAN", ibanSpan),
  ssn: (text) => findAll(SSN, text, "SSN", isSsn),
  ip: (text) => {
    const v4 = findAll(IPV4, text, "IP_ADDRESS");
    return text.includes(":") ? mergeFindings([v4, findAll(IPV6, text, "IP_ADDRESS", ipv6Span)]) : v4;
  },
};
