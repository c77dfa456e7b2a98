import { jStat } from 'jstat';
import { kmeans } from 'ml-kmeans';
import { mulberry32 } from '../../core/seeded-random';

/**
 * Drift statistics, pure: plain functions over numbers, counts and vectors, each returning the
 * statistic, the threshold it is compared with and the verdict. Distributions (normal, Student's t)
 * and quantiles come from jStat, k-means from ml-kmeans. docs/drift.md states every method and
 * threshold; each is unit-tested against values worked out by hand.
 *
 * - `ksTest`: two-sample Kolmogorov–Smirnov D, drifted above 1.358 · √((n + m) / (n · m)) (α = 0.05).
 * - `psi` / `psiNumeric`: population stability index Σ (w − b) · ln(w / b) over categories or over
 *   the baseline's decile bins (ε = 1e-4 for empty bins), drifted above 0.2.
 * - `jensenShannon`: Jensen–Shannon divergence (base 2, 0..1) of two category mixes, drifted above 0.1.
 * - `twoProportionZ`: pooled two-proportion z-test, drifted when |z| > z(1 − α/2), α = 0.01.
 * - `welchT`: Welch's t-test on means, drifted when |t| > t(1 − α/2, Welch–Satterthwaite df), α = 0.01.
 * - `centroidShift`: cosine distance between the mean embeddings, drifted above the 99th percentile
 *   of the same distance over 199 random relabelings of the pooled sample (a permutation test at
 *   α = 0.01) and at least 0.05.
 * - `outlierShare`: the share of window embeddings farther from every k-means centroid of the
 *   baseline than 95% of held-out baseline embeddings are; about 0.05 without drift, drifted above 0.25.
 *
 * Fewer than `MIN_SAMPLES` values on either side: no verdict (statistic null, drifted false, a note).
 */

/** The outcome for one feature. */
export interface DriftResult {
  statistic: number | null;
  threshold: number | null;
  drifted: boolean;
  /** Why there is no verdict (too few samples), or what the statistic means when it cannot be finite. */
  note?: string;
  /** True when either side had too few samples to judge. */
  insufficient?: boolean;
}

/** The fewest values each side needs before a feature is judged. */
export const MIN_SAMPLES = 20;
/** PSI above this is a significant shift (the usual rule of thumb). */
export const PSI_THRESHOLD = 0.2;
/** Jensen–Shannon divergence (base 2) above this is a drift. */
export const JS_THRESHOLD = 0.1;
/** Significance level of the z- and t-tests. */
export const ALPHA = 0.01;
/** The smallest centroid cosine distance called a topic drift, however significant. */
export const MIN_CENTROID_SHIFT = 0.05;
/** Random relabelings of the centroid permutation test. */
export const PERMUTATIONS = 199;
/** A window with more than this share of inputs outside the baseline's clusters drifted (about 0.05 expected). */
export const OUTLIER_SHARE_THRESHOLD = 0.25;
/** The held-out baseline quantile that sets the cluster radius. */
export const OUTLIER_RADIUS_QUANTILE = 0.95;

const KS_C_ALPHA_05 = 1.358;
const EPS = 1e-4;

/** The verdict-less result of a feature with too few values on a side. */
export function insufficient(n: number, m: number, threshold: number | null, min = MIN_SAMPLES): DriftResult | null {
  if (n >= min && m >= min) return null;
  return { statistic: null, threshold, drifted: false, insufficient: true, note: `too few samples to judge: ${n} in the window, ${m} in the baseline (at least ${min} each)` };
}

/** Two-sample KS test (α = 0.05). */
export function ksTest(window: number[], baseline: number[], min = MIN_SAMPLES): DriftResult {
  const n = window.length;
  const m = baseline.length;
  const threshold = n && m ? KS_C_ALPHA_05 * Math.sqrt((n + m) / (n * m)) : null;
  const none = insufficient(n, m, threshold, min);
  if (none) return none;
  const a = Float64Array.from(window).sort();
  const b = Float64Array.from(baseline).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return { statistic: d, threshold, drifted: d > threshold! };
}

const total = (m: Map<string, number>) => [...m.values()].reduce((s, x) => s + x, 0);

