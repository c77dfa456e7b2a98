import { AnalyticsService, Dimension, TimeBucket, type LatencyRow } from '../../../src/analytics';
import { ClickHouseTraceService, SKETCH_RELATIVE_ACCURACY } from '../../../src/traces';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { analyticsFor } from '../../helpers/analytics-store';
import { sqlOf } from '../../helpers/sql-spy';

/**
 * latencyStats keeps what it read from closed buckets (parsed sketches of rollup row versions on
 * PostgreSQL, percentiles of groups with unchanged counts on ClickHouse). Traces written later into
 * those same buckets must show in the next answer: the cache never serves a bucket as it was.
 */
describe('latencyStats sketch cache', () => {
  let t: TestApp;
  const start = new Date('2026-05-01T00:00:00Z');
  const end = new Date('2026-05-01T12:00:00Z');
  const range = { from: start, to: end };

  beforeAll(async () => {
    t = await startTestApp();
  }, 120_000);
  afterAll(() => t.close());

  async function write(count: number, seed: number, latencyScale = 1) {
    const writer = t.app.services.traces.writer;
    for (const r of syntheticTraces(count, { seed, start, end })) writer.enqueue({ ...r, latencyMs: r.latencyMs == null ? r.latencyMs : r.latencyMs * latencyScale });
    await writer.flush();
  }

  /** The latencies of each (hour, model), sorted, from the raw traces of the database. */
  async function truth(): Promise<Map<string, number[]>> {
    const rows: Array<{ k: string; lat: unknown[] }> = await t.app.dataSource.query(
      `SELECT json_build_array((extract(epoch FROM date_trunc('hour', created_at, 'UTC')) * 1000)::bigint, model_id)::text AS k,
         COALESCE(array_agg(latency_ms ORDER BY latency_ms) FILTER (WHERE latency_ms IS NOT NULL), '{}') AS lat
       FROM traces WHERE created_at >= $1 AND created_at < $2 AND source = 'PRODUCTION' GROUP BY 1`,
      [start, end],
    );
    return new Map(rows.map((r) => [JSON.stringify(JSON.parse(r.k)), r.lat.map(Number)]));
  }

  function expectWithinSketch(rows: LatencyRow[], lat: Map<string, number[]>) {
    for (const r of rows) {
      const sorted = lat.get(JSON.stringify([r.bucket!.getTime(), r.keys.MODEL ?? null])) ?? [];
      if (!sorted.length) {
        expect(r.p95Ms).toBeNull();
        continue;
      }
      const x = sorted[Math.floor(0.95 * (sorted.length - 1))]!;
      expect(Math.abs(r.p95Ms! - x)).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY * x + 1e-9);
    }
  }

  it('answers from the cache while nothing changed, and from the new rows once a closed hour gains traces', async () => {
    await write(600, 41);
    const cached = analyticsFor(t, { exactPercentileMaxRows: 0 });
    const raw = new AnalyticsService(t.app.dataSource, { source: 'raw' });
    const first = await cached.latencyStats(range, [Dimension.MODEL], TimeBucket.HOUR);
    expect(first.length).toBeGreaterThan(12);
    expectWithinSketch(first, await truth());

    // Asked again: the same answer (from the cache).
    expect(JSON.parse(JSON.stringify(await cached.latencyStats(range, [Dimension.MODEL], TimeBucket.HOUR)))).toEqual(JSON.parse(JSON.stringify(first)));

    // The same hours gain traces three times slower: every p95 moves, and the counts with it.
    await write(600, 42, 3);
    const second = await cached.latencyStats(range, [Dimension.MODEL], TimeBucket.HOUR);
    const want = await raw.latencyStats(range, [Dimension.MODEL], TimeBucket.HOUR);
    expect(second.map((r) => [r.keys, r.bucket, r.requests])).toEqual(want.map((r) => [r.keys, r.bucket, r.requests]));
    expectWithinSketch(second, await truth());
    expect(second.some((r, i) => first[i] && r.p95Ms !== first[i]!.p95Ms)).toBe(true);

    // A service without a cache gives the same answer.
    const uncached = analyticsFor(t, { exactPercentileMaxRows: 0, sketchCacheRows: 0 });
    expect(JSON.parse(JSON.stringify(await uncached.latencyStats(range, [Dimension.MODEL], TimeBucket.HOUR)))).toEqual(JSON.parse(JSON.stringify(second)));
  }, 300_000);

  it('on PostgreSQL, a second query over closed hours reads no sketch bins', async () => {
    if (t.app.services.traces instanceof ClickHouseTraceService) return;
    const a = new AnalyticsService(t.app.dataSource, { exactPercentileMaxRows: 0 });
    await a.latencyStats(range, [Dimension.MODEL], TimeBucket.HOUR);
    const seen = await sqlOf(t.app.dataSource, () => a.latencyStats(range, [Dimension.MODEL], TimeBucket.HOUR));
    expect(seen.some((sql) => sql.includes('trace_latency_rollups_hourly'))).toBe(true);
    expect(seen.filter((sql) => sql.includes('latency_bins::text'))).toEqual([]);
  });
});
