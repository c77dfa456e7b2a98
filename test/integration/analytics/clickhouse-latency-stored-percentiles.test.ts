import { ClickHouseAnalyticsService, Dimension, TimeBucket, type LatencyRow } from '../../../src/analytics';
import { ClickHouseTraceStore, validateTraceRecord, type TraceFilterData, type ValidTraceRecord } from '../../../src/traces';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { expectWithinSketch } from '../../helpers/latency-expect';
import { openTestClickHouseStore, type TestClickHouseStore } from '../../helpers/clickhouse-test-store';

/**
 * On ClickHouse, latencyStats stores the five percentiles of each closed group it computes from the
 * sketch bins (`trace_latency_percentiles`, with the group's counts): a later query in a process with
 * no percentile cache answers those groups without reading any bin; once traces are added to a group
 * its stored percentiles no longer match its counts and are not used. Runs on the suite's ClickHouse
 * (CLICKHOUSE_URL) or a throwaway one of its own.
 */
describe('ClickHouse latencyStats stored percentiles', () => {
  let opened: TestClickHouseStore | null = null;
  let store: ClickHouseTraceStore;
  const start = new Date('2026-06-01T00:00:00Z');
  const end = new Date('2026-06-03T00:00:00Z');
  const D = Dimension;
  const records: ValidTraceRecord[] = [];
  // HOUR over whole hours (per-dimension rows), a pair by DAY, a partial first hour read raw.
  const cases: Array<[TraceFilterData, Dimension[], TimeBucket]> = [
    [{ from: start, to: end }, [D.MODEL], TimeBucket.HOUR],
    [{ from: start, to: end }, [D.PROMPT, D.MODEL], TimeBucket.DAY],
    [{ from: new Date(start.getTime() + 37 * 60_000 + 11), to: end }, [D.LABEL], TimeBucket.HOUR],
  ];

  async function write(count: number, seed: number, latencyScale = 1) {
    const batch = [...syntheticTraces(count, { seed, start, end })].map((r) => {
      const v = validateTraceRecord({ ...r, latencyMs: r.latencyMs == null ? r.latencyMs : r.latencyMs * latencyScale });
      if (!v.ok) throw new Error(v.error);
      return v.value;
    });
    records.push(...batch);
    await store.writeBatch(batch.map((record) => ({ record, at: new Date() })));
  }

  beforeAll(async () => {
    opened = await openTestClickHouseStore('stored');
    store = opened.store;
  }, 120_000);
  afterAll(() => opened?.close());

  /** The latencies of each group of a case (bucket start in ms, then the keys as text), sorted, from the records written. */
  function truth([filter, dims, bucket]: [TraceFilterData, Dimension[], TimeBucket]): Map<string, number[]> {
    const field: Partial<Record<Dimension, keyof ValidTraceRecord>> = { [D.PROMPT]: 'prompt', [D.MODEL]: 'modelId', [D.LABEL]: 'label' };
    const size = bucket === TimeBucket.DAY ? 86_400_000 : 3_600_000;
    const out = new Map<string, number[]>();
    for (const r of records) {
      const at = r.createdAt!.getTime();
      if (r.source !== 'PRODUCTION' || at < filter.from!.getTime() || at >= filter.to!.getTime()) continue;
      const key = JSON.stringify([Math.floor(at / size) * size, ...dims.map((d) => (r[field[d]!] == null ? null : String(r[field[d]!])))]);
      const list = out.get(key) ?? [];
      if (r.latencyMs != null) list.push(r.latencyMs);
      out.set(key, list);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }

  /** Rows as plain JSON; the average to 12 digits (ClickHouse adds the latency sums in no fixed order), percentiles exact. */
  const plain = (rows: LatencyRow[]) => JSON.parse(JSON.stringify(rows.map((r) => ({ ...r, avgMs: r.avgMs === null ? null : Number(r.avgMs.toPrecision(12)) })))) as unknown;
  /** A new service (as a process just started): no percentile cache. */
  const service = (o: { storedPercentiles?: boolean } = {}) => new ClickHouseAnalyticsService(null as never, store, { exactPercentileMaxRows: 0, sketchCacheRows: 0, ...o });
  /** Whether a query reads sketch bins: the per-dimension bins, a Nested map of bins, or the raw traces' keys. */
  const readsBins = (sql: string) => /trace_latency_bins_hourly|latencyMap|latency_key|ttft_key/.test(sql);

  /** The SQL a call sends to ClickHouse. */
  async function sqlOf<T>(run: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
    const spy = jest.spyOn(store, 'query');
    try {
      const result = await run();
      return { result, sql: spy.mock.calls.map(([sql]) => sql) };
    } finally {
      spy.mockRestore();
    }
  }

  it('answers closed groups from stored percentiles in a process that never computed them, equal to computing them', async () => {
    await write(1500, 51);
    for (const c of cases) {
      const { result: first, sql: firstSql } = await sqlOf(() => service().latencyStats(...c));
      expect(firstSql.some(readsBins)).toBe(true);
      expectWithinSketch(first, c[1], truth(c));
      expect(plain(await service({ storedPercentiles: false }).latencyStats(...c))).toEqual(plain(first));
      const { result: again, sql } = await sqlOf(() => service().latencyStats(...c));
      expect(plain(again)).toEqual(plain(first));
      expect(sql.filter(readsBins)).toEqual([]);
    }
    const [stored] = await store.query<{ n: string }>(`SELECT count() AS n FROM trace_latency_percentiles FINAL`);
    expect(Number(stored!.n)).toBeGreaterThan(48);
  }, 300_000);

  it('does not use percentiles stored before traces were added to their groups, and stores them again', async () => {
    const before = await Promise.all(cases.map((c) => service().latencyStats(...c)));
    await write(1500, 52, 3);
    for (const [i, c] of cases.entries()) {
      const { result: after, sql } = await sqlOf(() => service().latencyStats(...c));
      expect(sql.some(readsBins)).toBe(true);
      expectWithinSketch(after, c[1], truth(c));
      expect(after.some((r, j) => before[i]![j] && r.p95Ms !== before[i]![j]!.p95Ms)).toBe(true);
      expect(plain(await service({ storedPercentiles: false }).latencyStats(...c))).toEqual(plain(after));
      // Stored again at the new counts: the next new service reads no bin.
      const { result: next, sql: nextSql } = await sqlOf(() => service().latencyStats(...c));
      expect(plain(next)).toEqual(plain(after));
      expect(nextSql.filter(readsBins)).toEqual([]);
    }
  }, 300_000);
});
