import { EntityManager, type DataSource } from 'typeorm';
import { maintainTracePartitions, validateTraceRecord, writeTraceBatch, type WrittenRecord } from '../../../src/traces';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';

/**
 * The writer leaves `trace_partitions_ensure` out of a batch whose weeks it already saw committed,
 * only for weeks that have not ended (the retention never drops those), and ensures again after a
 * maintenance pass of this process dropped partitions.
 */
describe('trace partitions known to the writer', () => {
  let t: TestApp;
  let ds: DataSource;
  let seed = 1;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());

  const batch = (n: number, start: string, end: string): WrittenRecord[] =>
    [...syntheticTraces(n, { seed: seed++, start: new Date(start), end: new Date(end) })].map((r) => {
      const v = validateTraceRecord(r);
      if (!v.ok) throw new Error(v.error);
      return { record: v.value, at: new Date() };
    });
  const count = async (sql: string): Promise<number> => Number((await ds.query(sql))[0].n);

  /** How many `trace_partitions_ensure` statements `fn` sends. */
  async function ensures(fn: () => Promise<unknown>): Promise<number> {
    const spy = jest.spyOn(EntityManager.prototype, 'query');
    try {
      await fn();
      return spy.mock.calls.filter(([sql]) => String(sql).includes('trace_partitions_ensure')).length;
    } finally {
      spy.mockRestore();
    }
  }

  it('ensures a week that has not ended once, then writes its batches without the statement', async () => {
    // Weeks ahead of now have not ended: 2032-05-03 is a Monday.
    const n = await ensures(async () => {
      for (let i = 0; i < 4; i++) expect(await writeTraceBatch(ds, batch(2, '2032-05-04T00:00:00Z', '2032-05-06T00:00:00Z'))).toBe(2);
    });
    expect(n).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM traces_w20320503`)).toBe(8);
    expect(await count(`SELECT count(*)::int AS n FROM traces_default`)).toBe(0);
    // A batch reaching into a week not seen yet ensures again (both weeks).
    expect(await ensures(() => writeTraceBatch(ds, batch(20, '2032-05-08T00:00:00Z', '2032-05-12T00:00:00Z')))).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM traces_w20320510`)).toBeGreaterThan(0);
    expect(await ensures(() => writeTraceBatch(ds, batch(20, '2032-05-04T00:00:00Z', '2032-05-16T00:00:00Z')))).toBe(0);
  });

  it('always ensures a week that has ended (another process may have dropped it)', async () => {
    const n = await ensures(async () => {
      for (let i = 0; i < 3; i++) expect(await writeTraceBatch(ds, batch(2, '2021-03-02T00:00:00Z', '2021-03-04T00:00:00Z'))).toBe(2);
    });
    expect(n).toBe(3);
  });

  it('after a maintenance pass dropped partitions, the next batch ensures its week again and lands in it', async () => {
    expect(await ensures(() => writeTraceBatch(ds, batch(2, '2033-01-04T00:00:00Z', '2033-01-05T00:00:00Z')))).toBe(1);
    expect(await ensures(() => writeTraceBatch(ds, batch(2, '2033-01-04T00:00:00Z', '2033-01-05T00:00:00Z')))).toBe(0);
    // A pass whose `now` is far ahead drops that week (and every earlier one).
    const r = await maintainTracePartitions(ds, { retentionDays: 1, weeksAhead: 0 }, new Date('2033-02-01T00:00:00Z'));
    expect(r.dropped).toContain('traces_w20330103');
    expect(await ensures(() => writeTraceBatch(ds, batch(3, '2033-01-04T00:00:00Z', '2033-01-05T00:00:00Z')))).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM traces_w20330103`)).toBe(3);
    expect(await count(`SELECT count(*)::int AS n FROM traces_default`)).toBe(0);
  });
});
