import type { DataSource } from 'typeorm';
import { AnalyticsService, Dimension, TimeBucket, type LatencyRow } from '../../../src/analytics';
import { ClickHouseTraceService, rebuildRollups, type TraceFilterData } from '../../../src/traces';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { expectWithinSketch } from '../../helpers/latency-expect';
import { sqlOf } from '../../helpers/sql-spy';

/**
 * On PostgreSQL (and PGlite), latencyStats stores the percentiles of closed per-dimension and
 * per-pair latency rollup rows (`trace_latency_percentiles_<level>`, with the row's `requests`): a
 * later query, in a process with no sketch cache at all, answers a group of one rollup row (an hour
 * of an HOUR bucket, a day of a DAY bucket) without reading its sketch; once traces are added to the
 * row its stored percentiles no longer match and are not used.
 */
describe('latencyStats stored percentiles', () => {
  let t: TestApp;
  let ds: DataSource;
  const start = new Date('2026-06-01T00:00:00Z');
  const end = new Date('2026-06-03T00:00:00Z');
  const D = Dimension;
  // HOUR over whole hours (hourly rows), DAY over whole days (daily rows), a pair, a partial-hour edge.
  const cases: Array<[TraceFilterData, Dimension[], TimeBucket]> = [
    [{ from: start, to: end }, [D.MODEL], TimeBucket.HOUR],
    [{ from: start, to: end }, [D.PROMPT, D.MODEL], TimeBucket.DAY],
    // A partial first hour of less than half an hour, read raw (a longer one is its hour minus the rest: `latencyRangePlan`).
    [{ from: new Date(start.getTime() + 37 * 60_000 + 11), to: end }, [D.LABEL], TimeBucket.HOUR],
  ];

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  }, 120_000);
  afterAll(() => t.close());

  const onPostgres = () => !(t.app.services.traces instanceof ClickHouseTraceService);

  async function write(count: number, seed: number, latencyScale = 1) {
    const writer = t.app.services.traces.writer;
    for (const r of syntheticTraces(count, { seed, start, end })) writer.enqueue({ ...r, latencyMs: r.latencyMs == null ? r.latencyMs : r.latencyMs * latencyScale });
    await writer.flush();
  }

  /** The sorted latencies of each group of a case, from the raw traces. */
  async function truth([filter, dims, bucket]: [TraceFilterData, Dimension[], TimeBucket]): Promise<Map<string, number[]>> {
    const col: Partial<Record<Dimension, string>> = { [D.MODEL]: 'model_id', [D.PROMPT]: 'prompt', [D.LABEL]: 'label' };
    const unit = bucket === TimeBucket.HOUR ? 'hour' : 'day';
    const rows: Array<{ k: string; lat: unknown[] }> = await ds.query(
      `SELECT json_build_array((extract(epoch FROM date_trunc('${unit}', created_at, 'UTC')) * 1000)::bigint, ${dims.map((d) => col[d]).join(', ')})::text AS k,
         COALESCE(array_agg(latency_ms ORDER BY latency_ms) FILTER (WHERE latency_ms IS NOT NULL), '{}') AS lat
       FROM traces WHERE created_at >= $1 AND created_at < $2 AND source = 'PRODUCTION' GROUP BY 1`,
      [filter.from, filter.to],
    );
    return new Map(rows.map((r) => [JSON.stringify(JSON.parse(r.k)), r.lat.map(Number)]));
  }

  const plain = (rows: LatencyRow[]) => JSON.parse(JSON.stringify(rows)) as unknown;
  const service = (o: { storedPercentiles?: boolean } = {}) => new AnalyticsService(ds, { exactPercentileMaxRows: 0, sketchCacheRows: 0, ...o });

  it('answers one-row groups of closed buckets from stored percentiles in a process that never read them, equal to computing them', async () => {
    if (!onPostgres()) return;
    await write(1500, 51);
    for (const c of cases) {
      const first = await service().latencyStats(...c);
      expectWithinSketch(first, c[1], await truth(c));
      // The same answer computed from every sketch, as before percentiles were stored.
      expect(plain(await service({ storedPercentiles: false }).latencyStats(...c))).toEqual(plain(first));
      // A new service (no cache): the counts query only, no sketch read.
      let again: LatencyRow[] = [];
      const sql = await sqlOf(ds, async () => (again = await service().latencyStats(...c)));
      expect(plain(again)).toEqual(plain(first));
      const binReads = sql.filter((s) => s.includes('latency_bins'));
      // The partial first hour of the LABEL case is read raw; every other group is one stored row.
      expect(binReads).toEqual([]);
    }
    const [hourly] = await ds.query(`SELECT count(*)::int AS n FROM trace_latency_percentiles_hourly WHERE dim = 'model_id' AND dim2 = ''`);
    const [groups] = await ds.query(
      `SELECT count(DISTINCT (date_trunc('hour', created_at, 'UTC'), model_id))::int AS n FROM traces WHERE created_at >= $1 AND created_at < $2 AND source = 'PRODUCTION'`,
      [start, end],
    );
    expect(hourly.n).toBe(groups.n);
    const [pairs] = await ds.query(`SELECT count(*)::int AS n FROM trace_latency_percentiles_daily WHERE dim = 'prompt' AND dim2 = 'model_id'`);
    expect(pairs.n).toBeGreaterThan(0);
  }, 300_000);

  it('does not use percentiles stored before traces were added to their rows', async () => {
    if (!onPostgres()) return;
    const before = await Promise.all(cases.map((c) => service().latencyStats(...c)));
    await write(1500, 52, 3);
    for (const [i, c] of cases.entries()) {
      let after: LatencyRow[] = [];
      const sql = await sqlOf(ds, async () => (after = await service().latencyStats(...c)));
      // The stored percentiles no longer match the rows: their sketches are read again.
      expect(sql.some((s) => s.includes('latency_bins'))).toBe(true);
      expectWithinSketch(after, c[1], await truth(c));
      expect(after.some((r, j) => before[i]![j] && r.p95Ms !== before[i]![j]!.p95Ms)).toBe(true);
      expect(plain(await service({ storedPercentiles: false }).latencyStats(...c))).toEqual(plain(after));
    }
    // And they were stored again at the rows' new counts.
    const [stale] = await ds.query(
      `SELECT count(*)::int AS n FROM trace_latency_percentiles_hourly s JOIN trace_latency_rollups_hourly r
         ON (r.bucket, r.source, r.dim, r.dim2) = (s.bucket, s.source, s.dim, s.dim2) AND r.value IS NOT DISTINCT FROM s.value AND r.value2 IS NOT DISTINCT FROM s.value2
       WHERE s.dim = 'model_id' AND s.dim2 = '' AND s.requests <> r.requests`,
    );
    expect(stale.n).toBe(0);
  }, 300_000);

  it('rollups:rebuild clears the stored percentiles with the rows they were computed from; the next answer is the same', async () => {
    if (!onPostgres()) return;
    const c = cases[0]!;
    const before = await service().latencyStats(...c);
    const [stored] = await ds.query(`SELECT (SELECT count(*) FROM trace_latency_percentiles_hourly) + (SELECT count(*) FROM trace_latency_percentiles_daily) AS n`);
    expect(Number(stored.n)).toBeGreaterThan(0);
    await rebuildRollups(ds);
    const [left] = await ds.query(`SELECT (SELECT count(*) FROM trace_latency_percentiles_hourly) + (SELECT count(*) FROM trace_latency_percentiles_daily) AS n`);
    expect(Number(left.n)).toBe(0);
    // Percentiles and counts as before; the latency sums are added in another order by the rebuild.
    const after = await service().latencyStats(...c);
    const noAvg = (rows: LatencyRow[]) => rows.map((r) => ({ ...r, avgMs: r.avgMs === null ? null : Number(r.avgMs.toPrecision(12)) }));
    expect(plain(noAvg(after) as LatencyRow[])).toEqual(plain(noAvg(before) as LatencyRow[]));
  }, 300_000);
});
