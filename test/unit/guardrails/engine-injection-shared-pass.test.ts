import { scanText, scoreInjection } from '../../../src/guardrails/engine/injection/injection-detector';
import { PATTERNS, scanStructure, wordTriggerNeedles } from '../../../src/guardrails/engine/injection/injection.carriers';
import { NeedleSet } from '../../../src/guardrails/engine/injection/needle-set';
import { RegexGate } from '../../../src/guardrails/engine/injection/regex-gate';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';
import { CHUNKS } from '../../bench/generate-clients';

/**
 * On plain ASCII text the regex gate's first pass reads the lower-cased raw text, which is also what
 * the structure scan's word triggers read: the structure scan's needles join the gate's set and one
 * pass answers both. Shown by the work done (needle passes per text) and by the answers: the flags
 * the gate hands over are `lower.includes(needle)` for every needle, and the structure scan given
 * them finds what it finds alone.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Random lower-case text of needle pieces, words and structural characters. */
function pieceText(r: () => number, needles: readonly string[], parts: number): string {
  let out = '';
  for (let k = 0; k < parts; k++) {
    const n = needles[Math.floor(r() * needles.length)]!;
    const x = r();
    if (x < 0.35) out += n;
    else if (x < 0.6) out += n.slice(0, 1 + Math.floor(r() * n.length));
    else if (x < 0.8) out += n.slice(Math.floor(r() * n.length));
    else out += ' -=:<>|[](\n\t;#ps'[Math.floor(r() * 17)]!;
  }
  return out;
}

describe('injection detector: one needle pass for the regex gate and the structure scan', () => {
  it('makes one needle pass per plain ASCII text that no rewrite changes (the generate benchmark chunks, corpus rows)', () => {
    const scan = jest.spyOn(NeedleSet.prototype, 'scan');
    try {
      // ASCII rows the normalisation leaves as they are (lower-cased): no rewrite makes the gate read another text.
      const plain = corpusTexts().filter((t) => /^[\x00-\x7f]*$/.test(t) && scanText(t, false).text === t.toLowerCase());
      expect(plain.length).toBeGreaterThan(200);
      for (const t of [...CHUNKS.map((c) => c.text), ...plain.slice(0, 300)]) {
        scan.mockClear();
        scoreInjection(t, true);
        // Before: the gate's pass over the normalised text and the structure scan's own pass over the lower-cased raw text.
        expect({ t, passes: scan.mock.calls.length }).toEqual({ t, passes: 1 });
      }
    } finally {
      scan.mockRestore();
    }
  });

  it("hands over includes() of every structure needle, only for the text of the gate's last pass", () => {
    const needles = wordTriggerNeedles();
    const re = /prompt/;
    const gate = new RegexGate([re], needles);
    const r = rng(20261208);
    const texts = [...corpusTexts().map((t) => t.toLowerCase()), ...Array.from({ length: 20_000 }, () => pieceText(r, needles, 1 + Math.floor(r() * 14)))];
    const out = new Uint8Array(needles.length);
    let differ = 0;
    let present = 0;
    for (const t of texts) {
      gate.may(t, re);
      expect(gate.foundExtra(t, out)).toBe(true);
      needles.forEach((n, k) => {
        if ((out[k] === 1) !== t.includes(n)) differ++;
        if (out[k] === 1) present++;
      });
      // Another text: no answer (the caller makes its own pass).
      expect(gate.foundExtra(`${t} x`, out)).toBe(false);
    }
    expect(differ).toBe(0);
    expect(present).toBeGreaterThan(20_000);
  });

  it('gives the structure scan the same carriers and hits as its own pass (corpus rows and 10,000 random texts)', () => {
    const needles = wordTriggerNeedles();
    const re = /prompt/;
    const gate = new RegexGate([re], needles);
    const r = rng(7);
    const texts = [...corpusTexts(), ...Array.from({ length: 10_000 }, () => pieceText(r, needles, 1 + Math.floor(r() * 14)))];
    const out = new Uint8Array(needles.length);
    let differ = 0;
    for (const t of texts) {
      const lower = t.toLowerCase();
      gate.may(lower, re);
      gate.foundExtra(lower, out);
      if (JSON.stringify(scanStructure(t, lower, out)) !== JSON.stringify(scanStructure(t, lower))) differ++;
    }
    expect(differ).toBe(0);
  });
});

describe('structure scan: the triggers skip only texts their patterns cannot match', () => {
  /** scanStructure with every pattern run (each trigger answering yes). */
  function untriggered<T>(fn: () => T): T {
    const patterns = PATTERNS as unknown as { trigger: unknown }[];
    const saved = patterns.map((p) => p.trigger);
    patterns.forEach((p) => (p.trigger = () => true));
    try {
      return fn();
    } finally {
      patterns.forEach((p, k) => (p.trigger = saved[k]));
    }
  }

  it('finds the same carriers and hits with and without the triggers (corpus rows and 20,000 random texts of postscript and code shapes)', () => {
    const pieces = [
      'P',
      'S',
      'D',
      'p',
      's',
      'd',
      '.',
      '. ',
      ' ',
      '\t',
      '-',
      '\n',
      'P.S.',
      'P.-S.',
      'PS',
      'P.D.',
      'p.s',
      'ps:',
      'PD ',
      'P S',
      'P\tD',
      ':',
      ',',
      'for the AI',
      'ignore the rules',
      'steps',
      'import ',
      'IMPORT os',
      'def ',
      'function ',
      'requests.get(',
      'os.environ',
      'fetch(',
      'process.env',
      '```',
      'require(',
      'rm -rf /',
      'DROP DATABASE',
      'x',
    ];
    const r = rng(31);
    const random = Array.from({ length: 20_000 }, () => {
      let t = '';
      for (let k = 1 + Math.floor(r() * 12); k > 0; k--) t += pieces[Math.floor(r() * pieces.length)];
      return t;
    });
    const texts = [...corpusTexts(), ...random];
    const want = untriggered(() => texts.map((t) => JSON.stringify(scanStructure(t))));
    let differ = 0;
    let postscripts = 0;
    texts.forEach((t, k) => {
      const got = JSON.stringify(scanStructure(t));
      if (got !== want[k]) differ++;
      if (got.includes('"postscript"')) postscripts++;
    });
    expect(differ).toBe(0);
    expect(postscripts).toBeGreaterThan(1_000);
  });
});
