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
  find(text: string): WordHit[];
  /** Lower-case words that are part of a multi-word phrase (the stream scanner must not release them alone). */
  readonly phraseWords: ReadonlySet<string>;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `words` are matched literally (spaces match any white space); `profanity` adds the built-in list. */
export function compileWordFilter(words: readonly string[], profanity: boolean): WordFilter | null {
  const custom = [...new Set(words.map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0))];
  if (custom.length === 0 && !profanity) return null;
  // Longest first so that a phrase wins over a word it contains.
  custom.sort((a, b) => b.length - a.length);
  const parts = custom.map((w) => escapeRe(w).replace(/\s+/g, '\\s+'));
  const customRe = parts.length > 0 ? new RegExp(`(?<![\\p{L}\\p{N}_])(?:${parts.join('|')})(?![\\p{L}\\p{N}_])`, 'giu') : null;
  const profanityRe = profanity ? new RegExp(`(?<![\\p{L}\\p{N}_])(?:${PROFANITY.join('|')})(?![\\p{L}\\p{N}_])`, 'giu') : null;
  const phraseWords = new Set(custom.filter((w) => /\s/.test(w)).flatMap((w) => w.split(/\s+/)));
  return {
    phraseWords,
    find(text: string): WordHit[] {
      const out: WordHit[] = [];
      if (customRe) {
        customRe.lastIndex = 0;
        for (let m = customRe.exec(text); m !== null; m = customRe.exec(text)) {
          out.push({ name: m[0].toLowerCase().replace(/\s+/g, ' '), match: m[0], start: m.index, end: m.index + m[0].length });
        }
      }
      if (profanityRe) {
        profanityRe.lastIndex = 0;
        for (let m = profanityRe.exec(text); m !== null; m = profanityRe.exec(text)) {
          if (!out.some((o) => o.start < m!.index + m![0].length && m!.index < o.end)) {
            out.push({ name: 'PROFANITY', match: m[0], start: m.index, end: m.index + m[0].length });
          }
        }
      }
      return out.sort((a, b) => a.start - b.start);
    },
  };
}
