import type { DataSource } from 'typeorm';
import { AnalyticsService, Dimension, TimeBucket, latencyRangePlan, planRange, type LatencyRow } from '../../../src/analytics';
import { ClickHouseTraceService, type TraceFilterData } from '../../../src/traces';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { expectWithinSketch } from '../../helpers/latency-expect';
import { sqlOf } from '../../helpers/sql-spy';

/**
 * On PostgreSQL (and PGlite), a latency query the per-dimension and per-pair rows cannot answer (a
 * status or cached filter) reads the wide rollups, one row per combination of every dimension. The
 * percentiles of a group that is every wide row of one whole closed bucket (a day of a DAY bucket, a
 * week of a WEEK bucket from the daily rows, an hour of an HOUR bucket) are stored with the group's
 * requests: a process with no sketch cache then answers without reading a sketch, the same answer
 * as computing them; added traces change the requests, and a group of part of a bucket never takes them.
 */
describe('latencyStats stored percentiles of wide-rollup groups', () => {
  let t: TestApp;
  let ds: DataSource;
  // 2026-06-01 is a Monday: the range is one whole ISO week.
  const start = new Date('2026-06-01T00:00:00Z');
  const end = new Date('2026-06-08T00:00:00Z');
  const D = Dimension;
  const completed = 'COMPLETED' as TraceFilterData['status'];
  const cases: Array<[TraceFilterData, Dimension[], TimeBucket]> = [
    [{ from: start, to: end, status: completed }, [D.MODEL], TimeBucket.DAY],
    [{ from: start, to: end, status: completed }, [D.MODEL], TimeBucket.WEEK],
    [{ from: start, to: new Date('2026-06-02T00:00:00Z'), cached: false }, [D.PROMPT], TimeBucket.HOUR],
    // Three dimensions: only the wide rows hold them.
    [{ from: start, to: end }, [D.PROMPT, D.LABEL, D.MODEL], TimeBucket.DAY],
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

  /** The sorted latencies of each WEEK group of [MODEL] over COMPLETED traces in [from, to), from the raw traces. */
  async function weekTruth(from: Date, to: Date): Promise<Map<string, number[]>> {
    const rows: Array<{ k: string; lat: unknown[] }> = await ds.query(
      `SELECT json_build_array((extract(epoch FROM date_trunc('week', created_at, 'UTC')) * 1000)::bigint, model_id)::text AS k,
         COALESCE(array_agg(latency_ms ORDER BY latency_ms) FILTER (WHERE latency_ms IS NOT NULL), '{}') AS lat
       FROM traces WHERE created_at >= $1 AND created_at < $2 AND source = 'PRODUCTION' AND status = 'COMPLETED' GROUP BY 1`,
      [from, to],
    );
    return new Map(rows.map((r) => [JSON.stringify(JSON.parse(r.k)), r.lat.map(Number)]));
  }

  /** The sorted latencies of each group of a case (MODEL/LABEL, status and cached filters), from the raw traces. */
  async function truth([f, dims, bucket]: [TraceFilterData, Dimension[], TimeBucket]): Promise<Map<string, number[]>> {
    const col: Partial<Record<Dimension, string>> = { [D.MODEL]: 'model_id', [D.LABEL]: 'label' };
    const cond = ['created_at >= $1', 'created_at < $2', `source = 'PRODUCTION'`];
    if (f.status != null) cond.push(`status = '${f.status}'`);
    if (f.cached != null) cond.push(`cached = ${f.cached}`);
    const rows: Array<{ k: string; lat: unknown[] }> = await ds.query(
      `SELECT json_build_array((extract(epoch FROM date_trunc('${bucket === TimeBucket.HOUR ? 'hour' : 'day'}', created_at, 'UTC')) * 1000)::bigint${dims.map((d) => `, ${col[d]}`).join('')})::text AS k,
         COALESCE(array_agg(latency_ms ORDER BY latency_ms) FILTER (WHERE latency_ms IS NOT NULL), '{}') AS lat
       FROM traces WHERE ${cond.join(' AND ')} GROUP BY 1`,
      [f.from, f.to],
    );
    return new Map(rows.map((r) => [JSON.stringify(JSON.parse(r.k)), r.lat.map(Number)]));
  }

  // The latency sums are float sums whose order follows the plan (two queries may add the same rows in another order).
  const plain = (rows: LatencyRow[]) => JSON.parse(JSON.stringify(rows.map((r) => ({ ...r, avgMs: r.avgMs === null ? null : Number(r.avgMs.toPrecision(12)) })))) as unknown;
  const service = (o: { storedPercentiles?: boolean } = {}) => new AnalyticsService(ds, { exactPercentileMaxRows: 0, sketchCacheRows: 0, ...o });
  const sketchReads = (sql: string[]) => sql.filter((s) => s.includes('latency_bins'));

  it('answers groups of whole closed buckets from stored percentiles in a process that never read them, equal to computing them', async () => {
    if (!onPostgres()) return;
    await write(3000, 61);
    for (const c of cases) {
      const first = await service().latencyStats(...c);
      expect(first.length).toBeGreaterThan(0);
      expect(plain(await service({ storedPercentiles: false }).latencyStats(...c))).toEqual(plain(first));
      let again: LatencyRow[] = [];
      const sql = await sqlOf(ds, async () => (again = await service().latencyStats(...c)));
      expect(plain(again)).toEqual(plain(first));
      // Every group is one whole closed bucket: no sketch is read.
      expect(sketchReads(sql)).toEqual([]);
    }
    expectWithinSketch(await service().latencyStats(...cases[1]!), [D.MODEL], await weekTruth(start, end));
  }, 300_000);

  it('does not use stored percentiles once traces are added to the group', async () => {
    if (!onPostgres()) return;
    const c = cases[0]!;
    const before = await service().latencyStats(...c);
    await write(600, 62, 3);
    let after: LatencyRow[] = [];
    const sql = await sqlOf(ds, async () => (after = await service().latencyStats(...c)));
    expect(sketchReads(sql).length).toBeGreaterThan(0);
    expect(after.some((r, i) => r.p95Ms !== before[i]?.p95Ms)).toBe(true);
    expect(plain(await service({ storedPercentiles: false }).latencyStats(...c))).toEqual(plain(after));
  }, 300_000);

  it('a group of part of a week never takes the percentiles stored for the whole week, even at equal requests', async () => {
    if (!onPostgres()) return;
    const week = cases[1]!;
    const whole = await service().latencyStats(...week);
    // The week without its Monday, then as many COMPLETED traces per model added on Wednesday as
    // Monday held: each model's group has exactly the requests stored for the whole week.
    const from = new Date('2026-06-02T00:00:00Z');
    const monday: Array<{ model_id: string; n: number }> = await ds.query(
      `SELECT model_id, count(*)::int AS n FROM traces WHERE created_at >= $1 AND created_at < $2 AND source = 'PRODUCTION' AND status = 'COMPLETED' GROUP BY 1`,
      [start, from],
    );
    const wednesday = new Date('2026-06-03T00:00:00Z');
    const extra = [...syntheticTraces(20_000, { seed: 63, start: wednesday, end: new Date('2026-06-04T00:00:00Z') })].filter((r) => r.status === 'COMPLETED' && r.evalRunId == null);
    const writer = t.app.services.traces.writer;
    let k = 0;
    for (const { model_id, n } of monday) {
      for (let i = 0; i < n; i++) {
        const r = extra[k++]!;
        writer.enqueue({ ...r, modelId: model_id, latencyMs: r.latencyMs == null ? r.latencyMs : r.latencyMs * 5 });
      }
    }
    await writer.flush();
    const partial: [TraceFilterData, Dimension[], TimeBucket] = [{ ...week[0], from }, week[1], week[2]];
    const got = await service().latencyStats(...partial);
    expect(got.map((r) => [r.keys[D.MODEL], r.requests])).toEqual(whole.map((r) => [r.keys[D.MODEL], r.requests]));
    expect(plain(got)).toEqual(plain(await service({ storedPercentiles: false }).latencyStats(...partial)));
    expectWithinSketch(got, [D.MODEL], await weekTruth(from, end));
  }, 300_000);
  it('answers a partial hour of more than half an hour as its hour minus the rest, equal to the plain GROUP BY', async () => {
    // 00:07 to 00:00 (53 minutes) and 23:00 to 23:20 (20 minutes) of a day: the first is its hour minus 00:00-00:07.
    const from = new Date('2026-06-02T00:07:00.123Z');
    const to = new Date('2026-06-03T23:20:00Z');
    const lp = latencyRangePlan(planRange(from, to));
    expect(lp.minus).toEqual([{ from: new Date('2026-06-02T00:00:00Z'), to: from }]);
    expect(lp.raw).toEqual([{ from: new Date('2026-06-03T23:00:00Z'), to }]);
    // By DAY the first hour and the 23 whole hours after it are that day's daily rows (minus 00:00-00:07); by HOUR its hourly rows.
    expect(lp.rollups.filter((r) => r.edge)).toEqual([{ level: 'daily', from: new Date('2026-06-02T00:00:00Z'), to: new Date('2026-06-03T00:00:00Z'), edge: true }]);
    expect(lp.rollups.filter((r) => r.level === 'hourly')).toEqual([{ level: 'hourly', from: new Date('2026-06-03T00:00:00Z'), to: new Date('2026-06-03T23:00:00Z') }]);
    const byHour = latencyRangePlan(planRange(from, to, false), false);
    expect(byHour.rollups.filter((r) => r.edge)).toEqual([{ level: 'hourly', from: new Date('2026-06-02T00:00:00Z'), to: new Date('2026-06-02T01:00:00Z'), edge: true }]);
    if (!onPostgres()) return;
    const raw = new AnalyticsService(ds, { source: 'raw' });
    const plainCases: Array<[TraceFilterData, Dimension[], TimeBucket]> = [
      [{ from, to }, [D.MODEL], TimeBucket.DAY],
      [{ from, to }, [D.LABEL], TimeBucket.HOUR],
      [{ from, to, status: completed }, [D.MODEL], TimeBucket.DAY],
      [{ from, to, cached: false }, [], TimeBucket.HOUR],
    ];
    for (const c of plainCases) {
      let got: LatencyRow[] = [];
      const sql = await sqlOf(ds, async () => (got = await service().latencyStats(...c)));
      expect(sql.some((s) => s.includes('-count(*)'))).toBe(true);
      const want = await raw.latencyStats(...c);
      expect(got.map((r) => [r.keys, r.bucket, r.requests])).toEqual(want.map((r) => [r.keys, r.bucket, r.requests]));
      got.forEach((r, i) => (want[i]!.avgMs === null ? expect(r.avgMs).toBeNull() : expect(Math.abs(r.avgMs! - want[i]!.avgMs!) / want[i]!.avgMs!).toBeLessThan(1e-9)));
      expectWithinSketch(got, c[1], await truth(c));
    }
  }, 300_000);
});
