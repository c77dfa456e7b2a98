import type { DataSource } from 'typeorm';
import { AnalyticsService, Dimension, TimeBucket } from '../../../src/analytics';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';

/**
 * The counts half of the rollups (`ix_trace_rollups_{hourly,daily}_counts`, migration
 * 1797023100001) answers costBreakdown, cacheStats and guardrailStats' totals with an index-only scan:
 * their rollup rows also carry the latency sketches (several KB a row at 10M traces), which a heap
 * scan reads for a few numbers. Checked on the SQL the service sends, by EXPLAIN with sequential and bitmap scans
 * off (so the plan shows whether an index alone can answer, whatever the planner makes of a small
 * table): without the index the only index is the unique key, which holds no measures.
 */
describe('analytics counts read the rollups by an index-only scan', () => {
  let t: TestApp;
  let a: AnalyticsService;
  let sent: Array<{ sql: string; params: unknown[] }>;
  const start = new Date('2026-03-01T00:00:00Z');
  const end = new Date('2026-03-04T00:00:00Z');

  beforeAll(async () => {
    t = await startTestApp();
    const writer = t.app.services.traces.writer;
    for (const r of syntheticTraces(1500, { seed: 15, start, end, users: 50 })) writer.enqueue(r);
    await writer.flush();
    // The visibility map (what autovacuum keeps) lets an index-only scan skip the heap. VACUUM marks a page
    // all-visible only once no open snapshot in this database can still miss its rows (the service's own
    // background work may hold one for a moment), and the planner prices an index-only scan by the share of
    // pages marked: one CI run planned the hourly query on the unique key after a VACUUM that marked too few.
    // So VACUUM again until every page is marked, as autovacuum would eventually.
    await allVisible(t.app.dataSource, ['trace_rollups_hourly', 'trace_rollups_daily']);
    const ds = Object.create(t.app.dataSource) as DataSource;
    ds.query = (async (sql: string, params?: unknown[]) => {
      sent.push({ sql, params: params ?? [] });
      return t.app.dataSource.query(sql, params);
    }) as DataSource['query'];
    a = new AnalyticsService(ds);
  }, 120_000);
  afterAll(() => t.close());

  async function allVisible(ds: DataSource, tables: string[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const table of tables) await ds.query(`VACUUM ANALYZE ${table}`);
      const rows: Array<{ relname: string; relpages: number; relallvisible: number }> = await ds.query('SELECT relname, relpages, relallvisible FROM pg_class WHERE relname = ANY($1)', [tables]);
      const short = rows.filter((r) => r.relallvisible < r.relpages);
      if (rows.length === tables.length && short.length === 0) return;
      if (Date.now() > deadline) throw new Error(`VACUUM left pages not all-visible: ${JSON.stringify(short)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The scans of `trace_rollups_*` in the plans of the queries `run` sends, as "node type on relation (index)". */
  async function rollupScans(run: () => Promise<unknown>, sorts: string[] = []): Promise<string[]> {
    sent = [];
    await run();
    const scans: string[] = [];
    const qr = t.app.dataSource.createQueryRunner();
    try {
      await qr.startTransaction();
      await qr.query('SET LOCAL enable_seqscan = off');
      await qr.query('SET LOCAL enable_bitmapscan = off');
      for (const { sql, params } of sent) {
        const [{ 'QUERY PLAN': plan }] = await qr.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        const walk = (n: Record<string, any>) => {
          if (/Sort$/.test(n['Node Type'])) sorts.push(`${n['Node Type']} by ${n['Sort Key'].join(', ')}`);
          if (/^trace_rollups_/.test(n['Relation Name'] ?? '')) scans.push(`${n['Node Type']} on ${n['Relation Name']}${n['Index Name'] ? ` (${n['Index Name']})` : ''}`);
          for (const c of n.Plans ?? []) walk(c);
        };
        walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
      }
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
    return scans;
  }

  it('cacheStats by DAY over everything', async () => {
    expect(await rollupScans(() => a.cacheStats({}, TimeBucket.DAY))).toEqual(['Index Only Scan on trace_rollups_daily (ix_trace_rollups_daily_counts)']);
  });

  it('guardrailStats by DAY over everything: the per-bucket totals', async () => {
    expect(await rollupScans(() => a.guardrailStats({}, TimeBucket.DAY))).toEqual(['Index Only Scan on trace_rollups_daily (ix_trace_rollups_daily_counts)']);
  });

  it('costBreakdown [PROMPT, LABEL] by HOUR over whole hours, and [MODEL] by DAY over days and hours', async () => {
    const hours = { from: new Date('2026-03-01T05:00:00Z'), to: new Date('2026-03-02T18:00:00Z') };
    const sorts: string[] = [];
    expect(await rollupScans(() => a.costBreakdown(hours, [Dimension.PROMPT, Dimension.LABEL], TimeBucket.HOUR), sorts)).toEqual([
      'Index Only Scan on trace_rollups_hourly (ix_trace_rollups_hourly_counts)',
    ]);
    // Hourly rows of an HOUR answer keep their bucket column (no date_trunc), which the index returns in
    // order: on a large range the planner sorts each hour's rows only (incremental sort; a table this
    // small gets a plain sort), instead of the whole range by date_trunc(...) (spilled to disk at 1M traces).
    expect(sorts.map((s) => s.replace(/^(Incremental )?Sort by /, ''))).toEqual(['r.bucket, r.prompt, r.label']);
    const mixed = { from: new Date('2026-03-01T05:00:00Z'), to: new Date('2026-03-03T18:00:00Z') };
    expect((await rollupScans(() => a.costBreakdown(mixed, [Dimension.MODEL], TimeBucket.DAY))).sort()).toEqual([
      'Index Only Scan on trace_rollups_daily (ix_trace_rollups_daily_counts)',
      'Index Only Scan on trace_rollups_hourly (ix_trace_rollups_hourly_counts)',
      'Index Only Scan on trace_rollups_hourly (ix_trace_rollups_hourly_counts)',
    ]);
  });
});