/** Population stability index of category counts (window vs baseline). */
export function psi(window: Map<string, number>, baseline: Map<string, number>, min = MIN_SAMPLES): DriftResult {
  const nw = total(window);
  const nb = total(baseline);
  const none = insufficient(nw, nb, PSI_THRESHOLD, min);
  if (none) return none;
  let sum = 0;
  for (const k of new Set([...window.keys(), ...baseline.keys()])) {
    const w = Math.max((window.get(k) ?? 0) / nw, EPS);
    const b = Math.max((baseline.get(k) ?? 0) / nb, EPS);
    sum += (w - b) * Math.log(w / b);
  }
  return { statistic: sum, threshold: PSI_THRESHOLD, drifted: sum > PSI_THRESHOLD };
}

/**
 * The bin edges of a numeric PSI: the baseline's quantiles at 1/bins .. (bins-1)/bins (jStat), without
 * repeats. A value v falls in the first bin whose edge is >= v, or in the last, open one.
 */
export function binEdges(baseline: number[], bins = 10): number[] {
  const ps = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  return [...new Set(jStat.quantiles(baseline, ps))].sort((a, b) => a - b);
}

function binCounts(xs: number[], edges: number[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) {
    let i = 0;
    while (i < edges.length && x > edges[i]!) i++;
    m.set(String(i), (m.get(String(i)) ?? 0) + 1);
  }
  return m;
}

/** PSI of a numeric feature over the baseline's quantile bins (deciles by default). */
export function psiNumeric(window: number[], baseline: number[], bins = 10, min = MIN_SAMPLES): DriftResult {
  const none = insufficient(window.length, baseline.length, PSI_THRESHOLD, min);
  if (none) return none;
  const edges = binEdges(baseline, bins);
  return psi(binCounts(window, edges), binCounts(baseline, edges), min);
}

/** Jensen–Shannon divergence (base 2, in [0, 1]) between the category mixes. */
export function jensenShannon(window: Map<string, number>, baseline: Map<string, number>, min = MIN_SAMPLES): DriftResult {
  const nw = total(window);
  const nb = total(baseline);
  const none = insufficient(nw, nb, JS_THRESHOLD, min);
  if (none) return none;
  let js = 0;
  for (const k of new Set([...window.keys(), ...baseline.keys()])) {
    const p = (window.get(k) ?? 0) / nw;
    const q = (baseline.get(k) ?? 0) / nb;
    const mid = (p + q) / 2;
    if (p > 0) js += 0.5 * p * Math.log2(p / mid);
    if (q > 0) js += 0.5 * q * Math.log2(q / mid);
  }
  return { statistic: js, threshold: JS_THRESHOLD, drifted: js > JS_THRESHOLD };
}

/** Two-sided critical value of the standard normal at `alpha`. */
export const zCritical = (alpha = ALPHA) => jStat.normal.inv(1 - alpha / 2, 0, 1);

/**
 * Pooled two-proportion z-test of `xw` of `nw` (window) against `xb` of `nb` (baseline):
 * z = (pw − pb) / √(p(1 − p)(1/nw + 1/nb)) with p = (xw + xb) / (nw + nb). The statistic is z (positive:
 * the window's rate is higher). Both rates 0 (or both 1): z = 0.
 */
export function twoProportionZ(xw: number, nw: number, xb: number, nb: number, alpha = ALPHA, min = MIN_SAMPLES): DriftResult {
  const threshold = zCritical(alpha);
  const none = insufficient(nw, nb, threshold, min);
  if (none) return none;
  const p = (xw + xb) / (nw + nb);
  const se = Math.sqrt(p * (1 - p) * (1 / nw + 1 / nb));
  const z = se > 0 ? (xw / nw - xb / nb) / se : 0;
  return { statistic: z, threshold, drifted: Math.abs(z) > threshold };
}

/**
 * Welch's t-test of the window's mean against the baseline's: t = (mw − mb) / √(sw²/nw + sb²/nb), df by
 * Welch–Satterthwaite, drifted when |t| exceeds Student's t at 1 − α/2 with that df. Two constant
 * samples: no finite t (statistic null); drifted when the constants differ.
 */
