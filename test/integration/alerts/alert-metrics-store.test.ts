import { ClickHouseTraceMetricReader, measure, PostgresTraceMetricReader, TickMemo, type TraceMetricReader } from '../../../src/alerts';
import type { MetricCondition, ScheduledMetric } from '../../../src/alerts/alert-rule.schemas';
import { ClickHouseTraceService } from '../../../src/traces';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { plainRows } from '../../helpers/analytics-store';
import { startTestApp, type TestApp } from '../../helpers/test-app';

type TraceMetric = Exclude<ScheduledMetric, 'drift' | 'eval_score'>;

/**
 * The alert scheduler's trace metrics (cost, p95_latency, error_rate, guardrail_trigger_rate) read
 * from the app's trace store equal the PostgreSQL reads on the same seeded traces (written by the
 * real writer to both stores). With CLICKHOUSE_URL (TEST_CLICKHOUSE=1) the store is ClickHouse: the
 * last test empties PostgreSQL's copy and checks that the scheduler's rules still see the traffic.
 */
describe('alert trace metrics: the trace store answers as PostgreSQL does', () => {
  let t: TestApp;
  let store: TraceMetricReader;
  let pg: PostgresTraceMetricReader;
  let noneOnly = 0;
  const start = new Date('2026-03-01T00:00:00Z');
  const end = new Date('2026-03-04T00:00:00Z');

  beforeAll(async () => {
    t = await startTestApp();
    const writer = t.app.services.traces.writer;
    for (const r of syntheticTraces(3000, { seed: 15, start, end, users: 200 })) {
      // A guardrail event whose every finding (or, without findings, the event) has action NONE
      // triggers nothing in ClickHouse's guardrail columns, yet counts for guardrail_trigger_rate.
      if (r.guardrailEvents?.length && r.guardrailEvents.every((e) => (e.findings.length ? e.findings.every((f) => f.action === 'NONE') : e.action === 'NONE'))) noneOnly++;
      writer.enqueue(r);
    }
    await writer.flush();
    const traces = t.app.services.traces;
    store = traces instanceof ClickHouseTraceService ? new ClickHouseTraceMetricReader(traces.store) : new PostgresTraceMetricReader(t.app.dataSource);
    pg = new PostgresTraceMetricReader(t.app.dataSource);
  }, 120_000);
  afterAll(() => t.close());

  const plain = <T>(x: T) => plainRows([x], t.traceStore === 'clickhouse')[0]!;
  const METRICS: TraceMetric[] = ['cost', 'p95_latency', 'error_rate', 'guardrail_trigger_rate'];
  const CONDITIONS: MetricCondition[] = [{ above: 0 }, { ratio: 2 }, { ratio: 2, baselineWindow: '90m' }, { zScore: 3 }, { zScore: 3, baselineWindow: '12h' }];
  const NOWS = [new Date('2026-03-02T12:00:00Z'), new Date('2026-03-03T07:41:13.517Z'), new Date('2026-03-01T00:20:00.001Z')];
  const WINDOWS = ['5m', '1h', '6h'];

  it('the seeded set has failures, guardrail events (some with action NONE only) and is read from the app store', async () => {
    const [row] = await t.app.dataSource.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'FAILED')::int AS f,
      count(*) FILTER (WHERE jsonb_array_length(guardrail_events) > 0)::int AS g FROM traces`);
    expect(row).toMatchObject({ n: 3000 });
    expect(row.f).toBeGreaterThan(50);
    expect(row.g).toBeGreaterThan(100);
    expect(noneOnly).toBeGreaterThan(5);
    expect(store.constructor.name).toBe(t.traceStore === 'clickhouse' ? 'ClickHouseTraceMetricReader' : 'PostgresTraceMetricReader');
  });

  it('every metric, condition (threshold, ratio, z-score), window, instant and prompt: the same measurement', async () => {
    let compared = 0;
    for (const metric of METRICS)
      for (const cond of CONDITIONS)
        for (const prompt of [undefined, 'support'])
          for (const window of WINDOWS)
            for (const now of NOWS) {
              const c = { ...cond, prompt };
              const want = await measure(t.app.dataSource, metric, c, window, now, 'rollups', new TickMemo(), pg);
              const got = await measure(t.app.dataSource, metric, c, window, now, 'rollups', new TickMemo(), store);
              expect({ metric, c, window, now, m: plain(got) }).toEqual({ metric, c, window, now, m: plain(want) });
              if (want.current.samples > 0) compared++;
            }
    expect(compared).toBeGreaterThan(200);
  }, 300_000);

  it('p95 from the sketch bins (past the exact-percentile limit): the same value', async () => {
    const parts = [
      { slice: -1, from: new Date('2026-03-01T05:17:23.456Z'), to: new Date('2026-03-02T18:41:07.001Z') },
      { slice: 0, from: new Date('2026-03-03T00:00:00Z'), to: new Date('2026-03-03T06:00:00Z') },
    ];
    for (const prompt of [null, 'support']) {
      const want = await pg.p95(parts, prompt, Number.MAX_SAFE_INTEGER);
      expect(want.get(-1)!.samples).toBeGreaterThan(100);
      expect(plain([...(await store.p95(parts, prompt, Number.MAX_SAFE_INTEGER))])).toEqual(plain([...want]));
    }
  });

  it("the scheduler's rules read the app's trace store: with PostgreSQL's copy emptied, only ClickHouse still sees the traffic", async () => {
    const now = new Date('2026-03-02T12:00:00Z');
    const cond = { above: 0, minSamples: 1 };
    const before = await measure(t.app.dataSource, 'cost', cond, '6h', now, 'rollups', new TickMemo(), pg);
    expect(before.current.value).toBeGreaterThan(0);
    const alerts = t.app.services.alerts;
    const rule = await alerts.createRule({ name: 'spend', metric: 'cost', condition: cond, window: '6h' }, 'test');
    await t.app.dataSource.query('DELETE FROM traces');
    const rollups: Array<{ name: string }> = await t.app.dataSource.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'trace%rollups%'`);
    expect(rollups.map((r) => r.name)).toContain('trace_rollups_hourly');
    for (const { name } of rollups) await t.app.dataSource.query(`DELETE FROM ${name}`);
    const report = await alerts.scheduler.tick(now);
    if (t.traceStore === 'clickhouse') {
      expect(report.fired.map((e) => e.ruleId)).toEqual([rule.id]);
      expect(report.fired[0]!.value).toBeCloseTo(before.current.value!, 6);
    } else {
      expect(report.fired).toEqual([]);
      expect(report.unknown).toBe(1);
    }
  });
});
