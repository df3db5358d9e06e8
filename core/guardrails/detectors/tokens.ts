const CHARS_PER_TOKEN = 4;

/** Han, kana, Hangul and their punctuation and fullwidth forms, in the Basic Multilingual Plane. */
function isCjk(code: number): boolean {
  return (code >= 0x2e80 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xff00 && code <= 0xffef);
}

/** High surrogates of planes 2 and 3: the rarer Han ideographs (extensions B to H). */
function isCjkHighSurrogate(code: number): boolean {
  return code >= 0xd840 && code <= 0xd8bf;
}

/**
 * An ESTIMATE of a text's tokens, for size limits: a token for each CJK character (tokenizers
 * seldom merge them) and one for every 4 other characters (Latin-script prose averages about 4;
 * code and other scripts run denser). Real tokenizers differ by model, often by 10–20 %.
 * The /v1/messages/count_tokens estimate (formats/anthropic/count-tokens.ts) works on a whole
 * request body rather than a text, so it is not reused here.
 */
export function estimateTokens(text: string): number {
  let cjkChars = 0;
  let cjkUnits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x2e80) continue;
    if (isCjk(code)) {
      cjkChars++;
      cjkUnits++;
    } else if (isCjkHighSurrogate(code) && i + 1 < text.length) {
      cjkChars++;
      cjkUnits += 2;
      i++;
    }
  }
  return cjkChars + Math.ceil((text.length - cjkUnits) / CHARS_PER_TOKEN);
}
