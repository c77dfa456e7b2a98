/**
 * Drift statistics, pure. Numeric features: the two-sample Kolmogorov–Smirnov statistic D (the
 * largest gap between the two empirical CDFs), drifted when D exceeds the critical value at
 * α = 0.05, 1.358 · √((n + m) / (n · m)). Categorical features: the population stability index,
 * PSI = Σ (w − b) · ln(w / b) over the categories' shares (ε = 1e-4 for empty ones), drifted above 0.2
 * (the usual "significant shift" rule).
 */

/** The outcome for one feature. */
export interface DriftResult {
  statistic: number | null;
  threshold: number;
  drifted: boolean;
}

const KS_C_ALPHA_05 = 1.358;
/** PSI above this is a significant shift. */
export const PSI_THRESHOLD = 0.2;

/** Two-sample KS test; with an empty sample there is nothing to compare (statistic null, not drifted). */
export function ksTest(window: number[], baseline: number[]): DriftResult {
  const n = window.length;
  const m = baseline.length;
  if (n === 0 || m === 0) return { statistic: null, threshold: Number.NaN, drifted: false };
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
  const threshold = KS_C_ALPHA_05 * Math.sqrt((n + m) / (n * m));
  return { statistic: d, threshold, drifted: d > threshold };
}

/** Population stability index of category counts (window vs baseline). */
export function psi(window: Map<string, number>, baseline: Map<string, number>): DriftResult {
  const nw = [...window.values()].reduce((s, x) => s + x, 0);
  const nb = [...baseline.values()].reduce((s, x) => s + x, 0);
  if (nw === 0 || nb === 0) return { statistic: null, threshold: PSI_THRESHOLD, drifted: false };
  const eps = 1e-4;
  let total = 0;
  for (const k of new Set([...window.keys(), ...baseline.keys()])) {
    const w = Math.max((window.get(k) ?? 0) / nw, eps);
    const b = Math.max((baseline.get(k) ?? 0) / nb, eps);
    total += (w - b) * Math.log(w / b);
  }
  return { statistic: total, threshold: PSI_THRESHOLD, drifted: total > PSI_THRESHOLD };
}
