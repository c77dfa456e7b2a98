import { LEXICON, pairConceptsOf } from '../../../src/guardrails/engine/injection/injection.lexicon';

/**
 * A two-word entry's second word is looked up as is, without a final s, or cut to 5–9 letters (the longest wins);
 * `secondConcepts` skips the cuts whose length no second word of that first word has. Same answer as every look-up
 * made, for every first word and tokens built from its second words (whole, cut, extended, with an s) and others.
 */

/** The second words of each first word. */
const SECONDS = new Map<string, Map<string, number>>();
for (const [key, bits] of LEXICON.pair) {
  const [first, second] = key.split(' ') as [string, string];
  if (!SECONDS.has(first)) SECONDS.set(first, new Map());
  SECONDS.get(first)!.set(second, bits);
}

/** The definition: every look-up, no length test. */
function reference(prev: string, tok: string): number {
  const words = SECONDS.get(prev) ?? new Map<string, number>();
  if (words.size === 0 || ![...words.keys()].some((w) => w.charCodeAt(0) === tok.charCodeAt(0))) return 0;
  let b = words.get(tok);
  if (b === undefined && tok.endsWith('s')) b = words.get(tok.slice(0, -1));
  for (let k = Math.min(tok.length - 1, 9); b === undefined && k >= 5; k--) b = words.get(tok.slice(0, k));
  return b ?? 0;
}

describe('injection lexicon: two-word entries looked up only at lengths a second word has', () => {
  it('gives the concepts of every look-up for every first word and 60 tokens each', () => {
    const firsts = [...SECONDS.keys()];
    const seconds = [...new Set([...LEXICON.pair.keys()].map((k) => k.split(' ')[1]!))];
    let s = 20261208;
    const r = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    let found = 0;
    let checked = 0;
    for (const prev of firsts) {
      for (let n = 0; n < 60; n++) {
        const own = [...SECONDS.get(prev)!.keys()];
        const w = r() < 0.7 ? own[Math.floor(r() * own.length)]! : seconds[Math.floor(r() * seconds.length)]!;
        const x = r();
        const tok = x < 0.3 ? w : x < 0.5 ? `${w}s` : x < 0.7 ? w.slice(0, 1 + Math.floor(r() * w.length)) : x < 0.9 ? w + 'abcdefghij'.slice(0, 1 + Math.floor(r() * 9)) : 'tsunamis';
        const want = reference(prev, tok);
        expect({ prev, tok, bits: pairConceptsOf(prev, tok) }).toEqual({ prev, tok, bits: want });
        if (want !== 0) found++;
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5_000);
    expect(found).toBeGreaterThan(500);
  });
});
