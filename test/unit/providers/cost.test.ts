import { resolveModel } from '../../../src/providers/catalog';
import { costByStageMicros, microsToUsd, tokensCostMicros, type StageTokens } from '../../../src/providers/cost';

const zero: StageTokens = { system: 0, context: 0, history: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
const prices = (id: string) => resolveModel(id)!.prices;

describe('cost arithmetic in integer micro-USD', () => {
  it('prices Claude Sonnet 4 input, output, cache read and cache write (golden figures)', () => {
    const cost = costByStageMicros({ system: 1200, context: 800, history: 500, input: 300, output: 1000, cacheRead: 2000, cacheWrite: 1500 }, prices('us.anthropic.claude-sonnet-4-20250514-v1:0'));
    // input $3/M, output $15/M, cache read $0.30/M, cache write $3.75/M
    expect(cost).toEqual({ system: 3600, context: 2400, history: 1500, input: 900, output: 15000, cacheRead: 600, cacheWrite: 5625, total: 29625 });
    expect(microsToUsd(cost.total)).toBe(0.029625);
  });

  it('prices Nova Lite with fractional micro-USD, the stages still adding up to the total (largest remainder)', () => {
    const cost = costByStageMicros({ system: 1234, context: 0, history: 777, input: 55, output: 321, cacheRead: 2000, cacheWrite: 1600 }, prices('amazon.nova-lite-v1:0'));
    // exact: 74.04 + 0 + 46.62 + 3.3 + 77.04 + 30 + 96 = 327.00; the one leftover micro goes to history (.62)
    expect(cost).toEqual({ system: 74, context: 0, history: 47, input: 3, output: 77, cacheRead: 30, cacheWrite: 96, total: 327 });
  });

  it('prices Nova Pro (golden figures) and spreads sub-micro remainders by size, ties to the earlier stage', () => {
    const p = prices('amazon.nova-pro-v1:0');
    expect(costByStageMicros({ ...zero, input: 1_000_000, output: 500_000, cacheRead: 100_000, cacheWrite: 10_000 }, p)).toEqual({
      ...zero,
      input: 800_000,
      output: 1_600_000,
      cacheRead: 20_000,
      cacheWrite: 8_000,
      total: 2_428_000,
    });
    // 0.8 ×5 + 3.2 + 0.2 = 7.4 → 7: four leftover micros go to the .8 remainders, earliest first.
    expect(costByStageMicros({ system: 1, context: 1, history: 1, input: 1, output: 1, cacheRead: 1, cacheWrite: 1 }, p)).toEqual({
      system: 1,
      context: 1,
      history: 1,
      input: 1,
      output: 3,
      cacheRead: 0,
      cacheWrite: 0,
      total: 7,
    });
  });

  it('rounds a single amount half-up and keeps tiny prices exact', () => {
    expect(tokensCostMicros(100, 0.00875)).toBe(1); // 0.875 µ$
    expect(tokensCostMicros(1, 0.5)).toBe(1); // 0.5 µ$ rounds up
    expect(tokensCostMicros(1, 0.49)).toBe(0);
    expect(tokensCostMicros(3, 0.1)).toBe(0); // 0.3 µ$, no float drift
    expect(tokensCostMicros(10_000_000, 0.035)).toBe(350_000);
  });

  it('always sums stage costs to the exactly rounded total (random usage across models)', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ids = [
      'amazon.nova-micro-v1:0',
      'amazon.nova-lite-v1:0',
      'amazon.nova-pro-v1:0',
      'anthropic.claude-sonnet-4-20250514-v1:0',
      'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      'meta.llama3-1-8b-instruct-v1:0',
    ];
    for (let i = 0; i < 500; i++) {
      const p = prices(ids[i % ids.length]);
      const t: StageTokens = { system: rand(5000), context: rand(9000), history: rand(3000), input: rand(700), output: rand(4000), cacheRead: rand(20000), cacheWrite: rand(5000) };
      const c = costByStageMicros(t, p);
      const exactPicos =
        (t.system + t.context + t.history + t.input) * Math.round(p.input * 1e6) +
        t.output * Math.round(p.output * 1e6) +
        t.cacheRead * Math.round((p.cacheRead ?? p.input) * 1e6) +
        t.cacheWrite * Math.round((p.cacheWrite ?? p.input) * 1e6);
      expect(c.total).toBe(Math.floor((exactPicos + 500_000) / 1_000_000));
      expect(c.system + c.context + c.history + c.input + c.output + c.cacheRead + c.cacheWrite).toBe(c.total);
      for (const k of Object.keys(t) as Array<keyof StageTokens>) expect(c[k]).toBeGreaterThanOrEqual(0);
    }
  });
});
