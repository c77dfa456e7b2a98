import { C } from './injection.lexicon';
import shipped from './injection-model.json';

/**
 * The learned layer: logistic regression over hashed features of the normalised text (word
 * unigrams and bigrams, the lexicon's concepts and pairs of concepts seen close together, and
 * whether the text is a retrieved chunk). Trained by `npm run guardrails:train` into
 * `injection-model.json` (int8 weights, base64). The features are produced inside the detector's
 * token pass (`FeatureSink`), so scoring adds no pass over the text.
 */

export const FEATURE_BITS = 18;
const DIM = 1 << FEATURE_BITS;
const MASK = DIM - 1;
const NB = Object.keys(C).length;

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
  /**
   * The shipped form, when the model came from a file: one int8 per bucket and the scale it is
   * multiplied by (`weights[f]` is `Math.fround(int8[f] * scale)`). A scorer keeps these bytes
   * instead of the float weights: its table is 4 times smaller and stays in cache.
   */
  quantized?: { int8: Int8Array; scale: number };
}

/** FNV-1a (32-bit) parameters: the token pass hashes each token with them as it cuts it. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

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

const CONCEPT_HASH = Array.from({ length: NB }, (_, b) => fnv1a(`@${b}`) & MASK);
const CONCEPT_PAIR_HASH = Array.from({ length: NB * NB }, (_, k) => {
  const a = Math.floor(k / NB);
  const b = k % NB;
  return fnv1a(`@${Math.min(a, b)}+${Math.max(a, b)}`) & MASK;
});
const HASH_CHUNK = fnv1a('#chunk') & MASK;
const HASH_DIRECT = fnv1a('#direct') & MASK;
const MAX_TOKENS = 4000;

/** Stamps of a text run 1..255 (the high byte of a cell); after 255 texts the stamps are cleared. */
const MAX_GEN = 255;

/**
 * Receives the tokens of the detector's token pass and turns them into feature buckets: word
 * unigrams and bigrams, concepts and pairs of concepts within the last 8 concept tokens, and the
 * kind of text. Each distinct bucket counts once (a binary bag): summed into a score when the sink
 * has weights (scoring), or collected (training and evaluation).
 */
export class FeatureSink {
  /**
   * One 16-bit cell per bucket: the high byte is the stamp of the last text that had the bucket
   * (how a bucket counts once per text), the low byte its weight's code in `lut` (a quantized
   * model's int8 weight). The whole table is 512 KB, so a token's lookup mostly hits the core's own
   * cache (stamps and float weights side by side took 2 MB and missed it on new text).
   */
  private readonly cells = new Uint16Array(DIM);
  /**
   * The cells with no stamp (each weight's code alone), copied over `cells` when the stamps wrap: one block
   * copy instead of a loop over 2^18 cells every 255 texts (~1 µs a text, as much as a short chunk's features).
   */
  private readonly unstamped: Uint16Array;
  /** Weight by code (quantized models): the same float32 values the float table would hold, so sums are identical. */
  private readonly lut: Float32Array | null;
  /** Weights of a model that is not quantized (any float per bucket). */
  private readonly weights: Float32Array | null;
  private gen = 0;
  private prevHash = 0;
  /** The concept bits of the last concept tokens, oldest first: the last 8, plus the current token's. */
  private readonly recent = new Int8Array(8 + 32);
  private recentLen = 0;
  private n = 0;
  private collected: number[] | null = null;
  /** Sum of the weights of the distinct buckets, and how many there were. */
  sum = 0;
  count = 0;

  /**
   * With `model` the sink sums its weights (through the int8 codes when it is quantized); without,
   * it collects the buckets (`begin`'s `out`).
   */
  constructor(model: InjectionModel | null = null) {
    if (model?.quantized) {
      const { int8, scale } = model.quantized;
      this.lut = new Float32Array(256);
      for (let code = 0; code < 256; code++) this.lut[code] = ((code << 24) >> 24) * scale;
      for (let f = 0; f < DIM && f < int8.length; f++) this.cells[f] = int8[f]! & 0xff;
      this.weights = null;
    } else {
      this.lut = null;
      this.weights = model ? model.weights : null;
    }
    this.unstamped = this.cells.slice();
  }

  /** Starts a text; a collecting sink appends the distinct buckets to `out`. */
  begin(indirect: boolean, out: number[] | null = null): void {
    if (++this.gen > MAX_GEN) {
      this.cells.set(this.unstamped);
      this.gen = 1;
    }
    this.prevHash = 0;
    this.recentLen = 0;
    this.n = 0;
    this.sum = 0;
    this.count = 0;
    this.collected = out;
    this.add(indirect ? HASH_CHUNK : HASH_DIRECT);
  }

