import { judgeAgreement } from '../../../src/review/agreement';

const pairs = (judge: number[], human: number[]) => judge.map((j, i) => ({ judge: j, human: human[i]! }));

describe('judgeAgreement (worked by hand)', () => {
  // judge pass (>= 0.5): T T T T F F F T F T (6 of 10); human: T T F T F F T T F F (5 of 10)
  // same verdict on items 1 2 4 5 6 8 9: po = 0.7; pe = 0.6 x 0.5 + 0.4 x 0.5 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
  // means 0.55 and 0.5; sum of products of deviations 0.63; sums of squares 0.745 and 1.1: r = 0.63 / sqrt(0.8195)
  const fixed = pairs([0.9, 0.8, 0.7, 0.6, 0.2, 0.1, 0.3, 0.9, 0.4, 0.6], [1.0, 0.7, 0.4, 0.8, 0.0, 0.3, 0.6, 0.9, 0.2, 0.1]);

  it('n, agreement, kappa and Pearson on a fixed set', () => {
    const a = judgeAgreement(fixed);
    expect(a.n).toBe(10);
    expect(a.agreement).toBeCloseTo(0.7, 12);
    expect(a.cohensKappa).toBeCloseTo(0.4, 12);
    expect(a.pearson).toBeCloseTo(0.63 / Math.sqrt(0.745 * 1.1), 12);
    expect(a.pearson).toBeCloseTo(0.69593, 5);
  });

  it('perfect agreement: kappa 1, r 1; perfect disagreement: kappa -1, r -1', () => {
    const same = judgeAgreement(pairs([0.9, 0.1, 0.8, 0.2], [0.9, 0.1, 0.8, 0.2]));
    expect(same).toEqual({ n: 4, agreement: 1, cohensKappa: 1, pearson: 1 });
    const opposite = judgeAgreement(pairs([0.9, 0.1], [0.1, 0.9]));
    expect(opposite).toEqual({ n: 2, agreement: 0, cohensKappa: -1, pearson: -1 });
  });

  it('a pass at exactly 0.5', () => {
    expect(judgeAgreement(pairs([0.5, 0.49], [0.5, 0.49])).agreement).toBe(1);
    expect(judgeAgreement(pairs([0.5], [0.49])).agreement).toBe(0);
  });

  it('undefined statistics are null: no items; kappa when both sides always pass; Pearson without variation or under 2 items', () => {
    expect(judgeAgreement([])).toEqual({ n: 0, agreement: null, cohensKappa: null, pearson: null });
    // pe = 1 x 1 + 0 x 0 = 1: kappa's denominator is 0
    expect(judgeAgreement(pairs([0.9, 0.7, 0.6], [0.8, 0.8, 0.8]))).toEqual({ n: 3, agreement: 1, cohensKappa: null, pearson: null });
    expect(judgeAgreement(pairs([0.9], [0.1])).pearson).toBeNull();
  });
});
