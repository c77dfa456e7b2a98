import { ClickHouseAnalyticsService, Dimension, TimeBucket } from '../../../src/analytics';
import { ClickHouseTraceStore, validateTraceRecord, type TraceFilterData, type ValidTraceRecord } from '../../../src/traces';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { expectWithinSketch, pairRollupCases } from '../../helpers/latency-expect';
import { openTestClickHouseStore, type TestClickHouseStore } from '../../helpers/clickhouse-test-store';

/**
 * On ClickHouse, a latency query naming two rolled-up dimensions (grouped, filtered, or one of each)
 * is answered from the per-pair table (`trace_latency_pair_rollups_hourly`: counts and the sketch
 * bins as Nested maps) and the raw partial hours at the edges: with the wide rollups
 * (`trace_rollups_hourly`) and the per-dimension bins emptied, its counts still equal the plain
 * GROUP BY and its percentiles are within the sketch's bound of the true latencies. Runs on the
 * suite's ClickHouse (CLICKHOUSE_URL) or a throwaway one of its own.
 */
describe('ClickHouse latencyStats on two dimensions reads the pair rollups', () => {
  let opened: TestClickHouseStore | null = null;
  let store: ClickHouseTraceStore;
  const start = new Date('2026-06-01T00:00:00Z');
  const end = new Date('2026-06-03T00:00:00Z');
  const D = Dimension;
  let records: ValidTraceRecord[];

  beforeAll(async () => {
    opened = await openTestClickHouseStore('pairs');
    store = opened.store;
    records = [...syntheticTraces(1500, { seed: 77, start, end })].map((r) => {
      const v = validateTraceRecord(r);
      if (!v.ok) throw new Error(v.error);
      return v.value;
    });
    await store.writeBatch(records.map((record) => ({ record, at: new Date() })));
  }, 120_000);
  afterAll(() => opened?.close());

  it('the pair table holds every trace and latency once per pair of dimensions', async () => {
    const pairs = await store.query<{ dim: string; dim2: string; n: string }>(`SELECT dim, dim2, sum(requests) AS n FROM trace_latency_pair_rollups_hourly GROUP BY dim, dim2 ORDER BY dim, dim2`);
    expect(pairs).toHaveLength(15);
    for (const p of pairs) expect(Number(p.n)).toBe(records.length);
    const [bins] = await store.query<{ n: string }>(`SELECT sum(arraySum(\`latencyMap.count\`)) AS n FROM trace_latency_pair_rollups_hourly WHERE dim = 'prompt' AND dim2 = 'model_id'`);
    expect(Number(bins!.n)).toBe(records.filter((r) => r.latencyMs != null).length);
  });

  /** The latencies of each group (bucket start in ms, then the keys as text), sorted, from the records written. */
  function truth(filter: TraceFilterData, dims: Dimension[], bucket: TimeBucket): Map<string, number[]> {
    const field: Partial<Record<Dimension, keyof ValidTraceRecord>> = { [D.PROMPT]: 'prompt', [D.MODEL]: 'modelId', [D.LABEL]: 'label', [D.PROMPT_VERSION]: 'promptVersion', [D.API_KEY]: 'apiKey' };
    const size = bucket === TimeBucket.DAY ? 86_400_000 : 3_600_000;
    const out = new Map<string, number[]>();
    for (const r of records) {
      const at = r.createdAt!.getTime();
      if (r.source !== 'PRODUCTION' || at < filter.from!.getTime() || at >= filter.to!.getTime()) continue;
      if ((filter.modelId != null && r.modelId !== filter.modelId) || (filter.prompt != null && r.prompt !== filter.prompt)) continue;
      const key = JSON.stringify([Math.floor(at / size) * size, ...dims.map((d) => (r[field[d]!] == null ? null : String(r[field[d]!])))]);
      const list = out.get(key) ?? [];
      if (r.latencyMs != null) list.push(r.latencyMs);
      out.set(key, list);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }

  it('answers two dimensions with the wide rollups and the per-dimension bins emptied, cold and from the cache', async () => {
    const raw = new ClickHouseAnalyticsService(null as never, store, { source: 'raw' });
    const cases = pairRollupCases(start, end);
    const want = await Promise.all(cases.map(([filter, dims, bucket]) => raw.latencyStats(filter, dims, bucket)));
    // Only the per-pair tables (and the all-traffic rows that count the range) are left to answer from.
    for (const table of ['trace_rollups_hourly', 'trace_latency_bins_hourly']) await store.command(`TRUNCATE TABLE ${table}`);
    const a = new ClickHouseAnalyticsService(null as never, store, { exactPercentileMaxRows: 0 });
    for (const [i, [filter, dims, bucket]] of cases.entries()) {
      for (let round = 0; round < 2; round++) {
        const got = await a.latencyStats(filter, dims, bucket);
        expect(got.map((r) => [r.keys, r.bucket, r.requests, r.avgMs === null ? null : Math.round(r.avgMs * 1e6)])).toEqual(
          want[i]!.map((r) => [r.keys, r.bucket, r.requests, r.avgMs === null ? null : Math.round(r.avgMs * 1e6)]),
        );
        expectWithinSketch(got, dims, truth(filter, dims, bucket));
      }
    }
  }, 300_000);
});