  private add(f: number): void {
    const cell = this.cells[f]!;
    if (cell >>> 8 === this.gen) return;
    this.cells[f] = (this.gen << 8) | (cell & 0xff);
    this.count++;
    if (this.lut !== null) this.sum += this.lut[cell & 0xff]!;
    else if (this.weights !== null) this.sum += f < this.weights.length ? this.weights[f]! : 0;
    else this.collected?.push(f);
  }

  /** One token: `h` is its FNV-1a hash, `bits` its concepts. */
  token(h: number, bits: number): void {
    if (++this.n > MAX_TOKENS) return;
    this.add(h & MASK);
    if (this.prevHash !== 0) this.add(mix(this.prevHash, h) & MASK);
    this.prevHash = h;
    if (bits === 0) return;
    for (let rest = bits; rest !== 0; rest &= rest - 1) {
      const b = 31 - Math.clz32(rest & -rest);
      this.add(CONCEPT_HASH[b]!);
      for (let k = 0; k < this.recentLen; k++) {
        const r = this.recent[k]!;
        if (r !== b) this.add(CONCEPT_PAIR_HASH[r * NB + b]!);
      }
      this.recent[this.recentLen++] = b;
    }
    if (this.recentLen > 8) {
      this.recent.copyWithin(0, this.recentLen - 8, this.recentLen);
      this.recentLen = 8;
    }
  }
}

/** Scores features as the token pass emits them (no allocation per feature). */
export class ModelScorer {
  readonly sink: FeatureSink;
  constructor(private readonly model: InjectionModel) {
    this.sink = new FeatureSink(model);
  }

  begin(indirect: boolean): void {
    this.sink.begin(indirect);
  }

  probability(): number {
    // Binary features scaled by 1/sqrt(n): long texts do not score high by having many words.
    const z = this.model.bias + this.sink.sum / Math.sqrt(Math.max(1, this.sink.count));
    return 1 / (1 + Math.exp(-z));
  }
}

/** Probability of injection for collected features (training and evaluation). */
export function predict(model: InjectionModel, feats: Uint32Array): number {
  const norm = 1 / Math.sqrt(Math.max(1, feats.length));
  let z = model.bias;
  for (const f of feats) z += model.weights[f]! * norm;
  return 1 / (1 + Math.exp(-z));
}

export function loadModel(file: InjectionModelFile): InjectionModel {
  const bytes = Buffer.from(file.weights, 'base64');
  const weights = new Float32Array(1 << file.featureBits);
  const int8 = new Int8Array(weights.length);
  for (let i = 0; i < bytes.length && i < weights.length; i++) {
    int8[i] = (bytes[i]! << 24) >> 24;
    weights[i] = int8[i]! * file.scale;
  }
  // The compact table is laid out for FEATURE_BITS buckets; a file with another width scores through its float weights.
  return file.featureBits === FEATURE_BITS ? { bias: file.bias, weights, quantized: { int8, scale: file.scale } } : { bias: file.bias, weights };
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
let shippedScorer: ModelScorer | null = null;

/** The shipped model (null when none has been trained). */
export function shippedModel(): InjectionModel | null {
  return SHIPPED;
}

/** A scorer for a model (the shipped model's scorer is kept: its 512 KB table is built once). */
export function scorerFor(model: InjectionModel): ModelScorer {
  if (model === SHIPPED) return (shippedScorer ??= new ModelScorer(model));
  return new ModelScorer(model);
}

/**
 * The probability becomes a noisy-OR weight: below 0.5 nothing, 1.0 counts as 0.6, so in a retrieved
 * document the learned layer reaches HIGH (0.5) but never MEDIUM on its own: it confirms rule evidence
 * (and fills the escalation band) rather than blocking alone. In a direct message a probability of at
 * least `LEARNED_ALONE_DIRECT` weighs 0.72 and reaches MEDIUM alone: users ask for the hidden prompt,
 * a persona or a tool action in more ways than the rules list (cross-validated on dev/ and tune/ with
 * whole groups held out, `npm run guardrails:cv`), while documents keep needing a rule.
 */
export function learnedWeight(p: number, indirect = true): number {
  if (!indirect && p >= LEARNED_ALONE_DIRECT) return LEARNED_ALONE_WEIGHT;
  return p < 0.5 ? 0 : Math.round((p - 0.5) * 1.2 * 1000) / 1000;
}

/** A direct message's probability from which the learned layer's weight alone reaches MEDIUM. */
export const LEARNED_ALONE_DIRECT = 0.85;
const LEARNED_ALONE_WEIGHT = 0.72;

/**
 * Below this probability the learned layer reads the text as benign and the rules' score is
 * multiplied by `LEARNED_BENIGN_FACTOR`: a lone rule hit at MEDIUM (0.7-0.87) on a text the model
 * finds plainly ordinary (a runbook, a product page, a user asking about attacks) drops below it,
 * while two rules agreeing, or one strong structural hit, still count.
 */
export const LEARNED_BENIGN_P = 0.2;
export const LEARNED_BENIGN_FACTOR = 0.8;
