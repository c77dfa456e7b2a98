import { Dimension, TimeBucket, type LatencyRow } from '../../src/analytics';
import { SKETCH_RELATIVE_ACCURACY, type TraceFilterData } from '../../src/traces';

/**
 * Each latency row's p50/p95/p99 is within the sketch's relative accuracy of the exact percentile of
 * the raw latencies of its group (`lat`: sorted latencies keyed by JSON [bucket ms, ...dimension
 * values]); a group with no latency answers null.
 */
export function expectWithinSketch(rows: LatencyRow[], dims: Dimension[], lat: Map<string, number[]>): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    const sorted = lat.get(JSON.stringify([r.bucket!.getTime(), ...dims.map((d) => (r.keys[d] == null ? null : String(r.keys[d])))])) ?? [];
    for (const [got, q] of [
      [r.p50Ms, 0.5],
      [r.p95Ms, 0.95],
      [r.p99Ms, 0.99],
    ] as const) {
      if (!sorted.length) {
        expect(got).toBeNull();
        continue;
      }
      const x = sorted[Math.floor(q * (sorted.length - 1))]!;
      expect(Math.abs(got! - x)).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY * x + 1e-9);
    }
  }
}

/**
 * The latency queries the pair-rollup tests ask of both stores, over a range whose edges are partial
 * hours (read from the raw traces): two dimensions both ways round, and one dimension with a filter
 * on another.
 */
export function pairRollupCases(start: Date, end: Date): Array<[TraceFilterData, Dimension[], TimeBucket]> {
  const D = Dimension;
  const range = { from: new Date(start.getTime() + 5 * 60_000 + 123), to: new Date(end.getTime() - 17 * 60_000) };
  return [
    [range, [D.PROMPT, D.MODEL], TimeBucket.DAY],
    [range, [D.MODEL, D.PROMPT], TimeBucket.HOUR],
    [range, [D.LABEL, D.PROMPT_VERSION], TimeBucket.DAY],
    [{ ...range, modelId: 'amazon.nova-micro-v1:0' }, [D.PROMPT], TimeBucket.DAY],
    [{ ...range, prompt: 'support' }, [D.API_KEY], TimeBucket.HOUR],
  ];
}
