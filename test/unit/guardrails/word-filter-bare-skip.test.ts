import { compileWordFilter, wordFilterPatterns, type WordHit } from '../../../src/guardrails/engine/words/word-filter';
import { PROFANITY } from '../../../src/guardrails/engine/words/profanity.lexicon';

/**
 * On text beyond Latin-1 the word filter tries the whole-word pattern only where an unguarded
 * alternation of its words matches, in order (no whole-word match starts anywhere else); on Latin-1
 * text it runs the whole-word pattern as it is (random texts below take both paths). Against the plain
 * definition (each whole-word pattern run from `from`), on random texts made of the words, their
 * pieces, letters and digits glued to them, accents (composed and decomposed), Han and kana, emoji
 * and case variants, with random `from` and `until`.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The filter's hits by the plain definition (the whole-word patterns run from `from`, as before the skip). */
function plainFind(patterns: ReturnType<typeof wordFilterPatterns>, text: string, from: number, until: number): WordHit[] {
  const { customRe, profanityRe, eitherRe } = patterns;
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
      if (!out.some((o) => o.start < m!.index + m![0].length && m!.index < o.end)) out.push({ name: 'PROFANITY', match: m[0], start: m.index, end: m.index + m[0].length });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

// ".ne" then "net": in " .net " the first place an alternative matches (".ne", cut off by the "t"
// after it) is not a whole word, and the very next one ("net") is.
const CUSTOM = ['project orchid', 'internal only', 'zorblax', 'café', 'naïve plan', 'ab', 'Straße', '秘密', '.ne', 'net'];
/** Words of the built-in list as they read (the pattern's first spelling). */
const PROFANE = PROFANITY.map((p) =>
  p
    .replace(/\\s\+/g, ' ')
    .replace(/\[([^\]])[^\]]*\]/g, '$1')
    .replace(/\(\?:([^|)]*)[^)]*\)\??/g, '$1')
    .replace(/[+?*]/g, ''),
);
const GLUE = ['', '', '', ' ', ' ', '\n', 'x', '1', '_', '-', '.', 'é', 'e\u0301', '漢', 'カ', '😀', 'K', '\u212a', ' ', 'İ'];

function randomText(r: () => number, words: readonly string[]): string {
  let out = '';
  const parts = Math.floor(r() * 14);
  for (let k = 0; k < parts; k++) {
    out += GLUE[Math.floor(r() * GLUE.length)]!;
    const w = words[Math.floor(r() * words.length)]!;
    const x = r();
    const piece = x < 0.5 ? w : x < 0.7 ? w.slice(0, 1 + Math.floor(r() * w.length)) : x < 0.85 ? w.toUpperCase() : w.normalize('NFD');
    out += piece;
  }
  return out;
}

describe('word filter: the unguarded skip finds what the whole-word patterns find', () => {
  for (const [label, words, profanity] of [
    ['custom words and the built-in list', CUSTOM, true],
    ['custom words only', CUSTOM, false],
    ['the built-in list only', [], true],
  ] as const) {
    it(`${label}: the same hits as the plain patterns on 20,000 random texts, any from/until`, () => {
      const filter = compileWordFilter(words, profanity)!;
      const patterns = wordFilterPatterns(words, profanity);
      const r = rng(label.length);
      const vocabulary = [...words, ...PROFANE];
      let differ = 0;
      let hits = 0;
      for (let k = 0; k < 20_000; k++) {
        const text = randomText(r, vocabulary);
        const from = r() < 0.6 ? 0 : Math.floor(r() * (text.length + 1));
        const until = r() < 0.6 ? Infinity : from + Math.floor(r() * (text.length + 1));
        const got = filter.find(text, from, until);
        const want = plainFind(patterns, text, from, until);
        if (JSON.stringify(got) !== JSON.stringify(want)) differ++;
        hits += want.length;
      }
      expect(differ).toBe(0);
      // Hits are common (the comparison is not between two empty answers).
      expect(hits).toBeGreaterThan(2_000);
    });
  }
});
