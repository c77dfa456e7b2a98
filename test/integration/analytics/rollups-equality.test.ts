import { AnalyticsService, Dimension, TimeBucket } from '../../../src/analytics';
import { SKETCH_RELATIVE_ACCURACY, SqlParams, traceFilterConditions, type TraceFilterData } from '../../../src/traces';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { analyticsFor, plainRows } from '../../helpers/analytics-store';

/**
 * For a fixed seeded set written through the real trace writer, every analytics query answered from
 * the rollups (plus raw edges) equals the plain GROUP BY over the raw traces, for every bucket,
 * dimension, filter and time range (aligned, unaligned, open, inside one hour). Percentiles come from
 * DDSketch bins and are checked against the sketch's bound instead.
 *
 * With CLICKHOUSE_URL set (`.ci/run`, or TEST_CLICKHOUSE=1 for a throwaway server) the answers checked
 * are ClickHouse's (its rollups and raw edges), against the plain GROUP BY over the same traces in
 * PostgreSQL/PGlite (the writer writes each batch to both).
 */
describe('analytics from rollups equal a plain GROUP BY over the raw traces', () => {
  let t: TestApp;
  let rolled: AnalyticsService;
  let raw: AnalyticsService;
  const start = new Date('2026-03-01T00:00:00Z');
  const end = new Date('2026-03-04T00:00:00Z');

  beforeAll(async () => {
    t = await startTestApp();
    const writer = t.app.services.traces.writer;
    for (const r of syntheticTraces(3000, { seed: 15, start, end, users: 200 })) writer.enqueue(r);
    await writer.flush();
    rolled = analyticsFor(t, { exactPercentileMaxRows: 0 });
    raw = new AnalyticsService(t.app.dataSource, { source: 'raw' });
  }, 120_000);
  afterAll(() => t.close());

  const d = (s: string) => new Date(s);
  const RANGES: Array<[string, TraceFilterData]> = [
    ['everything', {}],
    ['whole hours', { from: d('2026-03-01T05:00:00Z'), to: d('2026-03-02T18:00:00Z') }],
    ['partial hours at both ends', { from: d('2026-03-01T05:17:23.456Z'), to: d('2026-03-02T18:41:07.001Z') }],
    ['days, hours and partial hours', { from: d('2026-03-01T05:17:23.456Z'), to: d('2026-03-03T18:41:07.001Z') }],
    ['inside one hour', { from: d('2026-03-02T10:05:00Z'), to: d('2026-03-02T10:50:00Z') }],
    ['open end', { from: d('2026-03-02T22:30:00.5Z') }],
    ['open start', { to: d('2026-03-01T03:59:59.999Z') }],
  ];
  const FILTERS: TraceFilterData[] = [
    {},
    { prompt: 'support' },
    { modelId: 'amazon.nova-micro-v1:0' },
    { apiKey: 'helpdesk-app' },
    { label: 'staging' },
    { status: 'FAILED' as never },
    { cached: true },
    { user: 'u-0' },
    { tags: ['eu', 'vip'] },
    { source: 'EVAL' as never },
    { evalRun: '00000000-0000-4000-8000-000002051400' },
  ];
  const D = Dimension;
  const GROUPINGS: Dimension[][] = [...Object.values(Dimension).map((x) => [x]), [D.PROMPT, D.MODEL], [D.LABEL, D.PROMPT_VERSION], [D.ROUTE_RULE, D.API_KEY]].filter(
    (g) => !g.includes(D.USER) && !g.includes(D.TAG),
  ); // USER and TAG read raw on both sides: their own test below
  const BUCKETS: Array<TimeBucket | undefined> = [undefined, TimeBucket.HOUR, TimeBucket.DAY, TimeBucket.WEEK, TimeBucket.MONTH];
  const plain = <T>(rows: T[]) => plainRows(rows, t.traceStore === 'clickhouse');

  it('the seeded set is what the tests think it is', async () => {
    const [row] = await t.app.dataSource.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE jsonb_array_length(guardrail_events) > 0)::int AS g,
      count(*) FILTER (WHERE cached)::int AS c, count(*) FILTER (WHERE source = 'EVAL')::int AS e,
      count(*) FILTER (WHERE eval_run_id = '00000000-0000-4000-8000-000002051400')::int AS r FROM traces`);
    expect(row.e).toBeGreaterThan(30);
    expect(row.r).toBeGreaterThan(0);
    expect(row.n).toBe(3000);
    expect(row.g).toBeGreaterThan(100);
    expect(row.c).toBeGreaterThan(100);
    expect(rolled.constructor.name).toBe(t.traceStore === 'clickhouse' ? 'ClickHouseAnalyticsService' : 'AnalyticsService');
  });

  it('costBreakdown: every dimension and pair, bucket and time range; and every filter', async () => {
    let compared = 0;
    for (const [, range] of RANGES) {
      for (const groupBy of GROUPINGS) {
        for (const bucket of BUCKETS) {
          const want = plain(await raw.costBreakdown(range, groupBy, bucket));
          expect({ range, groupBy, bucket, rows: plain(await rolled.costBreakdown(range, groupBy, bucket)) }).toEqual({ range, groupBy, bucket, rows: want });
          compared += want.length;
        }
      }
    }
    for (const [, range] of RANGES.slice(0, 4)) {
      for (const f of FILTERS) {
        for (const groupBy of [[D.PROMPT], [D.MODEL, D.LABEL]]) {
          const filter = { ...range, ...f };
          const want = plain(await raw.costBreakdown(filter, groupBy, TimeBucket.DAY));
          expect({ filter, groupBy, rows: plain(await rolled.costBreakdown(filter, groupBy, TimeBucket.DAY)) }).toEqual({ filter, groupBy, rows: want });
        }
      }
    }
    expect(compared).toBeGreaterThan(3000);
  }, 300_000);

  it('cacheStats and guardrailStats: every bucket, time range and filter', async () => {
    for (const [, range] of RANGES) {
      for (const f of FILTERS) {
        for (const bucket of BUCKETS) {
          const filter = { ...range, ...f };
          expect({ filter, bucket, rows: plain(await rolled.cacheStats(filter, bucket)) }).toEqual({ filter, bucket, rows: plain(await raw.cacheStats(filter, bucket)) });
          expect({ filter, bucket, rows: plain(await rolled.guardrailStats(filter, bucket)) }).toEqual({
            filter,
            bucket,
            rows: plain(await raw.guardrailStats(filter, bucket)),
          });
        }
      }
    }
    expect((await raw.guardrailStats({}, null)).length).toBeGreaterThan(4);
  }, 300_000);

  /** The latencies of each group, sorted: the plain GROUP BY the sketch is checked against. */
  async function samples(filter: TraceFilterData, dims: Dimension[], bucket: TimeBucket | undefined) {
    const col: Partial<Record<Dimension, string>> = { PROMPT: 'prompt', PROMPT_VERSION: 'prompt_version', LABEL: 'label', MODEL: 'model_id', ROUTE_RULE: 'route_rule', API_KEY: 'api_key' };
    const p = new SqlParams();
    const cond = traceFilterConditions(filter, 't', p.add);
    const keys = dims.map((x) => `t.${col[x]}`);
    const b = bucket ? `(extract(epoch FROM date_trunc('${bucket.toLowerCase()}', t.created_at, 'UTC')) * 1000)::bigint` : 'NULL::bigint';
    const rows: Array<Record<string, unknown>> = await t.app.dataSource.query(
      `SELECT json_build_array(${[b, ...keys].join(', ')})::text AS key,
         COALESCE(array_agg(t.latency_ms ORDER BY t.latency_ms) FILTER (WHERE t.latency_ms IS NOT NULL), '{}') AS lat,
         COALESCE(array_agg(t.ttft_ms ORDER BY t.ttft_ms) FILTER (WHERE t.ttft_ms IS NOT NULL), '{}') AS ttft
       FROM traces t ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''} GROUP BY ${[b, ...keys].join(', ')}`,
      p.values,
    );
    return new Map(rows.map((r) => [JSON.stringify(JSON.parse(String(r.key))), { lat: (r.lat as unknown[]).map(Number), ttft: (r.ttft as unknown[]).map(Number) }]));
  }

  /** DDSketch's bound: within the relative accuracy of the latency ranked floor(q * (n - 1)). */
  function withinSketchBound(got: number | null, sorted: number[], q: number): boolean {
    if (!sorted.length) return got === null;
    const x = sorted[Math.floor(q * (sorted.length - 1))]!;
    return got !== null && Math.abs(got - x) <= SKETCH_RELATIVE_ACCURACY * x + 1e-9;
  }

  it('latencyStats: counts and averages equal, percentiles within 1% of the true latency of their rank', async () => {
    let checked = 0;
    const rolledDims = GROUPINGS;
    for (const [, range] of RANGES) {
      for (const f of FILTERS.slice(0, 7)) {
        for (const groupBy of f === FILTERS[0] ? [[], ...rolledDims] : [[], [D.MODEL]]) {
          for (const bucket of f === FILTERS[0] ? BUCKETS : [undefined, TimeBucket.HOUR]) {
            const filter = { ...range, ...f };
            const want = await raw.latencyStats(filter, groupBy, bucket);
            const got = await rolled.latencyStats(filter, groupBy, bucket);
            const truth = await samples(filter, groupBy, bucket);
            expect(got.map((r) => [r.keys, r.bucket, r.requests])).toEqual(want.map((r) => [r.keys, r.bucket, r.requests]));
            got.forEach((r, i) => {
              const w = want[i]!;
              if (w.avgMs === null) expect(r.avgMs).toBeNull();
              else expect(Math.abs(r.avgMs! - w.avgMs) / w.avgMs).toBeLessThan(1e-9);
              const s = truth.get(JSON.stringify([r.bucket?.getTime() ?? null, ...groupBy.map((x) => r.keys[x] ?? null)]));
              const lat = s?.lat ?? [];
              const ttft = s?.ttft ?? [];
              const ok = [
                withinSketchBound(r.p50Ms, lat, 0.5),
                withinSketchBound(r.p95Ms, lat, 0.95),
                withinSketchBound(r.p99Ms, lat, 0.99),
                withinSketchBound(r.ttftP50Ms, ttft, 0.5),
                withinSketchBound(r.ttftP95Ms, ttft, 0.95),
              ];
              // A range inside one hour holds no whole hour: it is read raw, and then exactly.
              const exact = JSON.stringify(plain([r])) === JSON.stringify(plain([w]));
              if (ok.includes(false) && !exact) throw new Error(`outside the sketch bound: ${JSON.stringify({ filter, groupBy, bucket, row: r, want: w, n: lat.length })}`);
              checked++;
            });
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  }, 300_000);

  it('USER and TAG (not rolled up) are answered from the raw traces, exactly', async () => {
    for (const [groupBy, filter] of [
      [[D.USER], {}],
      [[D.TAG], { from: d('2026-03-01T05:17:23.456Z') }],
      [[D.MODEL], { tags: ['eu'] }],
      [[D.PROMPT, D.USER], {}],
      [[D.MODEL, D.TAG], { to: d('2026-03-02T07:30:00Z') }],
      [[D.PROMPT], { user: 'u-1' }],
    ] as Array<[Dimension[], TraceFilterData]>) {
      expect(plain(await rolled.latencyStats(filter, groupBy, TimeBucket.DAY))).toEqual(plain(await raw.latencyStats(filter, groupBy, TimeBucket.DAY)));
      expect(plain(await rolled.costBreakdown(filter, groupBy, TimeBucket.HOUR))).toEqual(plain(await raw.costBreakdown(filter, groupBy, TimeBucket.HOUR)));
    }
  });

  it('bounds a raw USER/TAG scan: refused beyond rawScanMaxRows unless filtered by user', async () => {
    const bounded = analyticsFor(t, { rawScanMaxRows: 1000 });
    await expect(bounded.costBreakdown({}, [D.USER])).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter' });
    await expect(bounded.cacheStats({ tags: ['eu'] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter' });
    const narrow = { from: d('2026-03-01T00:00:00Z'), to: d('2026-03-01T12:00:00Z') };
    expect(plain(await bounded.costBreakdown(narrow, [D.USER]))).toEqual(plain(await raw.costBreakdown(narrow, [D.USER])));
    expect(plain(await bounded.costBreakdown({ user: 'u-0' }, [D.TAG]))).toEqual(plain(await raw.costBreakdown({ user: 'u-0' }, [D.TAG])));
  });

  it('small ranges get exact percentiles (percentile_cont) by default', async () => {
    const exact = analyticsFor(t);
    const filter = { from: d('2026-03-01T00:00:00Z'), to: d('2026-03-01T06:00:00Z') };
    expect(plain(await exact.latencyStats(filter, [D.MODEL], TimeBucket.HOUR))).toEqual(plain(await raw.latencyStats(filter, [D.MODEL], TimeBucket.HOUR)));
  });
});
