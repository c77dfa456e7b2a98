/** A judge's score and a person's score of the same item, both in [0, 1]. */
export interface ScorePair {
  judge: number;
  human: number;
}

/** How well the judge agrees with people (null where a statistic is undefined). */
export interface Agreement {
  n: number;
  agreement: number | null;
  cohensKappa: number | null;
  pearson: number | null;
}

/** A score passes at 0.5 and above. */
export const PASS_AT = 0.5;

/**
 * Agreement between judge and human over n paired items (docs/review.md):
 * - `agreement` = (both pass + both fail) / n, pass meaning score >= 0.5;
 * - `cohensKappa` = (po - pe) / (1 - pe) on that pass/fail, with po = agreement and
 *   pe = pJ x pH + (1 - pJ) x (1 - pH), pJ and pH the judge's and the people's pass shares;
 *   undefined (null) when pe = 1 (both always say the same one class);
 * - `pearson` = sum((j - mean j)(h - mean h)) / sqrt(sum((j - mean j)^2) x sum((h - mean h)^2)) on
 *   the raw scores; null with fewer than 2 pairs or when either side's scores do not vary.
 */
export function judgeAgreement(pairs: readonly ScorePair[]): Agreement {
  const n = pairs.length;
  if (n === 0) return { n, agreement: null, cohensKappa: null, pearson: null };
  let same = 0;
  let judgePass = 0;
  let humanPass = 0;
  for (const p of pairs) {
    const j = p.judge >= PASS_AT;
    const h = p.human >= PASS_AT;
    if (j === h) same++;
    if (j) judgePass++;
    if (h) humanPass++;
  }
  const po = same / n;
  const pJ = judgePass / n;
  const pH = humanPass / n;
  const pe = pJ * pH + (1 - pJ) * (1 - pH);
  const cohensKappa = pe >= 1 ? null : (po - pe) / (1 - pe);
  let pearson: number | null = null;
  if (n >= 2) {
    const js = pairs.map((p) => p.judge);
    const hs = pairs.map((p) => p.human);
    const varies = (xs: number[]) => xs.some((x) => x !== xs[0]);
    if (varies(js) && varies(hs)) pearson = correlation(js, hs);
  }
  return { n, agreement: po, cohensKappa, pearson };
}

/** Pearson's r of two equally long samples that both vary. */
function correlation(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Rounding can push |r| a hair past 1 on perfectly (anti)correlated data.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}
