import { RegexGate, requiredLiterals } from '../../../src/guardrails/engine/injection/regex-gate';
import { gatedRegexes, scanText } from '../../../src/guardrails/engine/injection/injection-detector';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';

/**
 * `scanText` skips a regex when one pass over the text finds none of the literals every match of it
 * contains (`RegexGate`, literals read from the pattern's source by `requiredLiterals`). Shown here:
 * the literals read are sound (on random texts made of each pattern's own words, and on corpus rows,
 * a pattern never matches a text holding none of them), and `scanText` returns the same result with
 * the gate as with every regex run, on every corpus row and on random texts.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The pattern's own words and punctuation, cut into pieces, with spaces, quotes and other characters between. */
function pieceText(r: () => number, words: readonly string[], parts: number): string {
  let out = '';
  for (let k = 0; k < parts; k++) {
    const w = words[Math.floor(r() * words.length)]!;
    const x = r();
    if (x < 0.45) out += w;
    else if (x < 0.6) out += w.slice(0, 1 + Math.floor(r() * w.length));
    else if (x < 0.7) out += w.slice(Math.floor(r() * w.length));
    else if (x < 0.75) out += w.toUpperCase();
    else out += ' '.repeat(1 + Math.floor(r() * 2)) + [' ', '', '"', "'", '\u201c', '\u201d', '\u00ab', '\u00bb', '\n', '. ', '? ', ': ', ', ', '`', 'é', 'x'][Math.floor(r() * 16)]!;
  }
  return out;
}

/** Words of a pattern's source (its literals and near misses). */
function wordsOf(re: RegExp): string[] {
  const words = re.source.match(/[a-z][a-z' -]{1,30}|[?@`"'.-]/gi) ?? [];
  return [...new Set([...words.flatMap((w) => [w, ...w.split(/[ ?]/)]), ' ', '\t', 'x'].filter((w) => w.length > 0))];
}

function holdsOne(text: string, lits: readonly string[]): boolean {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return lits.some((l) => lower.includes(l));
}

describe('regex gate: required literals of a pattern', () => {
  it('reads literals through groups, optional parts, classes, quantifiers and assertions', () => {
    expect(requiredLiterals(/\b(?:forget|ignor)e?\b/)).toEqual(['forget', 'ignor']);
    expect(requiredLiterals(/\b(?:let.?s|lets) (?:start|try) again/)).toEqual([' start again', ' try again']);
    expect(requiredLiterals(/z\. ?b\./)).toEqual(['z. b.', 'z.b.']);
    expect(requiredLiterals(/examples?(?: include| are)?/)).toEqual(['example']);
    expect(requiredLiterals(/[ \t]*[:,]x/)).toEqual([':x', ',x']);
    expect(requiredLiterals(/(?<![a-z])ab(?=c)cd/)).toEqual(['abcd']);
    expect(requiredLiterals(/\bSay\b/i)).toEqual(['say']);
    // What cannot be read gives no gate: the pattern always runs.
    expect(requiredLiterals(/(^|[.!?])\s*x?/)).toBeNull();
    expect(requiredLiterals(/\u201c[^\u201d]+\u201d/)).toBeNull();
    expect(requiredLiterals(/\bfoo\b/iu)).toBeNull();
    expect(requiredLiterals(/a|\w+/)).toBeNull();
  });

  it('is sound for every gated pattern: no match in a text holding none of its literals (random texts of its words, corpus rows)', () => {
    const rows = corpusTexts().map((t) => t.toLowerCase());
    let matches = 0;
    let gated = 0;
    for (const [i, re] of gatedRegexes().entries()) {
      const lits = requiredLiterals(re);
      if (lits === null) continue;
      gated++;
      const plain = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
      const r = rng(100 + i);
      const words = wordsOf(re);
      const texts = [...rows, ...Array.from({ length: 3000 }, () => pieceText(r, words, 1 + Math.floor(r() * 14)))];
      const unsound = texts.filter((t) => plain.test(t) && !holdsOne(t, lits));
      expect({ re: re.source.slice(0, 60), unsound: unsound.slice(0, 3) }).toEqual({ re: re.source.slice(0, 60), unsound: [] });
      matches += texts.filter((t) => plain.test(t)).length;
    }
    expect(gated).toBeGreaterThan(30);
    // Both answers occur often (not a comparison of two "never"s).
    expect(matches).toBeGreaterThan(20_000);
  });

  it('answers "may match" whenever the pattern matches, with the text changing between questions', () => {
    const res = gatedRegexes();
    const gate = new RegexGate(res);
    const plain = res.map((re) => new RegExp(re.source, re.flags.replace(/[gy]/g, '')));
    const r = rng(5);
    const words = res.flatMap(wordsOf);
    let skipped = 0;
    let wrong = 0;
    for (let k = 0; k < 5_000; k++) {
      const t = pieceText(r, words, 1 + Math.floor(r() * 10));
      res.forEach((re, i) => {
        if (gate.may(t, re)) return;
        skipped++;
        if (plain[i]!.test(t)) wrong++;
      });
    }
    expect(wrong).toBe(0);
    expect(skipped).toBeGreaterThan(50_000);
  });
});

describe('regex gate: scanText unchanged', () => {
  /** scanText with every gated regex run (the gate answering "may match" always). */
  function ungated<T>(fn: () => T): T {
    const may = Object.getOwnPropertyDescriptor(RegexGate.prototype, 'may')!;
    Object.defineProperty(RegexGate.prototype, 'may', { ...may, value: () => true });
    try {
      return fn();
    } finally {
      Object.defineProperty(RegexGate.prototype, 'may', may);
    }
  }

  it('gives the same normalised text, decodings and lower-cased raw text on every corpus row and 20,000 random texts, direct and in a chunk', () => {
    const r = rng(11);
    const words = [
      ...gatedRegexes().flatMap(wordsOf),
      'ignore',
      'previous',
      'instructions',
      'you',
      'assistant',
      'system prompt',
      'aGVsbG8gd29ybGQgaWdub3Jl',
      'http://x.example/a?b=',
      'a@b.example',
      'i g n o r e',
    ];
    const texts = [...corpusTexts(), ...Array.from({ length: 20_000 }, () => pieceText(r, words, 1 + Math.floor(r() * 16)))];
    const want = ungated(() => texts.flatMap((t) => [scanText(t, true), scanText(t, false)]));
    const got = texts.flatMap((t) => [scanText(t, true), scanText(t, false)]);
    let differ = 0;
    got.forEach((g, i) => {
      if (JSON.stringify(g) !== JSON.stringify(want[i])) differ++;
    });
    expect(differ).toBe(0);
    // The rewrites ran on many of them (the comparison covers what the gate may skip).
    expect(want.filter((w, i) => w.text !== (w.lowerRaw ?? '') && i % 2 === 0).length).toBeGreaterThan(2_000);
  });
});
