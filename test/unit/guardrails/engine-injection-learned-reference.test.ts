import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { scoreInjection } from '../../../src/guardrails/engine';
import { FEATURE_BITS, FeatureSink, scorerFor, shippedModel } from '../../../src/guardrails/engine/injection/injection.classifier';

/**
 * The learned layer's scorer (`FeatureSink`: stamped cells, int8 codes through a lookup table,
 * concept pairs in a sliding window) against a straightforward reference written from its
 * definition: from the token pass's (hash, concepts) stream, the buckets of unigrams, bigrams,
 * concepts and concept pairs, each counted once in the order the text first has it, the float
 * weights summed in that order. Sum, count and probability must be equal to the last bit on every
 * tuning corpus row and on generated texts, so any faster layout of the scorer keeps the scores.
 */

const MASK = (1 << FEATURE_BITS) - 1;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The reference: a Set of buckets in first-seen order, concept pairs with the last 8 concept tokens' concepts. */
function reference(tokens: Array<[number, number]>, indirect: boolean): { sum: number; count: number; p: number } {
  const model = shippedModel()!;
  const order: number[] = [];
  const seen = new Set<number>();
  const add = (f: number) => {
    if (!seen.has(f)) {
      seen.add(f);
      order.push(f);
    }
  };
  add(fnv1a(indirect ? '#chunk' : '#direct') & MASK);
  let prev: number | null = null;
  let recent: number[] = [];
  for (const [h, bits] of tokens.slice(0, 4000)) {
    add(h & MASK);
    if (prev !== null && prev !== 0) add(mix(prev, h) & MASK);
    prev = h;
    for (let b = 0; b < 32; b++) {
      if ((bits & (1 << b)) === 0) continue;
      add(fnv1a(`@${b}`) & MASK);
      for (const r of recent) if (r !== b) add(fnv1a(`@${Math.min(r, b)}+${Math.max(r, b)}`) & MASK);
      recent.push(b);
    }
    recent = recent.slice(-8);
  }
  let sum = 0;
  for (const f of order) sum += f < model.weights.length ? model.weights[f]! : 0;
  const z = model.bias + sum / Math.sqrt(Math.max(1, order.length));
  return { sum, count: order.length, p: 1 / (1 + Math.exp(-z)) };
}

function tuningTexts(): string[] {
  const data = path.join(__dirname, '../../../data/guardrails');
  const out: string[] = [];
  for (const dir of readdirSync(data)) {
    if (dir !== 'dev' && dir !== 'tune' && !dir.startsWith('probe')) continue;
    for (const f of readdirSync(path.join(data, dir))) {
      if (!f.endsWith('.jsonl') || f.startsWith('pii')) continue;
      for (const line of readFileSync(path.join(data, dir, f), 'utf8').split('\n')) if (line.trim()) out.push((JSON.parse(line) as { text: string }).text);
    }
  }
  return out;
}

/** Texts the corpus does not have: words of the corpus (and lexicon words) shuffled and repeated, up to past the 4,000-token cap. */
function generated(words: string[], n: number): string[] {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = i % 50 === 0 ? 4200 : 1 + Math.floor(rnd() * 120);
    const parts: string[] = [];
    for (let k = 0; k < len; k++) parts.push(words[Math.floor(rnd() * words.length)]! + (rnd() < 0.1 ? '.' : ''));
    out.push(parts.join(' '));
  }
  return out;
}

describe('learned layer: scorer equals a straightforward reference', () => {
  it('sum, count and probability to the last bit on every tuning corpus row and 1,500 generated texts, direct and as a chunk', () => {
    const corpus = tuningTexts();
    const words = corpus.join(' ').split(/\s+/).filter(Boolean);
    const texts = [...corpus, ...generated(words, 1500)];
    expect(corpus.length).toBeGreaterThan(3000);
    const model = shippedModel()!;
    const scorer = scorerFor(model);
    const proto = FeatureSink.prototype as unknown as { token: (h: number, bits: number) => void };
    const original = proto.token;
    let recorded: Array<[number, number]> = [];
    proto.token = function (this: FeatureSink, h: number, bits: number) {
      recorded.push([h, bits]);
      original.call(this, h, bits);
    };
    const differ: string[] = [];
    let concepts = 0;
    try {
      for (const t of texts) {
        for (const indirect of [false, true]) {
          recorded = [];
          scoreInjection(t, indirect);
          const want = reference(recorded, indirect);
          if (!Object.is(scorer.sink.sum, want.sum) || scorer.sink.count !== want.count || !Object.is(scorer.probability(), want.p)) differ.push(t.slice(0, 60));
          if (recorded.some(([, bits]) => bits !== 0)) concepts++;
        }
      }
    } finally {
      proto.token = original;
    }
    expect(differ).toEqual([]);
    // The texts exercised the concepts and their pairs, not only words.
    expect(concepts).toBeGreaterThan(3000);
  });
});