export function welchT(window: number[], baseline: number[], alpha = ALPHA, min = MIN_SAMPLES): DriftResult {
  const nw = window.length;
  const nb = baseline.length;
  const none = insufficient(nw, nb, null, min);
  if (none) return none;
  const mw = jStat.mean(window);
  const mb = jStat.mean(baseline);
  const vw = jStat.variance(window, true) / nw;
  const vb = jStat.variance(baseline, true) / nb;
  if (vw + vb === 0) {
    return { statistic: null, threshold: null, drifted: mw !== mb, note: `both samples are constant (${mw} vs ${mb}): no t statistic` };
  }
  const t = (mw - mb) / Math.sqrt(vw + vb);
  const df = (vw + vb) ** 2 / ((vw > 0 ? vw ** 2 / (nw - 1) : 0) + (vb > 0 ? vb ** 2 / (nb - 1) : 0));
  const threshold = jStat.studentt.inv(1 - alpha / 2, df);
  return { statistic: t, threshold, drifted: Math.abs(t) > threshold };
}

/** A seeded pseudo-random generator (mulberry32): the same data give the same verdict. */
export const seededRandom = mulberry32;

function meanVector(vs: number[][], idx?: number[]): Float64Array {
  const dims = vs[0]!.length;
  const out = new Float64Array(dims);
  const rows = idx ?? vs.map((_, i) => i);
  for (const i of rows) {
    const v = vs[i]!;
    for (let d = 0; d < dims; d++) out[d]! += v[d]!;
  }
  for (let d = 0; d < dims; d++) out[d]! /= rows.length;
  return out;
}

/** 1 − cos(a, b); 1 when either is the zero vector. */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? 1 - dot / Math.sqrt(na * nb) : 1;
}

/**
 * Topic shift: the cosine distance between the window's and the baseline's mean embedding, against
 * the distances of `permutations` random splits of the pooled embeddings into groups of the same
 * sizes. Threshold: the 99th percentile of those (α = 0.01), and at least MIN_CENTROID_SHIFT.
 */
export function centroidShift(window: number[][], baseline: number[][], opts: { permutations?: number; seed?: number; min?: number } = {}): DriftResult {
  const none = insufficient(window.length, baseline.length, null, opts.min);
  if (none) return none;
  const statistic = cosineDistance(meanVector(window), meanVector(baseline));
  const pooled = [...window, ...baseline];
  const idx = pooled.map((_, i) => i);
  const rnd = seededRandom(opts.seed ?? 1);
  const perms = opts.permutations ?? PERMUTATIONS;
  const null_: number[] = [];
  for (let p = 0; p < perms; p++) {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    null_.push(cosineDistance(meanVector(pooled, idx.slice(0, window.length)), meanVector(pooled, idx.slice(window.length))));
  }
  null_.sort((a, b) => a - b);
  const threshold = Math.max(MIN_CENTROID_SHIFT, null_[Math.min(null_.length - 1, Math.ceil((1 - ALPHA) * null_.length) - 1)] ?? 0);
  return { statistic: statistic, threshold, drifted: statistic > threshold };
}

function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Inputs far from the baseline's clusters: the baseline is split in two at random (seeded), k-means
 * (k = √(n/2), 1..8, k-means++ seeded) is fitted on one half, and the radius is the 95th percentile of
 * the other half's distances to their nearest centroid (held out, so the radius is not flattered by
 * the fit). The statistic is the share of window embeddings beyond that radius: about 0.05 when the
 * window is like the baseline.
 */
export function outlierShare(window: number[][], baseline: number[][], opts: { seed?: number; min?: number } = {}): DriftResult {
  const none = insufficient(window.length, baseline.length, OUTLIER_SHARE_THRESHOLD, opts.min);
  if (none) return none;
  const order = baseline.map((_, i) => i);
  const rnd = seededRandom(opts.seed ?? 1);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const half = Math.ceil(order.length / 2);
  const fit = order.slice(0, half).map((i) => baseline[i]!);
  const held = order.slice(half).map((i) => baseline[i]!);
  const k = Math.max(1, Math.min(8, Math.round(Math.sqrt(fit.length / 2)), fit.length));
  const centroids = k === 1 ? [Array.from(meanVector(fit))] : kmeans(fit, k, { seed: opts.seed ?? 1, initialization: 'kmeans++', maxIterations: 50 }).centroids;
  const nearest = (v: number[]) => Math.min(...centroids.map((c) => euclidean(v, c)));
  const radius = jStat.quantiles(held.map(nearest), [OUTLIER_RADIUS_QUANTILE])[0]!;
  const far = window.filter((v) => nearest(v) > radius + 1e-12).length;
  const share = far / window.length;
  return { statistic: share, threshold: OUTLIER_SHARE_THRESHOLD, drifted: share > OUTLIER_SHARE_THRESHOLD };
}
