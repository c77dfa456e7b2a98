import { AnalyticsService, Dimension, TimeBucket, latencyRollupDims } from '../../../src/analytics';
import { ClickHouseTraceService, type TraceFilterData } from '../../../src/traces';
import { expectWithinSketch, pairRollupCases } from '../../helpers/latency-expect';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';

/**
 * On PostgreSQL/PGlite, a latency query naming two rolled-up dimensions (grouped, filtered, or one of
 * each) is answered from the per-pair rows of `trace_latency_rollups_*` alone: with the sketches of
 * the wide rollups (`trace_rollups_*`) emptied, its percentiles are still within the sketch's bound
 * of the true latencies and its counts equal the plain GROUP BY.
 */
describe('latencyStats on two dimensions reads the pair rollups', () => {
  let t: TestApp;
  const start = new Date('2026-06-01T00:00:00Z');
  const end = new Date('2026-06-03T00:00:00Z');
  const D = Dimension;

  beforeAll(async () => {
    t = await startTestApp();
    const writer = t.app.services.traces.writer;
    for (const r of syntheticTraces(1500, { seed: 77, start, end })) writer.enqueue(r);
    await writer.flush();
  }, 300_000);
  afterAll(() => t.close());

  it('picks the pair (in the stored order), the single dimension, or nothing', () => {
    expect(latencyRollupDims({}, [D.MODEL, D.PROMPT])).toEqual({ dim: 'prompt', dim2: 'model_id' });
    expect(latencyRollupDims({ modelId: 'm' }, [D.PROMPT])).toEqual({ dim: 'prompt', dim2: 'model_id', value2: 'm' });
    expect(latencyRollupDims({ prompt: 'p', apiKey: 'k' }, [])).toEqual({ dim: 'prompt', dim2: 'api_key', value: 'p', value2: 'k' });
    expect(latencyRollupDims({ prompt: 'p' }, [D.PROMPT])).toEqual({ dim: 'prompt', dim2: '', value: 'p' });
    expect(latencyRollupDims({}, [])).toEqual({ dim: '', dim2: '' });
    expect(latencyRollupDims({ label: 'x' }, [D.PROMPT, D.MODEL])).toBeNull();
    expect(latencyRollupDims({ status: 'FAILED' as never }, [D.MODEL])).toBeNull();
    expect(latencyRollupDims({}, [D.USER])).toBeNull();
  });

  /** The latencies of each group, sorted, from the raw traces. */
  async function truth(filter: TraceFilterData, dims: Dimension[], bucket: TimeBucket): Promise<Map<string, number[]>> {
    const col: Partial<Record<Dimension, string>> = { [D.PROMPT]: 'prompt', [D.MODEL]: 'model_id', [D.LABEL]: 'label', [D.PROMPT_VERSION]: 'prompt_version', [D.API_KEY]: 'api_key' };
    const keys = dims.map((d) => `${col[d]}::text`).join(', ');
    const cond = [`created_at >= $1`, `created_at < $2`, `source = 'PRODUCTION'`];
    const params: unknown[] = [filter.from, filter.to];
    if (filter.modelId) cond.push(`model_id = $${params.push(filter.modelId)}`);
    if (filter.prompt) cond.push(`prompt = $${params.push(filter.prompt)}`);
    const rows: Array<{ k: string; lat: unknown[] }> = await t.app.dataSource.query(
      `SELECT json_build_array((extract(epoch FROM date_trunc('${bucket === TimeBucket.DAY ? 'day' : 'hour'}', created_at, 'UTC')) * 1000)::bigint${keys ? `, ${keys}` : ''})::text AS k,
         COALESCE(array_agg(latency_ms ORDER BY latency_ms) FILTER (WHERE latency_ms IS NOT NULL), '{}') AS lat
       FROM traces WHERE ${cond.join(' AND ')} GROUP BY 1`,
      params,
    );
    return new Map(rows.map((r) => [JSON.stringify(JSON.parse(r.k)), r.lat.map(Number)]));
  }

  it('answers two dimensions with the wide rollups’ sketches emptied, cold and from the cache', async () => {
    if (t.app.services.traces instanceof ClickHouseTraceService) return;
    const ds = t.app.dataSource;
    for (const level of ['hourly', 'daily']) await ds.query(`UPDATE trace_rollups_${level} SET latency_bins = '{}', ttft_bins = '{}'`);
    const a = new AnalyticsService(ds, { exactPercentileMaxRows: 0 });
    const raw = new AnalyticsService(ds, { source: 'raw' });
    const cases = pairRollupCases(start, end);
    for (const [filter, dims, bucket] of cases) {
      const want = await raw.latencyStats(filter, dims, bucket);
      for (let round = 0; round < 2; round++) {
        const got = await a.latencyStats(filter, dims, bucket);
        expect(got.map((r) => [r.keys, r.bucket, r.requests, r.avgMs === null ? null : Math.round(r.avgMs * 1e6)])).toEqual(
          want.map((r) => [r.keys, r.bucket, r.requests, r.avgMs === null ? null : Math.round(r.avgMs * 1e6)]),
        );
        expectWithinSketch(got, dims, await truth(filter, dims, bucket));
      }
    }
  }, 300_000);
});
