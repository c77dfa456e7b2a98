import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterLineBreak, lexiconMap, SIGNATURE_ROLE_LINE, SortedLines } from '../../../src/guardrails/engine/pii/name.recognizer';
import { leftContext } from '../../../src/guardrails/engine/pii/pii-context';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';

/**
 * NAME's lookups made cheaper with the same answers:
 * - `SortedLines.has` bisects only the lines that share the key's first two code units (one Map probe
 *   for the range) instead of the whole list. Shown: on both real lists (humannames' 197,000 names,
 *   capitalised, and the foreign-word list, lower-cased) it answers as the previous bisection over
 *   every line (kept below) for every line, every line cut short or lengthened, and random words.
 * - compromise's lexicon is read through a Map (`lexiconMap`) instead of by property look-up on its
 *   object: shown answering as `object[key]` for every key, every key cut short or lengthened or
 *   capitalised, every name the object inherits ("constructor", "toString") and random words.
 * - The signature-role test runs only when the context ends with a line break and spaces or tabs
 *   (`afterLineBreak`, no copy of the context): shown never false where the pattern matches, on every
 *   corpus row at every capital and on random texts of line breaks, closings and spaces.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `SortedLines.has` before the change: bisection over every line. */
function hasBefore(text: string, capitalised: boolean): (lower: string) => boolean {
  const starts: number[] = [];
  for (let at = 0; at < text.length;) {
    starts.push(at);
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    at = nl + 1;
  }
  const compare = (key: string, i: number): number => {
    let p = starts[i]!;
    for (let k = 0; k < key.length; k++, p++) {
      const c = p < text.length ? text.charCodeAt(p) : 10;
      if (c === 13 || c === 10) return 1;
      const d = key.charCodeAt(k) - c;
      if (d !== 0) return d;
    }
    const c = p < text.length ? text.charCodeAt(p) : 10;
    return c === 13 || c === 10 ? 0 : -1;
  };
  return (lower) => {
    if (lower.length < 2) return false;
    const key = capitalised ? lower[0]!.toUpperCase() + lower.slice(1) : lower;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compare(key, mid);
      if (c === 0) return true;
      if (c < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return false;
  };
}

function checkList(text: string, capitalised: boolean): { words: number; found: number } {
  const lines = new SortedLines(text, capitalised);
  const before = hasBefore(text, capitalised);
  const words = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const lower = line.toLowerCase();
    words.add(lower);
    words.add(lower.slice(0, -1));
    words.add(lower.slice(0, 2));
    words.add(lower + 'a');
    words.add(lower + 'z');
  }
  const r = rng(7);
  const letters = "abcdefghijklmnopqrstuvwxyzéüñ'-";
  for (let i = 0; i < 20_000; i++) {
    let w = '';
    for (let n = 1 + Math.floor(r() * 9); n > 0; n--) w += letters[Math.floor(r() * letters.length)];
    words.add(w);
  }
  let found = 0;
  const wrong: string[] = [];
  for (const w of words) {
    const got = lines.has(w);
    if (got !== before(w)) wrong.push(w);
    if (got) found++;
  }
  expect(wrong.slice(0, 10)).toEqual([]);
  return { words: words.size, found };
}

describe('NAME lookups: same answers', () => {
  it('SortedLines.has answers as a bisection over every line (humannames, capitalised)', () => {
    const text = readFileSync(join(require.resolve('humannames/package.json'), '..', 'list.txt'), 'utf8');
    const { words, found } = checkList(text, true);
    expect(words).toBeGreaterThan(500_000);
    expect(found).toBeGreaterThan(190_000);
  });

  it('SortedLines.has answers as a bisection over every line (foreign words, lower-cased)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const text = (require('../../../src/guardrails/engine/pii/foreign-words.json') as { words: string }).words;
    const { words, found } = checkList(text, false);
    expect(words).toBeGreaterThan(50_000);
    expect(found).toBeGreaterThan(10_000);
  });

  it('lexiconMap answers as the lexicon object', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nlp = require('compromise') as { world(): { model: { one: { lexicon: Record<string, string | string[]> } } } };
    const object = nlp.world().model.one.lexicon;
    const map = lexiconMap(object);
    const keys = new Set<string>(['constructor', '__proto__', 'tostring', 'toString', 'valueOf', 'hasOwnProperty', 'length', '']);
    for (const k of Object.keys(object)) {
      keys.add(k);
      keys.add(k.slice(0, -1));
      keys.add(k + 's');
      keys.add(k[0]!.toUpperCase() + k.slice(1));
    }
    const r = rng(5);
    for (let i = 0; i < 20_000; i++) keys.add(Math.floor(r() * 2 ** 40).toString(36));
    const wrong = [...keys].filter((k) => map.get(k) !== object[k]);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(keys.size).toBeGreaterThan(80_000);
    expect(map.get('constructor')).toBe(Object);
  });

  it('afterLineBreak holds wherever the signature-role pattern matches', () => {
    const texts = [...corpusTexts()];
    const r = rng(11);
    const parts = ['Kind regards,', 'Thanks!', 'Cordialement', 'Grüße', '\n', '\n', ' ', '\t', 'Ana Lima', 'Leitung Einkauf', 'x', '  \n', '\r\n', 'İstanbul'];
    for (let i = 0; i < 3_000; i++) {
      let t = '';
      for (let n = 2 + Math.floor(r() * 12); n > 0; n--) t += parts[Math.floor(r() * parts.length)];
      texts.push(t + 'Name');
    }
    let matched = 0;
    let gated = 0;
    const wrong: string[] = [];
    for (const text of texts) {
      for (let at = 0; at < text.length; at++) {
        const c = text.charCodeAt(at);
        if (!((c >= 65 && c <= 90) || c >= 192)) continue;
        const full = SIGNATURE_ROLE_LINE.test(leftContext(text, at, 64));
        const gate = afterLineBreak(text, at, 64);
        if (full) matched++;
        if (!gate) gated++;
        if (full && !gate) wrong.push(text.slice(Math.max(0, at - 64), at));
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(matched).toBeGreaterThan(100);
    expect(gated).toBeGreaterThan(100_000);
  });
});
