import { jStat } from 'jstat';
import { centroidShift, cosineDistance, jensenShannon, ksTest, outlierShare, psi, psiNumeric, seededRandom, twoProportionZ, welchT } from '../../../src/analytics/drift/drift-statistics';
import { inputLanguage } from '../../../src/analytics/drift/input-language';

/** A deterministic pseudo-random sequence in [0, 1). */
function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296;
}

describe('drift statistics', () => {
  it('KS: the same distribution does not drift, a shifted one does', () => {
    const r = rand(7);
    const base = Array.from({ length: 2000 }, () => 100 + 50 * r());
    const same = Array.from({ length: 2000 }, () => 100 + 50 * r());
    const shifted = Array.from({ length: 2000 }, () => 130 + 50 * r());
    expect(ksTest(same, base).drifted).toBe(false);
    const d = ksTest(shifted, base);
    expect(d.drifted).toBe(true);
    expect(d.statistic).toBeCloseTo(0.6, 1);
    expect(d.threshold).toBeCloseTo(1.358 * Math.sqrt(4000 / (2000 * 2000)), 6);
  });

  it('KS: D is the largest CDF gap, and an empty sample gives no verdict', () => {
    expect(ksTest([1, 2, 3], [1, 2, 3], 1).statistic).toBe(0);
    expect(ksTest([10, 11], [1, 2], 1).statistic).toBe(1);
    expect(ksTest([], [1])).toMatchObject({ statistic: null, drifted: false, insufficient: true });
    expect(ksTest([1, 2, 3], [1, 2, 3]).note).toBe('too few samples to judge: 3 in the window, 3 in the baseline (at least 20 each)');
  });

  it('PSI: a stable mix stays under 0.2, a moved one goes over', () => {
    const base = new Map([
      ['COMPLETED', 950],
      ['FAILED', 50],
    ]);
    expect(
      psi(
        new Map([
          ['COMPLETED', 940],
          ['FAILED', 60],
        ]),
        base,
      ).drifted,
    ).toBe(false);
    const moved = psi(
      new Map([
        ['COMPLETED', 600],
        ['FAILED', 400],
      ]),
      base,
    );
    expect(moved.drifted).toBe(true);
    expect(moved.statistic).toBeGreaterThan(0.2);
    expect(psi(new Map([['a', 1]]), new Map()).statistic).toBeNull();
  });

  it('PSI on a number: the baseline quantile bins, then PSI over the shares (hand-computed)', () => {
    const base = Array.from({ length: 20 }, (_, i) => i + 1); // median 10.5: two bins of 10
    const win = [...Array.from({ length: 15 }, () => 3), ...Array.from({ length: 5 }, () => 18)];
    // shares 0.75 / 0.25 against 0.5 / 0.5: 0.25 ln 1.5 + (-0.25) ln 0.5
    const r = psiNumeric(win, base, 2);
    expect(r.statistic).toBeCloseTo(0.25 * Math.log(1.5) + 0.25 * Math.log(2), 12);
    expect(r.statistic).toBeCloseTo(0.274653, 6);
    expect(r).toMatchObject({ threshold: 0.2, drifted: true });
    expect(psiNumeric(base, base, 2)).toMatchObject({ statistic: 0, drifted: false });
  });

  it('Jensen–Shannon (base 2): disjoint mixes 1, half moved 0.3113 (hand-computed), same 0', () => {
    expect(jensenShannon(new Map([['fr', 20]]), new Map([['en', 20]])).statistic).toBeCloseTo(1, 12);
    // P = (1/2, 1/2), Q = (1, 0), M = (3/4, 1/4): ½[½log2(2/3) + ½log2(2)] + ½[log2(4/3)] = 0.311278
    const half = jensenShannon(
      new Map([
        ['en', 10],
        ['fr', 10],
      ]),
      new Map([['en', 20]]),
    );
    expect(half.statistic).toBeCloseTo(0.5 * (0.5 * Math.log2(2 / 3) + 0.5) + 0.5 * Math.log2(4 / 3), 12);
    expect(half.statistic).toBeCloseTo(0.311278, 6);
    expect(half).toMatchObject({ threshold: 0.1, drifted: true });
    expect(jensenShannon(new Map([['en', 30]]), new Map([['en', 20]]))).toMatchObject({ statistic: 0, drifted: false });
  });

  it('two-proportion z: 30/100 against 10/100 is z = 3.5355 (hand-computed), over 2.5758 (α = 0.01)', () => {
    // p = 0.2, se = √(0.2 · 0.8 · (1/100 + 1/100)) = 0.0565685; z = 0.2 / se
    const r = twoProportionZ(30, 100, 10, 100);
    expect(r.statistic).toBeCloseTo(0.2 / Math.sqrt(0.2 * 0.8 * 0.02), 12);
    expect(r.statistic).toBeCloseTo(3.535534, 6);
    expect(r.threshold).toBeCloseTo(2.575829, 6);
    expect(r.drifted).toBe(true);
    expect(twoProportionZ(11, 100, 10, 100).drifted).toBe(false);
    expect(twoProportionZ(0, 50, 0, 50)).toMatchObject({ statistic: 0, drifted: false });
    expect(twoProportionZ(1, 5, 1, 50)).toMatchObject({ statistic: null, insufficient: true });
  });

  it("Welch's t: t and the Welch–Satterthwaite df as worked by hand", () => {
    // means 3 and 6, sample variances 2.5 and 10: se² = 0.5 + 2 = 2.5, t = -3/√2.5, df = 2.5² / (0.5²/4 + 2²/4) = 5.8824
    const r = welchT([1, 2, 3, 4, 5], [2, 4, 6, 8, 10], 0.01, 1);
    expect(r.statistic).toBeCloseTo(-3 / Math.sqrt(2.5), 12);
    expect(r.threshold).toBeCloseTo(jStat.studentt.inv(0.995, 6.25 / 1.0625), 12);
    expect(r.threshold!).toBeGreaterThan(3.707); // t(0.995, 6)
    expect(r.threshold!).toBeLessThan(4.033); // t(0.995, 5)
    expect(r.drifted).toBe(false);
    const low = Array.from({ length: 40 }, (_, i) => 0.4 + (i % 5) * 0.01);
    const high = Array.from({ length: 40 }, (_, i) => 0.8 + (i % 5) * 0.01);
    expect(welchT(low, high).drifted).toBe(true);
    expect(welchT(Array(30).fill(1), Array(30).fill(0.5))).toMatchObject({ statistic: null, drifted: true });
  });

  it('topic centroid: cosine distance of the mean embeddings against a permutation threshold', () => {
    expect(cosineDistance([1, 0], [0, 1])).toBe(1);
    expect(cosineDistance([1, 1], [2, 2])).toBeCloseTo(0, 12);
    const rnd = seededRandom(3);
    const around = (c: number[]) => c.map((x) => x + (rnd() - 0.5) * 0.2);
    const a = Array.from({ length: 30 }, () => around([1, 0, 0]));
    const a2 = Array.from({ length: 30 }, () => around([1, 0, 0]));
    const b = Array.from({ length: 30 }, () => around([0, 1, 0]));
    const moved = centroidShift(b, a);
    expect(moved.statistic).toBeGreaterThan(0.9);
    expect(moved.drifted).toBe(true);
    const same = centroidShift(a2, a);
    expect(same.drifted).toBe(false);
    expect(same.threshold).toBeGreaterThanOrEqual(0.05);
    // Pure [1,0] against pure [0,1]: every split mixes them, the real one is the farthest.
    expect(centroidShift(Array(20).fill([1, 0]), Array(20).fill([0, 1]))).toMatchObject({ statistic: 1, drifted: true });
  });

  it('topic outliers: the share of window inputs beyond the baseline clusters', () => {
    const rnd = seededRandom(5);
    const around = (c: number[]) => c.map((x) => x + (rnd() - 0.5) * 0.1);
    const baseline = Array.from({ length: 80 }, (_, i) => around(i % 2 ? [1, 0, 0] : [0, 1, 0]));
    const like = Array.from({ length: 40 }, (_, i) => around(i % 2 ? [1, 0, 0] : [0, 1, 0]));
    const far = Array.from({ length: 40 }, () => around([0, 0, 1]));
    const r = outlierShare(far, baseline);
    expect(r).toMatchObject({ statistic: 1, threshold: 0.25, drifted: true });
    expect(outlierShare(like, baseline).statistic!).toBeLessThan(0.25);
    // Half the window far away: share 0.5.
    expect(outlierShare([...like.slice(0, 20), ...far.slice(0, 20)], baseline).statistic!).toBeGreaterThanOrEqual(0.5);
  });

  it('input language by tinyld', () => {
    expect(inputLanguage('How do I reset my password?')).toBe('en');
    expect(inputLanguage('Quelle est la meilleure façon de préparer une tarte aux pommes avec une pâte brisée maison ?')).toBe('fr');
    expect(inputLanguage('   ')).toBe('und');
  });
});
