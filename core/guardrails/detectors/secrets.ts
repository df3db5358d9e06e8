import { KEY_PREFIX } from "../../keys/generate.js";
import type { Detector, SecretKind } from "../types.js";
import { mergeFindings } from "./find.js";
import { escapeRegExp } from "./patterns.js";
import { type MatchCheck, findAll } from "./scan.js";

/*
 * One global regex per credential. Where a credential has a fixed prefix, a native `includes`
 * skips the regex on the (usual) text that has none.
 */

const TOKEN_CHAR = "[A-Za-z0-9_-]";

const AWS_KEY_ID = /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g;
// The secret key is 40 characters of base64 with no prefix of its own: found only after its name.
const AWS_SECRET_LENGTH = 40;
const AWS_SECRET = /secret[_-]?access[_-]?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi;

/** The value alone, not its name: it ends the match. */
const secretValue: MatchCheck = (match) => {
  const end = match.index + match[0].length;
  return { start: end - AWS_SECRET_LENGTH, end };
};

// From BEGIN to its own END line, or to the end of the text (a stream window may have cut the block).
const PRIVATE_KEY = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g;

// sk-, sk-proj-, sk-svcacct-, sk-admin-…; Anthropic's sk-ant- and Strait's own keys have detectors of their own.
const OPENAI_KEY = new RegExp(`(?<!${TOKEN_CHAR})sk-(?!ant-|strait-)${TOKEN_CHAR}{20,}`, "g");
const KEY_BODY_CHAR = /[A-Z0-9]/;
/** A real key has capitals or digits; "sk-learn-pipeline-for-beginners" has neither. */
const looksGenerated: MatchCheck = (match) => KEY_BODY_CHAR.test(match[0].slice(3));

const ANTHROPIC_KEY = new RegExp(`(?<!${TOKEN_CHAR})sk-ant-(?:api|admin)\\d\\d-${TOKEN_CHAR}{20,}`, "g");
const GOOGLE_KEY = new RegExp(`(?<!${TOKEN_CHAR})AIza${TOKEN_CHAR}{35}(?!${TOKEN_CHAR})`, "g");
const STRAIT_KEY = new RegExp(`(?<!${TOKEN_CHAR})${escapeRegExp(KEY_PREFIX)}[0-9A-Za-z]{20,}`, "g");

// header.payload.signature in base64url; the signature is empty for alg "none".
const JWT = new RegExp(`(?<!${TOKEN_CHAR})eyJ${TOKEN_CHAR}{10,}\\.${TOKEN_CHAR}{2,}\\.${TOKEN_CHAR}*`, "g");
/** Headers carrying a certificate chain run to a few kilobytes; longer is not a JWT header. */
const MAX_JWT_HEADER_CHARS = 8192;
const BASE64URL_DASH = /-/g;
const BASE64URL_UNDERSCORE = /_/g;

/**
 * The header must decode (base64url, then JSON) to an object naming its `alg`. Looking for "alg"
 * before parsing spares most look-alikes a thrown SyntaxError, the slow part.
 */
const hasJwtHeader: MatchCheck = (match) => {
  const header = match[0].slice(0, match[0].indexOf("."));
  if (header.length > MAX_JWT_HEADER_CHARS) return false;
  try {
    const json = atob(header.replace(BASE64URL_DASH, "+").replace(BASE64URL_UNDERSCORE, "/"));
    if (!json.includes('"alg"')) return false;
    const parsed = JSON.parse(json);
    return typeof parsed === "object" && parsed !== null && typeof parsed.alg === "string";
  } catch {
    return false;
  }
};

export const SECRET_DETECTORS: Record<SecretKind, Detector> = {
  aws_access_key: (text) => mergeFindings([findAll(AWS_KEY_ID, text, "AWS_ACCESS_KEY"), findAll(AWS_SECRET, text, "AWS_ACCESS_KEY", secretValue)]),
  private_key: (text) => (text.includes("-----BEGIN ") ? findAll(PRIVATE_KEY, text, "PRIVATE_KEY") : []),
  openai_key: (text) => (text.includes("sk-") ? findAll(OPENAI_KEY, text, "API_KEY", looksGenerated) : []),
  anthropic_key: (text) => (text.includes("sk-ant-") ? findAll(ANTHROPIC_KEY, text, "API_KEY") : []),
  google_key: (text) => (text.includes("AIza") ? findAll(GOOGLE_KEY, text, "API_KEY") : []),
  strait_key: (text) => (text.includes(KEY_PREFIX) ? findAll(STRAIT_KEY, text, "API_KEY") : []),
  jwt: (text) => (text.includes("eyJ") ? findAll(JWT, text, "JWT", hasJwtHeader) : []),
};
