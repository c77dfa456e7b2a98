/**
 * percentile_cont over sorted values, as PostgreSQL computes it: linear interpolation between the
 * two values around rank q·(n−1); null for no values. The ClickHouse readers use it to give exactly
 * PostgreSQL's answers on small ranges.
 */
export function percentileCont(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (b - a) * (pos - lo);
}
