import { join } from 'node:path';
import { dataDir, readJsonl } from '../../../scripts/lib/guardrails-data';
import { mulberry32 } from '../../../src/core/seeded-random';
import { compileWordFilter } from '../../../src/guardrails/engine/words/word-filter';
import { wordStarts } from '../../../src/guardrails/engine/words/word-starts';

/**
 * The stream scanner runs a word filter's pattern over a release only when `starts` says a hit may
 * start in it. That is sound only if `mayStart(text, from, until) === false` always comes with
 * `find(text, from, until)` finding nothing: checked on random texts made of the words, their pieces and
 * spellings the pattern engine folds (capitals, the Kelvin sign, a long s, decomposed accents, ligatures),
 * beyond-ASCII text, and on development corpus rows.
 */

const FILTERS = [
  compileWordFilter(['project orchid', 'internal only', 'zorblax'], true)!,
  compileWordFilter(['project orchid', 'internal only', 'zorblax'], false)!,
  compileWordFilter(['top secret', 'dr. no', "o'brien deal", 'café crème', 'a', 'K9', 'de la', '#tag', 'naïve'], false)!,
  compileWordFilter([], true)!,
];

const PIECES = [
  'fuck',
  'FUCK',
  'f*ck',
  'f@ck',
  'sh1t',
  'Sh!t',
  'shitty',
  'ass',
  'assess',
  'who',
  'whore',
  'Whores',
  'wank',
  'want',
  'project  orchid',
  'project\norchid',
  'PROJECT\u00a0ORCHID',
  'internal',
  'only',
  'zorblax',
  'ZORBLAX',
  'Zorblaxy',
  'ſhit',
  'ﬀuck',
  'fuuuck',
  'ffuck',
  'wtf',
  'WTF!',
  'fml',
  'screw you',
  'screw  you',
  'piss off',
  'pissed',
  'motherfucker',
  'bullshit',
  'b!tch',
  'dicks',
  '\u212a9',
  'k9',
  'K9',
  'a',
  'A',
  'dr. no',
  'DR. NO',
  "o'brien deal",
  'café crème',
  'cafe\u0301 cre\u0300me',
  'naïve',
  'nai\u0308ve',
  'de la',
  '#tag',
  '##tag',
  'x#tag',
  '中文',
  'の',
  'x',
  '_',
  '1',
  'the',
  'é',
  ' ',
  ' ',
  ' ',
  '\n',
  '.',
  ',',
  '-',
  '(',
  '"',
];

describe('word starts: where a word-filter hit can start', () => {
  it('never says no where the filter finds a hit (random texts and windows)', () => {
    const rnd = mulberry32(2027);
    let no = 0;
    for (let n = 0; n < 60_000; n++) {
      let text = '';
      for (let k = 1 + Math.floor(rnd() * 8); k > 0; k--) text += PIECES[Math.floor(rnd() * PIECES.length)]!;
      const from = Math.floor(rnd() * (text.length + 1));
      const until = from + Math.floor(rnd() * (text.length + 2 - from));
      for (const f of FILTERS) {
        if (f.starts.mayStart(text, from, until)) continue;
        no++;
        const hits = f.find(text, from, until);
        if (hits.length > 0) expect({ text, from, until, hits }).toEqual({ text, from, until, hits: [] });
      }
    }
    // It does say no, often: the test covers the skip.
    expect(no).toBeGreaterThan(60_000);
  });

  it('reads lower-case ASCII text (the inert releases of the scanner) as the general test does, also where a word runs past the range', () => {
    const lower = [
      'fuck',
      'f*ck',
      'sh1t',
      'sh!t',
      'who',
      'whore',
      'want',
      'wtf',
      'fml',
      'project  orchid',
      'project\norchid',
      'internal',
      'zorblax',
      "o'brien deal",
      'dr. no',
      'de la',
      'a',
      'k9',
      'x',
      'the',
      'pro',
      ' ',
      ' ',
      '\n',
      '.',
      ',',
      '-',
      '(',
      '"',
      "'",
    ];
    const tails = ['', 'ck', 'uck', 'ſhit', 'é', 'ɑ', 'K', '9', ' orchid'];
    const rnd = mulberry32(31);
    let no = 0;
    for (let n = 0; n < 40_000; n++) {
      let text = '';
      for (let k = 1 + Math.floor(rnd() * 8); k > 0; k--) text += lower[Math.floor(rnd() * lower.length)]!;
      const from = Math.floor(rnd() * (text.length + 1));
      const until = from + Math.floor(rnd() * (text.length + 1 - from));
      // Only [from, until) must be lower-case ASCII: what follows (the held tail) may be anything.
      text = text.slice(0, until) + tails[Math.floor(rnd() * tails.length)]! + text.slice(until);
      for (const f of FILTERS) {
        const fast = f.starts.mayStartLowerAscii(text, from, until);
        expect([text, from, until, fast]).toEqual([text, from, until, f.starts.mayStart(text, from, until)]);
        if (fast) continue;
        no++;
        const hits = f.find(text, from, until);
        if (hits.length > 0) expect({ text, from, until, hits }).toEqual({ text, from, until, hits: [] });
      }
    }
    expect(no).toBeGreaterThan(40_000);
  });

  it('never says no where the filter finds a hit in development corpus rows, and says no for most of them', () => {
    const rows = readJsonl<{ text: string }>(join(dataDir(), 'dev', 'pii.jsonl')).concat(readJsonl<{ text: string }>(join(dataDir(), 'dev', 'injection.jsonl')));
    expect(rows.length).toBeGreaterThan(500);
    let no = 0;
    for (const { text } of rows) {
      for (const f of FILTERS) {
        if (f.starts.mayStart(text, 0, Infinity)) continue;
        no++;
        expect(f.find(text)).toEqual([]);
      }
    }
    expect(no).toBeGreaterThan(rows.length);
  });

  it('says yes at the first characters of each word it knows, in any case, and no at other words', () => {
    const f = FILTERS[0]!;
    for (const w of ['fuck', 'Fuck it', 'WTF', 'project orchid', 'Zorblax!', 'f*ck', 'ſhit', 'proj']) expect([w, f.starts.mayStart(w, 0, w.length)]).toEqual([w, true]);
    for (const w of ['the parcel shipped today', 'want', 'push', 'assess', 'sh', 'xfuck', '_fuck', '9wtf']) expect([w, f.starts.mayStart(w, 0, w.length)]).toEqual([w, false]);
  });

  it('gives up (every position may start a hit) on patterns it does not read or that match nothing', () => {
    for (const alternatives of [['(?=x)abc'], ['ab{2}c'], ['\\bfoo'], ['a|'], ['x*']]) {
      const s = wordStarts(alternatives);
      expect([alternatives, s.mayStart('zzz qqq', 0, 7)]).toEqual([alternatives, true]);
    }
  });
});
