import { ksTest, psi } from '../../../src/analytics/drift/drift-statistics';

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
    expect(ksTest([1, 2, 3], [1, 2, 3]).statistic).toBe(0);
    expect(ksTest([10, 11], [1, 2]).statistic).toBe(1);
    expect(ksTest([], [1])).toMatchObject({ statistic: null, drifted: false });
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
});
