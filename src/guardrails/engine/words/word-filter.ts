import { PROFANITY } from './profanity.lexicon';
import { wordStarts, type WordStarts } from './word-starts';

/** One word-filter hit. */
export interface WordHit {
  /** The configured word (lower case), or `PROFANITY` for the built-in list. */
  name: string;
  match: string;
  start: number;
  end: number;
}

/** A compiled word filter: custom words and phrases, whole word, case-insensitive. */
export interface WordFilter {
  /** Hits in `text` starting in [from, until) (default: all of it; the text around is only context). */
  find(text: string, from?: number, until?: number): WordHit[];
  /**
   * Where a hit can start, from the first characters of the words (`wordStarts`): when it says no
   * position in [from, until) can start one, `find(text, from, until)` finds nothing. The stream
   * scanner asks it in the pass it already makes over each release.
   */
  readonly starts: WordStarts;
  /** Lower-case words that are part of a multi-word phrase (the stream scanner must not release them alone). */
  readonly phraseWords: ReadonlySet<string>;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whole-word guards. Letters of scripts written without spaces (Han, kana) do not count as a word
 * boundary, so a denied word is found inside Chinese or Japanese text.
 */
const WORDY = '(?![\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}])[\\p{L}\\p{N}_]';
const BEFORE = `(?<!${WORDY})`;
const AFTER = `(?!${WORDY})`;

/**
 * A configured word as a pattern: literal, any run of white space for a space, and each accented
 * letter matching both its composed and decomposed (letter + combining mark) spellings.
 */
function wordPattern(word: string): string {
  let out = '';
  for (const ch of word.normalize('NFC')) {
    if (/\s/.test(ch)) {
      if (!out.endsWith('\\s+')) out += '\\s+';
      continue;
    }
    const decomposed = ch.normalize('NFD');
    out += decomposed === ch ? escapeRe(ch) : `(?:${escapeRe(ch)}|${escapeRe(decomposed)})`;
  }
  return out;
}

/**
 * `re.exec(text)` from `from` (a global whole-word pattern). With `skip` (a text beyond Latin-1,
 * where irregexp's guards test full Unicode classes at every position and cost ~3× the bare
 * alternation), it is found through `bare`, the same alternatives without the guards: a guarded
 * match can start only where an alternative matches, so the places where `bare` matches are tried
 * in order (the whole-word pattern made sticky, `sticky`, at each) and the first that matches is
 * the one `re` would find. On Latin-1 text the guarded pattern alone is faster. Leaves
 * `re.lastIndex` as `re.exec` does.
 */
function guarded(re: RegExp, sticky: RegExp, bare: RegExp, text: string, from: number, skip: boolean): RegExpExecArray | null {
  if (!skip) {
    re.lastIndex = from;
    return re.exec(text);
  }
  for (let at = from; ;) {
    bare.lastIndex = at;
    const b = bare.exec(text);
    if (b === null) {
      re.lastIndex = 0;
      return null;
    }
    sticky.lastIndex = b.index;
    const m = sticky.exec(text);
    if (m !== null) {
      re.lastIndex = sticky.lastIndex;
      return m;
    }
    // The next place: one character on (two past a surrogate pair, where a `u` pattern does not start).
    const c = text.charCodeAt(b.index);
    const d = text.charCodeAt(b.index + 1);
    at = b.index + (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? 2 : 1);
  }
}

const BEYOND_LATIN1 = /[^\x00-\xff]/;

/** The whole-word patterns of a filter (global, case-insensitive): custom words, the built-in list, and both in one. */
export interface WordFilterPatterns {
  customRe: RegExp | null;
  profanityRe: RegExp | null;
  /** Both lists in one pattern (when both are on). */
  eitherRe: RegExp | null;
  /** The lower-cased custom words, longest first. */
  custom: string[];
  /** Each pattern's alternatives without the whole-word guards (`guarded`'s skip). */
  bare: { customRe: RegExp | null; profanityRe: RegExp | null; eitherRe: RegExp | null };
}

export function wordFilterPatterns(words: readonly string[], profanity: boolean): WordFilterPatterns {
  const custom = [...new Set(words.map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0))];
  // Longest first so that a phrase wins over a word it contains.
  custom.sort((a, b) => b.length - a.length);
  const parts = custom.map(wordPattern);
  const whole = (alternatives: readonly string[]): RegExp => new RegExp(`${BEFORE}(?:${alternatives.join('|')})${AFTER}`, 'giu');
  // The same alternatives without the whole-word guards: a guarded pattern matches only where an
  // alternative does, so only those places need the guarded pattern (`guarded`). Irregexp runs a
  // guard (a look-behind over Unicode classes) at every position; the bare alternation skips text
  // that starts none of the words about 3 times faster.
  const bare = (alternatives: readonly string[]): RegExp => new RegExp(`(?:${alternatives.join('|')})`, 'giu');
  const both = parts.length > 0 && profanity;
  return {
    custom,
    customRe: parts.length > 0 ? whole(parts) : null,
    profanityRe: profanity ? whole(PROFANITY) : null,
    // Both lists in one pattern: it matches at a position exactly when one of the two does, so when it
    // finds nothing starting before `until`, neither does, and one pass replaces two (most texts, and
    // nearly every streamed delta, hold no hit).
    eitherRe: both ? whole([...parts, ...PROFANITY]) : null,
    bare: { customRe: parts.length > 0 ? bare(parts) : null, profanityRe: profanity ? bare(PROFANITY) : null, eitherRe: both ? bare([...parts, ...PROFANITY]) : null },
  };
}

