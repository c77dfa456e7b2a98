import { fold } from './injection.lexicon';

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
  // Small capitals and IPA letters that read as Latin ones ("ɪɢɴᴏʀᴇ ᴀʟʟ"): NFKC leaves them alone.
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
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

const LEET_CHAR = new Uint8Array(128);
for (const c of '0123456789@$!|+') LEET_CHAR[c.charCodeAt(0)] = 1;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
/** Digit-led words that are units, ordinals or sizes ("3rd", "10px", "5gb"), not leetspeak. */
const UNIT_WORD = /^\d+(?:st|nd|rd|th|s|k|m|g|x|px|am|pm|ms|gb|mb|kb)$/;

/** What the gates of the rewriting steps need to know about a normalised text, from one pass over it. */
export interface TextShape {
  /** Leet-looking words: runs of letters and digit/symbol substitutes, at least 3 long, at most 70% substitutes. */
  leety: number;
  /** Words (spaces + 1). */
  words: number;
  /** Five or more single characters in a row separated by ` ._*-` (see `hasSpacedRun`). */
  spaced: boolean;
}

/**
 * One pass over the characters of a normalised text: counts leet-looking words and words, and looks
 * for a letter-spaced run at each spacer (a spaced run needs a one-character word before a spacer).
 */
export function textShape(t: string): TextShape {
  let leety = 0;
  let words = 1;
  let spaced = false;
  let spacedFrom = 0;
  const n = t.length;
  let runStart = -1;
  let letters = 0;
  for (let i = 0; i <= n; i++) {
    let c = i < n ? t.charCodeAt(i) : 32;
    if (isLower(c)) {
      if (runStart < 0) {
        runStart = i;
        letters = 0;
      }
      // The rest of the letters of this word, in a tight loop.
      const from = i;
      while (i + 1 < n && isLower((c = t.charCodeAt(i + 1)))) i++;
      letters += i - from + 1;
      continue;
    }
    if (c < 128 && LEET_CHAR[c] === 1) {
      if (runStart < 0) {
        runStart = i;
        letters = 0;
      }
      continue;
    }
    if (runStart >= 0) {
      // A run of [a-z0-9@$!|+] ended: the regex this replaces matched the run when it holds a letter.
      const len = i - runStart;
      const subs = len - letters;
      if (letters > 0 && subs > 0 && len >= 3 && subs / len <= 0.7 && !UNIT_WORD.test(t.slice(runStart, i))) leety++;
      runStart = -1;
    }
    if (i === n) break;
    if (c === 32) words++;
    if (!spaced && i >= spacedFrom && isSpacer(c) && i > 0) {
      const u = i - 1;
      if (isWord(t.charCodeAt(u)) && (u === 0 || !isWord(t.charCodeAt(u - 1)))) {
        let j = u;
        let units = 0;
        while (j + 1 < n && isWord(t.charCodeAt(j)) && isSpacer(t.charCodeAt(j + 1))) {
          units++;
          j += 2;
        }
        if (units >= 5 || (units === 4 && j < n && isWord(t.charCodeAt(j)) && (j + 1 >= n || !isWord(t.charCodeAt(j + 1))))) spaced = true;
        spacedFrom = j;
      }
    }
  }
  return { leety, words, spaced };
}

/**
 * A letter next to a digit or leet symbol: every leet-looking word holds one. Written from the digit or symbol (a letter
 * before it or after it), so the search jumps between the rare characters that can start a match instead of trying
 * every letter (the same answer as `/[a-z][0-9@$!|+]|[0-9@$!|+][a-z]/`, 2–5× faster).
 */
const LETTER_BY_SUB = /[0-9@$!|+](?:(?<=[a-z][0-9@$!|+])|(?=[a-z]))/;
/** Four one-character units in a row: every letter-spaced run holds this. */
const SPACED_START = /\w[ ._*-]\w[ ._*-]\w[ ._*-]\w/;
/** The shape of a text with no leet-looking word and no letter-spaced run. */
export const PLAIN_SHAPE: Readonly<TextShape> = Object.freeze({ leety: 0, words: 0, spaced: false });

