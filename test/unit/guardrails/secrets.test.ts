import { describe, expect, it } from "vitest";
import { SECRET_DETECTORS } from "../../../core/guardrails/detectors/secrets.js";
import type { Detector } from "../../../core/guardrails/types.js";
import { KEY_PREFIX, generateKey } from "../../../core/keys/generate.js";

const found = (detector: Detector, text: string) => detector(text).map((f) => [text.slice(f.start, f.end), f.start, f.label]);

// Made-up keys, built here rather than written out whole.
const TOKEN_BODY = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4";
const OPENAI_KEYS = [`sk-${TOKEN_BODY}`, `sk-proj-${TOKEN_BODY}_-${TOKEN_BODY}`, `sk-svcacct-${TOKEN_BODY}`, `sk-admin-${TOKEN_BODY}`];
const ANTHROPIC_KEYS = [`sk-ant-api03-${TOKEN_BODY}-${TOKEN_BODY}AA`, `sk-ant-admin01-${TOKEN_BODY}`];
const GOOGLE_KEY = `AIza${TOKEN_BODY.slice(0, 33)}_-`;
const AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n";

describe("aws_access_key", () => {
  const { aws_access_key } = SECRET_DETECTORS;

  it("finds access key ids of each prefix on word boundaries", () => {
    for (const prefix of ["AKIA", "ASIA", "ABIA", "ACCA"]) {
      const key = `${prefix}IOSFODNN7EXAMPLE`;
      expect(found(aws_access_key, `id=${key},`)).toEqual([[key, 3, "AWS_ACCESS_KEY"]]);
    }
  });

  it("refuses ids of the wrong length or alphabet, lower case, or inside a longer word", () => {
    for (const s of ["AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPLE1", "XAKIAIOSFODNN7EXAMPLE", "akiaiosfodnn7example", "AKIAIOSFODNN8EXAMPLE", "AKIDIOSFODNN7EXAMPLE"]) {
      expect(found(aws_access_key, s), s).toEqual([]);
    }
  });

  it("finds a secret access key after its name, and reports the value only", () => {
    const ini = `[default]\naws_access_key_id = ${AWS_KEY_ID}\naws_secret_access_key = ${AWS_SECRET}\n`;
    expect(found(aws_access_key, ini)).toEqual([
      [AWS_KEY_ID, 30, "AWS_ACCESS_KEY"],
      [AWS_SECRET, 75, "AWS_ACCESS_KEY"],
    ]);
    expect(found(aws_access_key, `export AWS_SECRET_ACCESS_KEY="${AWS_SECRET}"`)).toEqual([[AWS_SECRET, 30, "AWS_ACCESS_KEY"]]);
    expect(found(aws_access_key, `{"AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": "${AWS_SECRET}"}`)).toEqual([
      ["ASIAIOSFODNN7EXAMPLE", 17, "AWS_ACCESS_KEY"],
      [AWS_SECRET, 60, "AWS_ACCESS_KEY"],
    ]);
    expect(found(aws_access_key, `secretAccessKey: '${AWS_SECRET}'`)).toEqual([[AWS_SECRET, 18, "AWS_ACCESS_KEY"]]);
  });

  it("refuses a bare 40-character value, or a value of the wrong length after the name", () => {
    expect(aws_access_key(`token ${AWS_SECRET}`)).toEqual([]);
    expect(aws_access_key(`AWS_SECRET_ACCESS_KEY=${AWS_SECRET.slice(1)}`)).toEqual([]);
    expect(aws_access_key(`AWS_SECRET_ACCESS_KEY=${AWS_SECRET}A`)).toEqual([]);
  });
});

describe("private_key", () => {
  const { private_key } = SECRET_DETECTORS;

  it("finds the whole block, BEGIN through its END line, of each kind", () => {
    for (const kind of ["", "RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED "]) {
      const block = `-----BEGIN ${kind}PRIVATE KEY-----\n${PEM_BODY}-----END ${kind}PRIVATE KEY-----`;
      const text = `key:\n${block}\nthanks`;
      expect(found(private_key, text), kind).toEqual([[block, 5, "PRIVATE_KEY"]]);
    }
    const pgp = `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${PEM_BODY}=abcd\n-----END PGP PRIVATE KEY BLOCK-----`;
    expect(found(private_key, `${pgp}.`)).toEqual([[pgp, 0, "PRIVATE_KEY"]]);
  });

  it("takes an unterminated block to the end of the text (a stream window may cut it)", () => {
    const text = `here: -----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}`;
    expect(private_key(text)).toEqual([{ start: 6, end: text.length, label: "PRIVATE_KEY" }]);
    const mismatched = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}-----END EC PRIVATE KEY-----\nafter`;
    expect(private_key(mismatched)).toEqual([{ start: 0, end: mismatched.length, label: "PRIVATE_KEY" }]);
  });

  it("finds two blocks apart, and leaves public keys and certificates alone", () => {
    const block = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}-----END PRIVATE KEY-----`;
    expect(private_key(`${block}\n\n${block}`)).toEqual([
      { start: 0, end: block.length, label: "PRIVATE_KEY" },
      { start: block.length + 2, end: 2 * block.length + 2, label: "PRIVATE_KEY" },
    ]);
    expect(private_key(`-----BEGIN PUBLIC KEY-----\n${PEM_BODY}-----END PUBLIC KEY-----`)).toEqual([]);
    expect(private_key(`-----BEGIN CERTIFICATE-----\n${PEM_BODY}-----END CERTIFICATE-----`)).toEqual([]);
  });
});