/** `words` are matched literally (spaces match any white space); `profanity` adds the built-in list. */
export function compileWordFilter(words: readonly string[], profanity: boolean): WordFilter | null {
  const { custom, customRe, profanityRe, eitherRe, bare } = wordFilterPatterns(words, profanity);
  if (custom.length === 0 && !profanity) return null;
  const customBare = bare.customRe;
  const profanityBare = bare.profanityRe;
  const eitherBare = bare.eitherRe;
  const sticky = (re: RegExp | null): RegExp | null => (re ? new RegExp(re.source, `${re.flags}y`) : null);
  const customSticky = sticky(customRe);
  const profanitySticky = sticky(profanityRe);
  const eitherSticky = sticky(eitherRe);
  // Words of multi-word phrases (custom ones, and the built-in list's when it is on), in the form the
  // stream scanner compares: lower case, trailing punctuation stripped ("dr." is "dr").
  const starts = wordStarts([...custom.map(wordPattern), ...(profanity ? PROFANITY : [])]);
  const phrases = [...custom.filter((w) => /\s/.test(w)), ...(profanity ? PROFANITY.filter((p) => /\s|\\s/.test(p)) : [])];
  const phraseWords = new Set(
    phrases
      .flatMap((p) => p.split(/\s+|\\s[+*]?/))
      .flatMap((w) => {
        const bare = w.replace(/[^\p{L}\p{N}'’]+$/u, '').replace(/^[^\p{L}\p{N}]+/u, '');
        return bare ? [w, bare] : [w];
      }),
  );
  return {
    phraseWords,
    starts,
    find(text: string, from = 0, until = Infinity): WordHit[] {
      const skip = BEYOND_LATIN1.test(text);
      if (eitherRe) {
        const m = guarded(eitherRe, eitherSticky!, eitherBare!, text, from, skip);
        if (m === null || m.index >= until) return [];
      }
      const out: WordHit[] = [];
      if (customRe) {
        for (
          let m = guarded(customRe, customSticky!, customBare!, text, from, skip);
          m !== null && m.index < until;
          m = guarded(customRe, customSticky!, customBare!, text, customRe.lastIndex, skip)
        ) {
          out.push({ name: m[0].toLowerCase().replace(/\s+/g, ' '), match: m[0], start: m.index, end: m.index + m[0].length });
        }
      }
      if (profanityRe) {
        for (
          let m = guarded(profanityRe, profanitySticky!, profanityBare!, text, from, skip);
          m !== null && m.index < until;
          m = guarded(profanityRe, profanitySticky!, profanityBare!, text, profanityRe.lastIndex, skip)
        ) {
          if (!out.some((o) => o.start < m!.index + m![0].length && m!.index < o.end)) {
            out.push({ name: 'PROFANITY', match: m[0], start: m.index, end: m.index + m[0].length });
          }
        }
      }
      return out.sort((a, b) => a.start - b.start);
    },
  };
}
