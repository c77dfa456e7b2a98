import type { DataSource, QueryRunner } from 'typeorm';
import { rebuildRollups, sketchKey, validateTraceRecord, writeTraceBatch, type WrittenRecord } from '../../../src/traces';
import { AnalyticsService, Dimension, TimeBucket } from '../../../src/analytics';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { clearTraceTables } from '../../helpers/trace-tables';
import { syntheticTraces } from '../../../scripts/synthetic-traces';

describe('trace rollups', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    jest.restoreAllMocks();
    await clearTraceTables(ds);
  });

  const batch = (n: number, seed: number): WrittenRecord[] =>
    [...syntheticTraces(n, { seed, start: new Date('2026-05-01T00:00:00Z'), end: new Date('2026-05-02T00:00:00Z') })].map((r) => {
      const v = validateTraceRecord(r);
      if (!v.ok) throw new Error(v.error);
      return { record: v.value, at: new Date() };
    });

  /** The rollup tables, sorted, as plain data (bins as parsed JSON). */
  async function snapshot() {
    const r = await ds.query(`SELECT * FROM trace_rollups_hourly ORDER BY bucket, prompt, prompt_version, label, model_id, route_rule, api_key, status, cached, source`);
    const g = await ds.query(
      `SELECT * FROM trace_guardrail_rollups_hourly ORDER BY bucket, prompt, prompt_version, label, model_id, route_rule, api_key, status, cached, source, policy, kind, direction`,
    );
    const daily = await ds.query(`SELECT * FROM trace_rollups_daily ORDER BY bucket, prompt, prompt_version, label, model_id, route_rule, api_key, status, cached, source`);
    const dailyG = await ds.query(
      `SELECT * FROM trace_guardrail_rollups_daily ORDER BY bucket, prompt, prompt_version, label, model_id, route_rule, api_key, status, cached, source, policy, kind, direction`,
    );
    const lat = await ds.query(`SELECT * FROM trace_latency_rollups_hourly ORDER BY bucket, source, dim, value, dim2, value2`);
    const latDaily = await ds.query(`SELECT * FROM trace_latency_rollups_daily ORDER BY bucket, source, dim, value, dim2, value2`);
    // A float sum depends on the order it was added in: compared to a millionth of a millisecond.
    for (const row of [...r, ...daily, ...lat, ...latDaily]) {
      row.latency_sum = Math.round(Number(row.latency_sum) * 1e6) / 1e6;
      // A sketch's stored pairs depend on when the row was last compacted: compared as the sketch they hold.
      row.latency_bins = sketchOf(row.latency_bins);
      row.ttft_bins = sketchOf(row.ttft_bins);
      delete row.bins_compacted;
    }
    return JSON.parse(JSON.stringify({ r, g, daily, dailyG, lat, latDaily }));
  }

  /** A stored sketch (`{key, count}` pairs, a key possibly repeated) as sorted bins, each key once. */
  const sketchOf = (pairs: Array<[unknown, unknown]>) => {
    const bins = new Map<number, number>();
    for (const [k, n] of pairs) bins.set(Number(k), (bins.get(Number(k)) ?? 0) + Number(n));
    return [...bins].sort((a, b) => a[0] - b[0]);
  };

  /** Every rollup-backed answer equals the plain GROUP BY. */
  async function expectRollupsRight() {
    const rolled = new AnalyticsService(ds, { exactPercentileMaxRows: -1 });
    const raw = new AnalyticsService(ds, { source: 'raw' });
    const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
    for (const bucket of [undefined, TimeBucket.HOUR, TimeBucket.DAY]) {
      expect(plain(await rolled.costBreakdown({}, [Dimension.PROMPT, Dimension.MODEL], bucket))).toEqual(plain(await raw.costBreakdown({}, [Dimension.PROMPT, Dimension.MODEL], bucket)));
      expect(plain(await rolled.cacheStats({}, bucket))).toEqual(plain(await raw.cacheStats({}, bucket)));
      expect(plain(await rolled.guardrailStats({}, bucket))).toEqual(plain(await raw.guardrailStats({}, bucket)));
      for (const dims of [[Dimension.MODEL], [Dimension.PROMPT, Dimension.MODEL]]) {
        const l = await rolled.latencyStats({}, dims, bucket);
        expect(l.map((x) => [x.keys, x.requests])).toEqual((await raw.latencyStats({}, dims, bucket)).map((x) => [x.keys, x.requests]));
      }
    }
  }

  it('a crash between batches: the failed batch leaves nothing, its replay (with the batch before it) counts each trace once', async () => {
    const a = batch(300, 1);
    const b = batch(300, 2);
    expect(await writeTraceBatch(ds, a)).toBe(300);
    const afterA = await snapshot();
    // The process dies after batch B's traces were inserted but before its rollups: the transaction never commits.
    const original = ds.query.bind(ds);
    const spy = jest.spyOn(ds, 'query').mockImplementation(async (sql: string, params?: unknown[], runner?: QueryRunner) => {
      if (sql.includes('INSERT INTO trace_guardrail_rollups_hourly')) throw new Error('killed');
      return original(sql, params, runner);
    });
    await expect(writeTraceBatch(ds, b)).rejects.toThrow('killed');
    spy.mockRestore();
    expect(Number((await ds.query('SELECT count(*) AS n FROM traces'))[0].n)).toBe(300);
    expect(await snapshot()).toEqual(afterA);
    // After the restart the spool replays both batches (A was already stored): only B's traces are new.
    expect(await writeTraceBatch(ds, [...a, ...b])).toBe(300);
    expect(await writeTraceBatch(ds, b)).toBe(0);
    expect(Number((await ds.query('SELECT count(*) AS n FROM traces'))[0].n)).toBe(600);
    const [sums] = await ds.query('SELECT sum(requests)::int AS n FROM trace_rollups_hourly');
    expect(sums.n).toBe(600);
    await expectRollupsRight();
  });

  it('a batch holding the same trace twice stores and counts it once', async () => {
    const a = batch(5, 3);
    expect(await writeTraceBatch(ds, [...a, a[0]!, a[0]!])).toBe(5);
    const [sums] = await ds.query('SELECT sum(requests)::int AS n FROM trace_rollups_hourly');
    expect(sums.n).toBe(5);
  });

  it('rollups:rebuild recomputes exactly the rollups the writer maintained, batch by batch', async () => {
    for (let i = 0; i < 6; i++) await writeTraceBatch(ds, batch(250, 10 + i));
    const incremental = await snapshot();
    expect(incremental.r.length).toBeGreaterThan(50);
    expect(incremental.g.length).toBeGreaterThan(5);
    expect(incremental.lat.length).toBeGreaterThan(50);
    expect(incremental.latDaily.filter((x: { dim2: string }) => x.dim2 !== '').length).toBeGreaterThan(50);
    await ds.query('DELETE FROM trace_rollups_hourly WHERE prompt = $1', ['support']);
    await ds.query('DELETE FROM trace_rollups_daily WHERE prompt = $1', ['classify']);
    await ds.query('DELETE FROM trace_latency_rollups_hourly WHERE dim = $1', ['model_id']);
    await ds.query('DELETE FROM trace_latency_rollups_daily WHERE dim = $1 AND dim2 = $2', ['prompt', 'model_id']);
    const counts = await rebuildRollups(ds);
    expect(counts).toEqual({ rollups: incremental.r.length, guardrails: incremental.g.length });
    expect(await snapshot()).toEqual(incremental);
    await expectRollupsRight();
  });

  it('the SQL sketch key (raw partial hours) puts every latency in the bin the library puts it in', async () => {
    const values = [0, 1e-7, 0.001, 0.5, 1, 1.0202, 2, 9.99, 52, 120, 185.3, 999.999, 1000, 60_000, 3_600_000];
    for (let i = 0; i < 2000; i++) values.push(Math.round(Math.exp(Math.random() * 12) * 1000) / 1000);
    const rows: Array<{ k: number }> = await ds.query(`SELECT trace_sketch_key(v)::int AS k FROM unnest($1::float8[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [values]);
    expect(rows.map((r) => r.k)).toEqual(values.map(sketchKey));
  });
});
