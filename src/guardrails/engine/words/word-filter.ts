import { PROFANITY } from './profanity.lexicon';

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

/** `words` are matched literally (spaces match any white space); `profanity` adds the built-in list. */
export function compileWordFilter(words: readonly string[], profanity: boolean): WordFilter | null {
  const custom = [...new Set(words.map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0))];
  if (custom.length === 0 && !profanity) return null;
  // Longest first so that a phrase wins over a word it contains.
  custom.sort((a, b) => b.length - a.length);
  const parts = custom.map(wordPattern);
  const customRe = parts.length > 0 ? new RegExp(`${BEFORE}(?:${parts.join('|')})${AFTER}`, 'giu') : null;
  const profanityRe = profanity ? new RegExp(`${BEFORE}(?:${PROFANITY.join('|')})${AFTER}`, 'giu') : null;
  // Both lists in one pattern: it matches at a position exactly when one of the two does, so when it
  // finds nothing starting before `until`, neither does, and one pass replaces two (most texts, and
  // nearly every streamed delta, hold no hit).
  const eitherRe = customRe && profanityRe ? new RegExp(`${BEFORE}(?:${[...parts, ...PROFANITY].join('|')})${AFTER}`, 'giu') : null;
  // Words of multi-word phrases (custom ones, and the built-in list's when it is on), in the form the
  // stream scanner compares: lower case, trailing punctuation stripped ("dr." is "dr").
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
    find(text: string, from = 0, until = Infinity): WordHit[] {
      if (eitherRe) {
        eitherRe.lastIndex = from;
        const m = eitherRe.exec(text);
        if (m === null || m.index >= until) return [];
      }
      const out: WordHit[] = [];
      if (customRe) {
        customRe.lastIndex = from;
        for (let m = customRe.exec(text); m !== null && m.index < until; m = customRe.exec(text)) {
          out.push({ name: m[0].toLowerCase().replace(/\s+/g, ' '), match: m[0], start: m.index, end: m.index + m[0].length });
        }
      }
      if (profanityRe) {
        profanityRe.lastIndex = from;
        for (let m = profanityRe.exec(text); m !== null && m.index < until; m = profanityRe.exec(text)) {
          if (!out.some((o) => o.start < m!.index + m![0].length && m!.index < o.end)) {
            out.push({ name: 'PROFANITY', match: m[0], start: m.index, end: m.index + m[0].length });
          }
        }
      }
      return out.sort((a, b) => a.start - b.start);
    },
  };
}