/**
 * `textShape(t)` when it can matter, else `PLAIN_SHAPE`: two native pattern tests that every
 * leet-looking word and every letter-spaced run pass rule both out for most prose ("part 1", "2024"
 * hold digits but no letter beside one), so the character loop runs only on texts that may hold one.
 * For the rewriting steps the answers are the same (`deLeet` needs `leety` ≥ 2; `words` only
 * matters then).
 */
export function shapeOf(t: string): TextShape {
  return LETTER_BY_SUB.test(t) || SPACED_START.test(t) ? textShape(t) : PLAIN_SHAPE;
}

/** Undoes leetspeak in words that mix letters and digit/symbol substitutes ("1gn0r3" -> "ignore"). */
export function deLeet(normalized: string, shape: TextShape = textShape(normalized)): string | null {
  // Leetspeak is a way of writing a whole passage: a few ids and versions in prose ("v2", "ord2024") are not.
  const { leety, words } = shape;
  if (leety < Math.max(2, words * 0.1)) return null;
  return normalized.replace(/[a-z0-9@$!|+]*[a-z][a-z0-9@$!|+]*|[0-9@$!|+]*[0-9][0-9@$!|+]*/g, (w) => {
    const subs = w.replace(/[a-z]/g, '').length;
    // Mostly-digit tokens with a letter ("4ll", "5y573m") are leet too; plain numbers ("2024") are not.
    if (subs === 0 || subs === w.length || (/^\d+(?:st|nd|rd|th|s|k|m|g|x|px|am|pm)?$/.test(w) && w.length < 8)) return w;
    return w.replace(/[0-9@$!|+]/g, (c) => LEET[c] ?? c);
  });
}

const WORD = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_') WORD[c.charCodeAt(0)] = 1;
/** `\w` of a regex without the `u` flag. */
const isWord = (c: number): boolean => c < 128 && WORD[c] === 1;
const isSpacer = (c: number): boolean => c === 32 || c === 46 || c === 95 || c === 42 || c === 45; // space . _ * -

/**
 * Does the text hold five or more single characters in a row, each one separated by one of
 * ` ._*-` ("i g n o r e", "i.g.n.o.r.e")? One pass; the same test as `/(?:\b\w[ ._*-]){4,}\w\b/`.
 */
export function hasSpacedRun(t: string): boolean {
  const n = t.length;
  for (let i = 0; i < n - 1; i++) {
    // A one-character word ends at i: the next character is a spacer (most characters fail here).
    if (!isSpacer(t.charCodeAt(i + 1)) || !isWord(t.charCodeAt(i)) || (i > 0 && isWord(t.charCodeAt(i - 1)))) continue;
    let j = i;
    let units = 0;
    while (j + 1 < n && isWord(t.charCodeAt(j)) && isSpacer(t.charCodeAt(j + 1))) {
      units++;
      j += 2;
    }
    if (units >= 5 || (units === 4 && j < n && isWord(t.charCodeAt(j)) && (j + 1 >= n || !isWord(t.charCodeAt(j + 1))))) return true;
    if (units > 0) i = j - 1;
  }
  return false;
}

/**
 * Runs of spaces and tabs as one space: what `t.replace(/[ \t]+/g, ' ')` gives. Only the runs that
 * change are matched (two or more characters, or a tab): a lone space, most of the matches of the
 * plain pattern, is left where it is rather than replaced by itself.
 */
const SPACE_RUNS = /[ \t]{2,}|\t/g;
export function collapseSpaces(t: string): string {
  return t.replace(SPACE_RUNS, ' ');
}

