/**
 * One character pass over a text that says which PII recognizers can have anything to do: each
 * bit is a condition every match of some recognizer's patterns needs (a digit, a capital, `@`,
 * the separators of a MAC address, two colons of an IPv6 address...). The detector computes it
 * once per `find` and hands it to every recognizer, instead of each recognizer walking the text
 * again for its own gate.
 */

/** An ASCII digit. */
export const DIGIT = 1;
/** An ASCII capital, or any non-ASCII character (it may be a capital of another script). */
export const UPPER = 2;
/** `@`. */
export const AT = 4;
/** `:`. */
export const COLON = 8;
/** `-` or `.`. */
export const SEPARATOR = 16;
/** A run of 40 or more base64 characters (`A-Z a-z 0-9 + /`): what every AWS secret key is. */
export const LONG_WORD = 32;
/** The same `:` or `-` five times, 3 apart, or two dots 5 apart: what every MAC address has. */
export const MAC_SEPARATORS = 64;
/** Two colons with at most 4 hex digits between them: what every IPv6 address has. */
export const TWO_COLONS = 128;
/** `://` or `www.` (any case): what every URL the URL recognizer reports opens with. */
export const URL_MARK = 256;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** The gate bits (above) of text[from..]. */
export function charClasses(text: string, from = 0): number {
  let flags = 0;
  let run = 0;
  const n = text.length;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) {
      if (++run >= 40) flags |= LONG_WORD;
      continue;
    }
    // A space (the next most common character) sets no bit and ends a base64 run.
    if (c === 32) {
      run = 0;
      continue;
    }
    if (c >= 48 && c <= 57) flags |= DIGIT;
    else if ((c >= 65 && c <= 90) || c >= 128) flags |= UPPER;
    else if (c === 64) flags |= AT;
    else if (c === 58) {
      flags |= COLON;
      if (text.charCodeAt(i + 1) === 47 && text.charCodeAt(i + 2) === 47) flags |= URL_MARK;
      if ((flags & TWO_COLONS) === 0) {
        let j = i + 1;
        while (j < n && j <= i + 5 && isHex(text.charCodeAt(j))) j++;
        if (j < n && j <= i + 5 && text.charCodeAt(j) === 58) flags |= TWO_COLONS;
      }
    } else if (c === 45) flags |= SEPARATOR;
    else if (c === 46) {
      flags |= SEPARATOR;
      if (i - 3 >= from && (text.charCodeAt(i - 1) | 32) === 119 && (text.charCodeAt(i - 2) | 32) === 119 && (text.charCodeAt(i - 3) | 32) === 119) flags |= URL_MARK;
    }
    if ((c === 58 || c === 45) && (flags & MAC_SEPARATORS) === 0) {
      if (text.charCodeAt(i + 3) === c && text.charCodeAt(i + 6) === c && text.charCodeAt(i + 9) === c && text.charCodeAt(i + 12) === c) flags |= MAC_SEPARATORS;
    } else if (c === 46 && text.charCodeAt(i + 5) === 46) flags |= MAC_SEPARATORS;
    if (c === 43 || c === 47 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) {
      if (++run >= 40) flags |= LONG_WORD;
    } else run = 0;
  }
  return flags;
}
