import { PATTERNS, scanStructure, wordTriggerNeedles } from '../../../src/guardrails/engine/injection/injection.carriers';
import { NeedleSet } from '../../../src/guardrails/engine/injection/needle-set';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';

/**
 * The structure scan's word triggers ask which of ~45 needles the lower-cased text holds; one pass of
 * `NeedleSet` answers them all. Against the plain definition (`text.includes(needle)` for each), on
 * random texts made of needle pieces (overlaps, needles inside needles, near misses) and on corpus
 * rows; and the scan reuses one probe across texts, so a text's results must not depend on the text
 * scanned before it.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A random text built from pieces of the needles (prefixes, suffixes, whole), a few other characters and non-ASCII ones. */
function pieceText(r: () => number, needles: readonly string[], parts: number): string {
  let out = '';
  for (let k = 0; k < parts; k++) {
    const n = needles[Math.floor(r() * needles.length)]!;
    const x = r();
    if (x < 0.3) out += n;
    else if (x < 0.55) out += n.slice(0, 1 + Math.floor(r() * n.length));
    else if (x < 0.8) out += n.slice(Math.floor(r() * n.length));
    else out += ' é-=:<|\n\tİ€aZ'[Math.floor(r() * 15)]!;
  }
  return out;
}

function expectSameAsIncludes(set: NeedleSet, needles: readonly string[], texts: Iterable<string>): number {
  let differ = 0;
  let found = 0;
  for (const t of texts) {
    const got = new Uint8Array(needles.length);
    set.scan(t, got);
    needles.forEach((n, i) => {
      const id = set.idOf(n)!;
      if ((got[id] === 1) !== t.includes(n)) differ++;
      if (t.includes(n) && i === id) found++;
    });
  }
  expect(differ).toBe(0);
  return found;
}

describe('structure scan: word needles in one pass', () => {
  it('finds exactly the trigger needles that `includes` finds, on 20,000 random texts of needle pieces', () => {
    const needles = wordTriggerNeedles();
    expect(needles.length).toBeGreaterThan(30);
    const set = new NeedleSet(needles);
    const r = rng(7);
    const texts = Array.from({ length: 20_000 }, () => pieceText(r, needles, 1 + Math.floor(r() * 12)));
    // Both answers occur often (the comparison is not between two "never"s).
    expect(expectSameAsIncludes(set, needles, texts)).toBeGreaterThan(20_000);
  });

  it('finds exactly what `includes` finds for random needle sets that nest and overlap ("he", "she", "hers", "ushers")', () => {
    const r = rng(11);
    for (let round = 0; round < 300; round++) {
      const alphabet = 'abcs-: '.slice(0, 2 + Math.floor(r() * 5));
      const needles = Array.from({ length: 1 + Math.floor(r() * 12) }, () => Array.from({ length: 1 + Math.floor(r() * 5) }, () => alphabet[Math.floor(r() * alphabet.length)]!).join(''));
      const set = new NeedleSet(needles);
      const texts = Array.from({ length: 40 }, () => Array.from({ length: Math.floor(r() * 40) }, () => (alphabet + 'xé')[Math.floor(r() * (alphabet.length + 2))]!).join(''));
      expectSameAsIncludes(set, needles, texts);
    }
  });

  it('gives a corpus row the same structure scan as a fresh module does, whatever rows came before it (one probe reused)', () => {
    const rows = corpusTexts().filter((t) => /[<[(:=|#]/.test(t));
    expect(rows.length).toBeGreaterThan(500);
    /** The scan of a module loaded for this text alone: its probe has seen no other text. */
    const fresh = (t: string): string => {
      let out = '';
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const m = require('../../../src/guardrails/engine/injection/injection.carriers') as typeof import('../../../src/guardrails/engine/injection/injection.carriers');
        out = JSON.stringify(m.scanStructure(t));
      });
      return out;
    };
    const r = rng(3);
    let differ = 0;
    let carriers = 0;
    for (let k = 0; k < 300; k++) {
      const row = rows[Math.floor(r() * rows.length)]!;
      // Other rows first (full of triggers or of none), then the row.
      for (let j = Math.floor(r() * 3); j >= 0; j--) scanStructure(r() < 0.5 ? rows[Math.floor(r() * rows.length)]! : 'plain words only');
      const reused = scanStructure(row);
      carriers += reused.carriers.length + reused.hits.length;
      if (JSON.stringify(reused) !== fresh(row)) differ++;
    }
    expect(differ).toBe(0);
    expect(carriers).toBeGreaterThan(50);
    expect(PATTERNS.length).toBeGreaterThan(20);
  });
});