describe("openai_key", () => {
  const { openai_key } = SECRET_DETECTORS;

  it("finds sk-, sk-proj-, sk-svcacct- and sk-admin- keys", () => {
    for (const key of OPENAI_KEYS) expect(found(openai_key, `OPENAI_API_KEY="${key}"`)).toEqual([[key, 16, "API_KEY"]]);
    expect(found(openai_key, "sk-abcdefghij0123456789")).toEqual([["sk-abcdefghij0123456789", 0, "API_KEY"]]);
  });

  it("leaves Anthropic's and Strait's keys to their own detectors", () => {
    for (const key of [...ANTHROPIC_KEYS, generateKey()]) expect(openai_key(key), key).toEqual([]);
  });

  it("refuses short keys, keys inside words, and lower-case hyphenated words", () => {
    for (const s of ["sk-abc123", "sk-abcdefghij012345678", "task-A1b2C3d4E5f6G7h8I9j0K1", "mask-A1b2C3d4E5f6G7h8I9j0K1", "sk-learn-pipeline-for-beginners", "sk-proj-"]) {
      expect(openai_key(s), s).toEqual([]);
    }
  });
});

describe("anthropic_key", () => {
  const { anthropic_key } = SECRET_DETECTORS;

  it("finds sk-ant-api and sk-ant-admin keys", () => {
    for (const key of ANTHROPIC_KEYS) expect(found(anthropic_key, `(x-api-key: ${key})`)).toEqual([[key, 12, "API_KEY"]]);
  });

  it("refuses other sk-ant- shapes and OpenAI keys", () => {
    for (const s of [`sk-ant-foo03-${TOKEN_BODY}`, `sk-ant-api3-${TOKEN_BODY}`, "sk-ant-api03-short", ...OPENAI_KEYS]) expect(anthropic_key(s), s).toEqual([]);
  });
});

describe("google_key", () => {
  const { google_key } = SECRET_DETECTORS;

  it("finds AIza and 35 characters", () => {
    expect(GOOGLE_KEY).toHaveLength(39);
    expect(found(google_key, `?key=${GOOGLE_KEY}&q=1`)).toEqual([[GOOGLE_KEY, 5, "API_KEY"]]);
  });

  it("refuses one character short or long", () => {
    expect(google_key(GOOGLE_KEY.slice(0, -1))).toEqual([]);
    expect(google_key(`${GOOGLE_KEY}x`)).toEqual([]);
    expect(google_key(`x${GOOGLE_KEY}`)).toEqual([]);
  });
});

describe("strait_key", () => {
  const { strait_key } = SECRET_DETECTORS;

  it("finds Strait's virtual keys by their prefix", () => {
    const key = generateKey();
    expect(found(strait_key, `Authorization: Bearer ${key}.`)).toEqual([[key, 22, "API_KEY"]]);
    expect(found(strait_key, `${KEY_PREFIX}${"a1".repeat(10)}`)).toEqual([[`${KEY_PREFIX}${"a1".repeat(10)}`, 0, "API_KEY"]]);
  });

  it("refuses fewer than 20 base-62 characters, or the prefix inside a word", () => {
    expect(strait_key(`${KEY_PREFIX}${"a".repeat(19)}`)).toEqual([]);
    expect(strait_key(`x${generateKey()}`)).toEqual([]);
  });
});

describe("jwt", () => {
  const { jwt } = SECRET_DETECTORS;

  it("finds three base64url segments whose header names its alg", () => {
    expect(found(jwt, `Authorization: Bearer ${JWT}`)).toEqual([[JWT, 22, "JWT"]]);
    const unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";
    expect(found(jwt, `(${unsigned})`)).toEqual([[unsigned, 1, "JWT"]]);
    const rs256 = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIxIn0.c2ln";
    expect(found(jwt, `token=${rs256}&next`)).toEqual([[rs256, 6, "JWT"]]);
  });

  it("refuses a header without alg, a header that does not decode, dotted words, and a lone segment", () => {
    for (const s of [
      "eyJzdWIiOiIxIn0.eyJzdWIiOiIxIn0.c2ln",
      "eyJhbGciOiJIUzI1NiJ.eyJzdWIiOiIxIn0.c2ln",
      "eyJustinWasHere.and.gone",
      "alpha.beta.gamma",
      "www.example.com",
      "eyJhbGciOiJIUzI1NiJ9",
      "eyJhbGciOiJIUzI1NiJ9.x",
      `x${JWT}`,
    ]) {
      expect(jwt(s), s).toEqual([]);
    }
  });
});

describe("secret detectors", () => {
  it("give the same findings on every call (their compiled patterns keep no state between calls)", () => {
    const text = `${OPENAI_KEYS[0]} ${JWT} ${AWS_KEY_ID} ${generateKey()}`;
    for (const detector of Object.values(SECRET_DETECTORS)) expect(detector(text)).toEqual(detector(text));
  });
});
