import { compileWordFilter } from '../../../src/guardrails/engine/words/word-filter';

/**
 * The word filter answers a window [from, until) of a text (the stream scanner's case) with one
 * pass of a pattern holding both lists before the two lists' own passes. That first pass must never
 * hide a hit: every window gives the hits of the whole text that start in it.
 */
describe('word filter windows', () => {
  const filter = compileWordFilter(['project orchid', 'internal only', 'zorblax'], true)!;
  const pieces = ['the plan', 'Project  Orchid', 'is', 'internal\nonly', 'what the fuck', 'zorblax', 'bullshit,', 'Zorblaxes', 'piss off', 'ok.', 'shit', 'motherfuckers', 'assess', 'crappy'];

  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it('gives, for every window, the whole-text hits that start in it (custom words and profanity together)', () => {
    const rand = rng(12);
    let windows = 0;
    let withHits = 0;
    for (let t = 0; t < 300; t++) {
      const n = 2 + Math.floor(rand() * 8);
      const text = Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]).join(rand() < 0.5 ? ' ' : '\n');
      const whole = filter.find(text);
      for (let k = 0; k < 8; k++) {
        const from = Math.floor(rand() * text.length);
        const until = from + 1 + Math.floor(rand() * (text.length - from));
        const expected = whole.filter((h) => h.start >= from && h.start < until);
        expect(filter.find(text, from, until)).toEqual(expected);
        windows++;
        if (expected.length > 0) withHits++;
      }
    }
    // The windows did test both answers: many hold a hit, many none.
    expect(withHits).toBeGreaterThan(windows / 4);
    expect(windows - withHits).toBeGreaterThan(windows / 4);
  });

  it('still finds a hit that starts right before the window ends', () => {
    const text = 'we talked about project orchid and shit today';
    const at = text.indexOf('shit');
    expect(filter.find(text, 0, at + 1).map((h) => h.name)).toEqual(['project orchid', 'PROFANITY']);
    expect(filter.find(text, 0, at).map((h) => h.name)).toEqual(['project orchid']);
    expect(filter.find(text, at + 1)).toEqual([]);
  });
});
