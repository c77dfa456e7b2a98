import { C, conceptsOf, pairConceptsOf } from './injection.lexicon';
import shipped from './injection-model.json';

/**
 * The learned layer: logistic regression over hashed features of the normalised text (word
 * unigrams and bigrams, the lexicon's concepts and pairs of concepts seen close together, and
 * whether the text is a retrieved chunk). Trained by `npm run guardrails:train` into
 * `injection-model.json` (int8 weights, base64); scoring is one pass over the tokens.
 */

export const FEATURE_BITS = 18;
const DIM = 1 << FEATURE_BITS;
const MASK = DIM - 1;
const CONCEPT_NAMES = Object.keys(C);

/** A trained model as shipped. */
export interface InjectionModelFile {
  version: 1;
  featureBits: number;
  bias: number;
  scale: number;
  /** base64 of int8 weights, one per feature bucket. */
  weights: string;
  trainedOn: string;
}

/** A model ready to score. */
export interface InjectionModel {
  bias: number;
  weights: Float32Array;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Feature buckets of a normalised text (deduplicated, as a binary bag). */
export function featuresOf(text: string, indirect: boolean): Uint32Array {
  const set = new Set<number>();
  set.add(fnv1a(indirect ? '#chunk' : '#direct') & MASK);
  let prev = '';
  const recent: number[] = [];
  let n = 0;
  for (const m of text.matchAll(/[a-z0-9]+/g)) {
    const tok = m[0];
    if (++n > 4000) break;
    set.add(fnv1a(tok) & MASK);
    if (prev) set.add(fnv1a(`${prev} ${tok}`) & MASK);
    const bits = conceptsOf(tok) | pairConceptsOf(prev, tok);
    prev = tok;
    if (bits === 0) continue;
    for (let b = 0; b < CONCEPT_NAMES.length; b++) {
      if (!(bits & (1 << b))) continue;
      set.add(fnv1a(`@${b}`) & MASK);
      for (const r of recent) if (r !== b) set.add(fnv1a(r < b ? `@${r}+${b}` : `@${b}+${r}`) & MASK);
      recent.push(b);
    }
    while (recent.length > 8) recent.shift();
  }
  return Uint32Array.from(set);
}

/** Probability of injection under a model. */
export function predict(model: InjectionModel, feats: Uint32Array): number {
  // Binary features scaled by 1/sqrt(n): long texts do not score high by having many words.
  const norm = 1 / Math.sqrt(Math.max(1, feats.length));
  let z = model.bias;
  for (const f of feats) z += model.weights[f]! * norm;
  return 1 / (1 + Math.exp(-z));
}

export function loadModel(file: InjectionModelFile): InjectionModel {
  const bytes = Buffer.from(file.weights, 'base64');
  const weights = new Float32Array(1 << file.featureBits);
  for (let i = 0; i < bytes.length && i < weights.length; i++) weights[i] = ((bytes[i]! << 24) >> 24) * file.scale;
  return { bias: file.bias, weights };
}

export function packModel(model: InjectionModel, trainedOn: string): InjectionModelFile {
  let max = 0;
  for (const w of model.weights) max = Math.max(max, Math.abs(w));
  const scale = max / 127 || 1;
  const bytes = Buffer.alloc(model.weights.length);
  model.weights.forEach((w, i) => bytes.writeInt8(Math.max(-127, Math.min(127, Math.round(w / scale))), i));
  return { version: 1, featureBits: FEATURE_BITS, bias: model.bias, scale, weights: bytes.toString('base64'), trainedOn };
}

const SHIPPED: InjectionModel | null = (shipped as Partial<InjectionModelFile>).weights ? loadModel(shipped as InjectionModelFile) : null;

/** The shipped model (null when none has been trained). */
export function shippedModel(): InjectionModel | null {
  return SHIPPED;
}

/**
 * The probability becomes a noisy-OR weight: below 0.5 nothing, 1.0 counts as 0.6. On its own the
 * learned layer reaches HIGH (0.5) but never MEDIUM: it was trained on one corpus's style, so it
 * confirms rule evidence (and fills the escalation band) rather than blocking alone.
 */
export function learnedWeight(p: number): number {
  return p < 0.5 ? 0 : Math.round((p - 0.5) * 1.2 * 1000) / 1000;
}

/** Weight of the learned signal for a normalised text (0 without a model). */
export function classifierScore(text: string, indirect: boolean, model: InjectionModel | null = SHIPPED): number {
  if (!model) return 0;
  return learnedWeight(predict(model, featuresOf(text, indirect)));
}
