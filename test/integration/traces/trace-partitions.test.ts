import type { DataSource } from 'typeorm';
import { maintainTracePartitions, validateTraceRecord, writeTraceBatch, type WrittenRecord } from '../../../src/traces';
import { AnalyticsService, Dimension, TimeBucket } from '../../../src/analytics';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';

/** Weekly partitions of `traces`: created ahead and on demand, dropped whole by the retention. */
describe('trace partitions', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());

  const partitions = async (): Promise<string[]> =>
    (await ds.query(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'traces'::regclass AND c.relkind = 'r' ORDER BY 1`)).map(
      (r: { name: string }) => r.name,
    );
  const count = async (table: string): Promise<number> => Number((await ds.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
  const batch = (n: number, seed: number, start: string, end: string): WrittenRecord[] =>
    [...syntheticTraces(n, { seed, start: new Date(start), end: new Date(end) })].map((r) => {
      const v = validateTraceRecord(r);
      if (!v.ok) throw new Error(v.error);
      return { record: v.value, at: new Date() };
    });

  it('the service keeps this week and four ahead; a batch creates the weeks it needs; SQL rows for a missing week wait in the default partition', async () => {
    const now = new Date('2031-06-18T12:00:00Z'); // a Wednesday
    const r = await maintainTracePartitions(ds, {}, now);
    expect(r.dropped).toEqual([]);
    expect(await partitions()).toEqual(expect.arrayContaining(['traces_w20310616', 'traces_w20310623', 'traces_w20310630', 'traces_w20310707', 'traces_w20310714']));
    expect(await partitions()).not.toContain('traces_w20310721');

    // A straight SQL insert into a week without a partition: kept in traces_default...
    await ds.query(`INSERT INTO traces (id, created_at, status, request, assembled_prompt) VALUES (gen_random_uuid(), '2029-01-03T10:00:00Z', 'COMPLETED', '{"prompt":"p"}', '{}')`);
    expect(await count('traces_default')).toBe(1);
    // ...until the writer needs that week: the partition is created and the row moves into it.
    expect(await writeTraceBatch(ds, batch(50, 1, '2029-01-01T00:00:00Z', '2029-01-15T00:00:00Z'))).toBe(50);
    expect(await partitions()).toEqual(expect.arrayContaining(['traces_w20290101', 'traces_w20290108']));
    expect(await count('traces_default')).toBe(0);
    expect(await count('traces_w20290101')).toBeGreaterThan(1);
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM traces WHERE created_at >= '2029-01-01' AND created_at < '2029-01-15'`))[0].n)).toBe(51);
  });

  it('TRACE_RETENTION_DAYS drops whole weeks (their tables) with their rollup buckets; what is left still equals a plain GROUP BY', async () => {
    await writeTraceBatch(ds, batch(400, 2, '2030-03-04T00:00:00Z', '2030-03-25T00:00:00Z')); // three whole weeks, Monday to Monday
    expect(await partitions()).toEqual(expect.arrayContaining(['traces_w20300304', 'traces_w20300311', 'traces_w20300318']));
    const before = await count('traces');
    const inFirstWeek = Number((await ds.query(`SELECT count(*)::int AS n FROM traces_w20300304`))[0].n);
    // 7 days before 2030-03-18T12:00 is 2030-03-11T12:00: the week that ended 2030-03-11 is wholly older...
    // ...and every earlier week (the 2029 ones of the test before).
    const r = await maintainTracePartitions(ds, { retentionDays: 7, weeksAhead: 0 }, new Date('2030-03-18T12:00:00Z'));
    expect(r.dropped).toEqual(expect.arrayContaining(['traces_w20300304', 'traces_w20290101', 'traces_w20290108']));
    expect(r.dropped).not.toContain('traces_w20300311');
    const names = await partitions();
    expect(names).not.toContain('traces_w20300304');
    expect(names).toEqual(expect.arrayContaining(['traces_w20300311', 'traces_w20300318']));
    expect(await ds.query(`SELECT to_regclass('traces_w20300304') AS t`)).toEqual([{ t: null }]);
    expect(await count('traces')).toBe(before - inFirstWeek - 50 - 1);
    for (const table of ['trace_rollups_hourly', 'trace_rollups_daily', 'trace_latency_rollups_hourly', 'trace_guardrail_rollups_daily']) {
      expect(Number((await ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE bucket < '2030-03-11'`))[0].n)).toBe(0);
    }
    const rolled = new AnalyticsService(ds);
    const raw = new AnalyticsService(ds, { source: 'raw' });
    const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
    expect(plain(await rolled.costBreakdown({}, [Dimension.MODEL], TimeBucket.DAY))).toEqual(plain(await raw.costBreakdown({}, [Dimension.MODEL], TimeBucket.DAY)));
    expect(plain(await rolled.cacheStats({}, TimeBucket.DAY))).toEqual(plain(await raw.cacheStats({}, TimeBucket.DAY)));
  });

  it('a trace id written again with its created_at is stored once (the key is id and created_at)', async () => {
    const b = batch(20, 3, '2030-03-19T00:00:00Z', '2030-03-20T00:00:00Z');
    expect(await writeTraceBatch(ds, b)).toBe(20);
    expect(await writeTraceBatch(ds, b)).toBe(0);
    const ids = b.map((x) => x.record.id);
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM traces WHERE id = ANY($1::uuid[])`, [ids]))[0].n)).toBe(20);
  });

  it('two writers needing the same new week at once both succeed, and the week is created once', async () => {
    // On PostgreSQL the two transactions hold two connections: the second waits on the advisory lock
    // while the first creates the week, then must take it as there (it failed with "already exists").
    // On PGlite's one connection they run in turn.
    const week = ['2041-03-06T00:00:00Z'];
    let first!: () => void;
    const firstHasCreated = new Promise<void>((r) => (first = r));
    const a = ds.transaction(async (m) => {
      const [r] = await m.query('SELECT trace_partitions_ensure($1::timestamptz[]) AS n', [week]);
      first();
      await new Promise((res) => setTimeout(res, 300));
      return Number(r.n);
    });
    await firstHasCreated;
    const b = ds.transaction(async (m) => Number((await m.query('SELECT trace_partitions_ensure($1::timestamptz[]) AS n', [week]))[0].n));
    expect((await Promise.all([a, b])).sort()).toEqual([0, 1]);
    expect((await partitions()).filter((p) => p === 'traces_w20410304')).toHaveLength(1);
    expect(await writeTraceBatch(ds, batch(10, 7, '2041-03-05T00:00:00Z', '2041-03-07T00:00:00Z'))).toBe(10);
  });
});
