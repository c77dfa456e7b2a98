import { collapseSpaces } from '../../../src/guardrails/engine/injection/normalize';

/**
 * `collapseSpaces` matches only the runs of spaces and tabs that change (two or more characters, or
 * a tab). Against the plain definition, `t.replace(/[ \t]+/g, ' ')`, on random texts of spaces,
 * tabs, line breaks, other white space and letters.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('injection normalisation: runs of spaces and tabs', () => {
  it('gives what /[ \\t]+/g → " " gives on 100,000 random texts', () => {
    const r = rng(5);
    const alphabet = ['  ', ' ', ' ', '\t', '\t', '\n', '\r', '\u00a0', '\v', 'a', 'b', '.'];
    let differ = 0;
    let changed = 0;
    for (let k = 0; k < 100_000; k++) {
      let t = '';
      for (let n = Math.floor(r() * 24); n > 0; n--) t += alphabet[Math.floor(r() * alphabet.length)]!;
      const want = t.replace(/[ \t]+/g, ' ');
      if (collapseSpaces(t) !== want) differ++;
      if (want !== t) changed++;
    }
    expect(differ).toBe(0);
    expect(changed).toBeGreaterThan(50_000);
  });
});