/** Joins letters written one by one ("i g n o r e  a l l") and words split by separators ("i.g.n.o.r.e", "ig-nore"). */
export function deSpace(normalized: string): string | null {
  if (!hasSpacedRun(normalized)) return null;
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

const DEST_EMAIL_LOCAL = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-') DEST_EMAIL_LOCAL[c.charCodeAt(0)] = 1;
const isLocal = (c: number): boolean => c < 128 && DEST_EMAIL_LOCAL[c] === 1;
const isHost = (c: number): boolean => isWord(c) || c === 45; // [\w-]
/** Characters that end a URL: whitespace, ) " ' < > ] and a backtick (the end of inline code) */
const endsUrl = (c: number): boolean =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 41 ||
  c === 34 ||
  c === 39 ||
  c === 60 ||
  c === 62 ||
  c === 93 ||
  c === 96 ||
  c === 0xa0 ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0xfeff ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x1680 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000;

/** End of the e-mail address whose `@` is at `at` (`[\w-]+(?:\.[\w-]+)+` after it), or -1. */
function emailEnd(t: string, at: number): number {
  let k = at + 1;
  let dots = 0;
  let end = -1;
  if (k >= t.length || !isHost(t.charCodeAt(k))) return -1;
  while (k < t.length) {
    const c = t.charCodeAt(k);
    if (isHost(c)) k++;
    else if (c === 46 && k + 1 < t.length && isHost(t.charCodeAt(k + 1))) {
      dots++;
      k++;
    } else break;
    if (dots > 0) end = k;
  }
  return dots > 0 ? end : -1;
}

/** End of the URL starting at `at` (`https?://` then anything up to whitespace, `)`, quotes, `<`, `>` or `]`), or -1. */
function urlEnd(t: string, at: number): number {
  if (at > 0 && isWord(t.charCodeAt(at - 1))) return -1;
  let k = at + 4;
  if (t.charCodeAt(k) === 115) k++;
  if (!t.startsWith('://', k)) return -1;
  k += 3;
  if (k >= t.length || endsUrl(t.charCodeAt(k))) return -1;
  while (k < t.length && !endsUrl(t.charCodeAt(k))) k++;
  return k;
}

/**
 * Replaces e-mail addresses and http(s) URLs by `replacement`, left to right (a URL that starts
 * before an address's first character takes it). Found from the `@` and `http` positions, not by a
 * regex tried at every word.
 */
export function replaceDestinations(t: string, replacement: string): string {
  let out = '';
  let at = 0;
  let email = t.indexOf('@');
  let url = t.indexOf('http');
  while (email >= 0 || url >= 0) {
    // The address's start: the run of [\w.+-] before its '@', not before where we are.
    let eStart = -1;
    let eEnd = -1;
    while (email >= 0) {
      let s = email;
      while (s > at && isLocal(t.charCodeAt(s - 1))) s--;
      const e = s < email ? emailEnd(t, email) : -1;
      if (e >= 0) {
        eStart = s;
        eEnd = e;
        break;
      }
      email = t.indexOf('@', email + 1);
    }
    let uEnd = -1;
    while (url >= 0 && (eStart < 0 || url < eStart)) {
      uEnd = urlEnd(t, url);
      if (uEnd >= 0) break;
      url = t.indexOf('http', url + 1);
    }
    if (uEnd >= 0 && url >= 0 && (eStart < 0 || url < eStart)) {
      out += t.slice(at, url) + replacement;
      at = uEnd;
    } else if (eStart >= 0) {
      out += t.slice(at, eStart) + replacement;
      at = eEnd;
    } else break;
    if (email >= 0 && email < at) email = t.indexOf('@', at);
    if (url >= 0 && url < at) url = t.indexOf('http', at);
  }
  return at === 0 ? t : out + t.slice(at);
}

const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64[c.charCodeAt(0)] = 1;
const isB64 = (c: number): boolean => c < 128 && B64[c] === 1;

/**
 * Decodes base64 runs that turn into readable text (an instruction smuggled as base64). A run is a
 * whole word of at least 16 base64 characters with up to two `=` of padding; found by one pass over
 * the characters.
 */
export function decodeBase64Runs(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  for (let i = 0; i < n && out.length < 8;) {
    // A run of 16 starting anywhere in [i, i + 15] covers i + 15: when that character is not base64, skip past it.
    // No run of 16 fits in what is left.
    if (i + 15 >= n) break;
    if (!isB64(text.charCodeAt(i + 15))) {
      i += 16;
      continue;
    }
    // The run holding i + 15 starts at s; the runs that start before it end before s, shorter than 16: go to s.
    const seen = i + 15;
    let s = seen;
    while (s > i && isB64(text.charCodeAt(s - 1))) s--;
    i = s;
    if (!isB64(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // text[s..seen] are base64 (read on the way back): the run's end is looked for after them.
    let j = seen + 1;
    while (j < n && isB64(text.charCodeAt(j))) j++;
    const prev = i > 0 ? text.charCodeAt(i - 1) : 32;
    let end = j;
    while (end < n && end - j < 2 && text.charCodeAt(end) === 61) end++;
    const next = end < n ? text.charCodeAt(end) : 32;
    if (j - i >= 16 && prev !== 61 && !isB64(prev) && next !== 61 && !isB64(next)) {
      const s = text.slice(i, end);
      if (/[a-z]/.test(s) && /[A-Z]/.test(s) && s.length % 4 !== 1) {
        const decoded = Buffer.from(s, 'base64').toString('utf8');
        const printable = decoded.replace(/[^\x20-\x7E\n\t\u00C0-\u024F]/g, '').length;
        if (decoded.length >= 8 && printable / decoded.length > 0.95 && /[a-z]{2,} [a-z]{2,}/i.test(decoded)) out.push(decoded);
      }
    }
    i = j;
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

/** The code units the one-pass fold covers: Latin-1, Latin Extended-A/B, spacing modifiers, general punctuation, currency signs. */
export const FOLD_RANGES: readonly (readonly [number, number])[] = [
  [0x0000, 0x02ff],
  [0x0370, 0x052f],
  [0x2000, 0x2bff],
];
/** Σ lower-cases to σ or ς depending on the letters around it: it goes the plain way. */
const FOLD_CONTEXTUAL = 0x03a3;
/** Pictographs and emoji (U+1F300–U+1FAFF, written as two UTF-16 units): copied as they are when normalising leaves them alone. */
const EMOJI_FROM = 0x1f300;
const EMOJI_TO = 0x1faff;
const emojiPlain = new Map<number, boolean>();
function keepsEmoji(cp: number): boolean {
  let v = emojiPlain.get(cp);
  if (v === undefined) {
    const ch = String.fromCodePoint(cp);
    emojiPlain.set(cp, (v = fold(normalizeText(ch)) === ch));
  }
  return v;
}
const FOLD_MANY_TABLE = new Map<number, string>();
const FOLD_NONE = -2;
const FOLD_MANY = -3;
/** Not worked out yet (each covered character is, the first time a text holds it). */
const FOLD_UNKNOWN = -4;
const FOLD_END = 0x2c00;
/**
 * `FOLD_ONE[c]`: the one code unit c folds to, -1 for nothing (zero-width), `FOLD_MANY` for several
 * (in `FOLD_MANY_TABLE`), `FOLD_NONE` when c goes the plain way, `FOLD_UNKNOWN` until first seen.
 */
const FOLD_ONE = new Int32Array(FOLD_END).fill(FOLD_NONE);
for (const [from, to] of FOLD_RANGES) FOLD_ONE.fill(FOLD_UNKNOWN, from, to + 1);

/**
 * Works out what `fold(normalizeText(c))` makes of the covered character c on its own, and keeps it
 * only where that is also what c becomes inside any text of covered characters (checked between
 * letters and next to itself): neither c nor its NFKC form holds a combining mark (which could
 * compose with, or be dropped between, its neighbours: "´" is a space and U+0301, and the fold drops
 * the mark after the spaces around it were collapsed), and that form is exactly one space (a run of
 * them collapses to one, as `normalizeText` does) or holds none.
 */
function foldEntry(c: number): number {
  let v = FOLD_NONE;
  if (!((c >= 0xd800 && c <= 0xdfff) || c === FOLD_CONTEXTUAL)) {
    const ch = String.fromCharCode(c);
    // normalizeText without its last step (the collapse of spaces), which the pass does itself.
    const a = ch
      .normalize('NFKC')
      .replace(ZERO_WIDTH, '')
      .replace(HOMOGLYPH_RE, (x) => HOMOGLYPHS[x] ?? x)
      .replace(/[\u2018\u2019\u02BC]/g, "'")
      .replace(/[\u201C\u201D]/g, '"')
      .toLowerCase();
    const f = a === '\t' || a === '\u00A0' ? ' ' : fold(a);
    if (
      !/\p{M}/u.test(ch) &&
      !/\p{M}/u.test(a) &&
      !(/[ \t\u00A0]/.test(a) && a !== ' ' && a !== '\t' && a !== '\u00A0') &&
      // What the character becomes must not depend on its neighbours (lunate sigma is Σ once normalised, whose lower case does).
      fold(normalizeText(`a${ch}a`)) === `a${f}a` &&
      fold(normalizeText(`${ch}${ch}`)) === (f === ' ' ? ' ' : f + f)
    ) {
      if (f.length === 0) v = -1;
      else if (f.length === 1) v = f.charCodeAt(0);
      else {
        v = FOLD_MANY;
        FOLD_MANY_TABLE.set(c, f);
      }
    }
  }
  FOLD_ONE[c] = v;
  return v;
}

let foldBuffer = new Uint16Array(4096);
const UTF16 = new TextDecoder('utf-16le');

/**
 * `fold(normalizeText(text))` (the lexicon's fold of the normalised text) in one pass over the
 * characters when every one of them is covered by the table (Latin scripts, punctuation, spaces),
 * else the plain way: NFKC, zero-width, homoglyphs, quotes, lower case, collapsed spaces, NFD,
 * marks, ß; about ten passes and as many new strings. Same result to the character (tested on
 * random texts of the characters that interact, and on every corpus row).
 */
export function foldNormalized(text: string): string {
  const one = FOLD_ONE;
  const n = text.length;
  if (foldBuffer.length < n * 3 + 8) foldBuffer = new Uint16Array(n * 3 + 8);
  const out = foldBuffer;
  let k = 0;
  let space = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let m = c < FOLD_END ? one[c]! : FOLD_NONE;
    if (m === FOLD_UNKNOWN) m = foldEntry(c);
    if (m >= 0) {
      if (m === 32) {
        if (space) continue;
        space = true;
      } else space = false;
      out[k++] = m;
    } else if (m === -1) continue;
    else if (m === FOLD_MANY) {
      const f = FOLD_MANY_TABLE.get(c)!;
      for (let j = 0; j < f.length; j++) out[k++] = f.charCodeAt(j);
      space = false;
    } else if (c >= 0xd83c && c <= 0xd83e && i + 1 < n) {
      // A pictograph or emoji (its high surrogate, then its low one), which normalising leaves as it is.
      const lo = text.charCodeAt(i + 1);
      const cp = lo >= 0xdc00 && lo <= 0xdfff ? ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000 : 0;
      if (cp < EMOJI_FROM || cp > EMOJI_TO || !keepsEmoji(cp)) return fold(normalizeText(text));
      out[k++] = c;
      out[k++] = lo;
      i++;
      space = false;
    } else return fold(normalizeText(text));
  }
  return UTF16.decode(out.subarray(0, k));
}
