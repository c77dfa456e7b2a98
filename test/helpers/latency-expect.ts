import type { Dimension, LatencyRow } from '../../src/analytics';
import { SKETCH_RELATIVE_ACCURACY } from '../../src/traces';

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
