/**
 * Text normalisation for the injection detector: every variant an attacker can use to hide an
 * instruction from a keyword scan is turned back into plain lower-case words.
 */

const ZERO_WIDTH = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;

/** Cyrillic/Greek letters that look like Latin ones (the common confusables). */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ɡ: 'g',
  һ: 'h',
  ӏ: 'l',
  А: 'a',
  В: 'b',
  Е: 'e',
  К: 'k',
  М: 'm',
  Н: 'h',
  О: 'o',
  Р: 'p',
  С: 'c',
  Т: 't',
  У: 'y',
  Х: 'x',
  І: 'i',
  Ј: 'j',
  Ѕ: 's',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ϲ: 'c',
  Α: 'a',
  Β: 'b',
  Ε: 'e',
  Ζ: 'z',
  Η: 'h',
  Ι: 'i',
  Κ: 'k',
  Μ: 'm',
  Ν: 'n',
  Ο: 'o',
  Ρ: 'p',
  Τ: 't',
  Υ: 'y',
  Χ: 'x',
};
const HOMOGLYPH_RE = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'g');

/** NFKC (fullwidth and styled letters to ASCII), no zero-width characters, homoglyphs mapped, lower case, single spaces. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(ZERO_WIDTH, '')
    .replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c] ?? c)
    .replace(/[\u2018\u2019\u02BC]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .toLowerCase()
    .replace(/[ \t\u00A0]+/g, ' ');
}

const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '!': 'i', '|': 'l', '+': 't' };

/** Undoes leetspeak in words that mix letters and digit/symbol substitutes ("1gn0r3" -> "ignore"). */
export function deLeet(normalized: string): string | null {
  if (!/[a-z][0-9@$!|+]|[0-9@$!|+][a-z]/.test(normalized)) return null;
  const LEETY = /[a-z0-9@$!|+]*[a-z][a-z0-9@$!|+]*/g;
  // Only texts with several leet-looking words: ids like "ord2024" or "1z999aa1" alone are not leetspeak.
  let leety = 0;
  for (const m of normalized.matchAll(LEETY)) {
    const w = m[0];
    const subs = w.replace(/[a-z]/g, '').length;
    if (subs > 0 && w.length >= 3 && subs / w.length <= 0.7 && !/^\d+(?:st|nd|rd|th|s|k|m|g|x|px|am|pm|ms|gb|mb|kb)$/.test(w) && ++leety >= 2) break;
  }
  if (leety < 2) return null;
  // Leetspeak is a way of writing a whole passage: a few ids and versions in prose ("v2", "ord2024") are not.
  let words = 1;
  for (let i = normalized.indexOf(' '); i >= 0; i = normalized.indexOf(' ', i + 1)) words++;
  let leetyAll = 0;
  for (const m of normalized.matchAll(LEETY)) {
    const w = m[0];
    const subs = w.replace(/[a-z]/g, '').length;
    if (subs > 0 && w.length >= 3 && subs / w.length <= 0.7 && !/^\d+(?:st|nd|rd|th|s|k|m|g|x|px|am|pm|ms|gb|mb|kb)$/.test(w)) leetyAll++;
  }
  if (leetyAll < Math.max(2, words * 0.1)) return null;
  return normalized.replace(/[a-z0-9@$!|+]*[a-z][a-z0-9@$!|+]*|[0-9@$!|+]*[0-9][0-9@$!|+]*/g, (w) => {
    const subs = w.replace(/[a-z]/g, '').length;
    // Mostly-digit tokens with a letter ("4ll", "5y573m") are leet too; plain numbers ("2024") are not.
    if (subs === 0 || subs === w.length || (/^\d+(?:st|nd|rd|th|s|k|m|g|x|px|am|pm)?$/.test(w) && w.length < 8)) return w;
    return w.replace(/[0-9@$!|+]/g, (c) => LEET[c] ?? c);
  });
}

/** Joins letters written one by one ("i g n o r e  a l l") and words split by separators ("i.g.n.o.r.e", "ig-nore"). */
export function deSpace(normalized: string): string | null {
  if (!/(?:\b\w[ ._*-]){4,}\w\b/.test(normalized)) return null;
  return normalized
    .replace(/(?:\b\w[ ._*-]){2,}\w\b/g, (run) => {
      // Two or more spaces between letter groups mark the original word breaks.
      return run
        .split(/\s{2,}|[ ._*-]{2,}/)
        .map((w) => w.replace(/[ ._*-]/g, ''))
        .join(' ');
    })
    .replace(/\s+/g, ' ');
}

/** Decodes base64 runs that turn into readable text (an instruction smuggled as base64). */
export function decodeBase64Runs(text: string): string[] {
  const out: string[] = [];
  const re = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])/g;
  let n = 0;
  for (let m = re.exec(text); m !== null && n < 8; m = re.exec(text)) {
    const s = m[0];
    if (!/[a-z]/.test(s) || !/[A-Z]/.test(s) || s.length % 4 === 1) continue;
    const decoded = Buffer.from(s, 'base64').toString('utf8');
    const printable = decoded.replace(/[^\x20-\x7E\n\t\u00C0-\u024F]/g, '').length;
    if (decoded.length >= 8 && printable / decoded.length > 0.95 && /[a-z]{2,} [a-z]{2,}/i.test(decoded)) {
      out.push(decoded);
      n++;
    }
  }
  return out;
}

/** ROT13 of the text (only tried when the text talks about rotation ciphers). */
export function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Reverses a text written backwards (tried when the text asks to reverse it). */
export function reversed(text: string): string {
  return [...text].reverse().join('');
}
