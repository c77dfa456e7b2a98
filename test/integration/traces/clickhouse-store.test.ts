import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseTraceService, ClickHouseTraceStore, validateTraceRecord, type TraceRecord } from '../../../src/traces';
import { ClickHouseAnalyticsService, Dimension } from '../../../src/analytics';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { startThrowawayClickHouse, clickHouseServerBinary, type ThrowawayClickHouse } from '../../helpers/throwaway-clickhouse';
import { startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * The ClickHouse trace store on a server of this test's own (it stops and restarts it). Needs
 * `clickhouse-server` (Debian package 18.16 or a current one); `.ci/run` installs it.
 */
describe('ClickHouse trace store', () => {
  let ch: ThrowawayClickHouse;
  const start = new Date('2026-03-01T00:00:00Z');
  const end = new Date('2026-03-02T00:00:00Z');
  const records = (n: number, seed: number) =>
    [...syntheticTraces(n, { seed, start, end, users: 50 })].map((r) => {
      const v = validateTraceRecord(r);
      if (!v.ok) throw new Error(v.error);
      return { record: v.value, at: new Date() };
    });

  beforeAll(async () => {
    if (!clickHouseServerBinary()) throw new Error('clickhouse-server is not installed (apt-get install clickhouse-server; .ci/run does it)');
    ch = await startThrowawayClickHouse();
  }, 60_000);
  afterAll(() => ch?.destroy());

  it('a replayed batch (a lost reply, a spool replay) is stored and rolled up once', async () => {
    const store = new ClickHouseTraceStore({ url: `${ch.url}/replay_${randomUUID().replace(/-/g, '')}` });
    await store.init();
    try {
      const batch = records(500, 1);
      expect(await store.writeBatch(batch)).toBe(500);
      expect(await store.writeBatch(batch)).toBe(0);
      // Half old, half new, and one id twice in the same batch.
      const more = records(250, 2);
      expect(await store.writeBatch([...batch.slice(0, 250), ...more, more[0]!])).toBe(250);
      const [raw] = await store.query<{ n: string }>('SELECT count() AS n FROM traces');
      const [rolled] = await store.query<{ n: string }>('SELECT sum(requests) AS n FROM trace_rollups_hourly');
      expect([Number(raw!.n), Number(rolled!.n)]).toEqual([750, 750]);
      const analytics = new ClickHouseAnalyticsService(null as never, store, { exactPercentileMaxRows: 0 });
      const rows = await analytics.costBreakdown({ source: null }, [Dimension.MODEL]);
      expect(rows.reduce((a, r) => a + r.requests, 0)).toBe(750 - [...batch, ...more].filter((r) => r.record.source === 'EVAL').length);
      // The API's DateTime spans years 1 to 9999; ClickHouse's DateTime (1970-2106) would wrap such a bound around.
      const wide = { source: null, from: new Date('0001-01-01T00:00:00Z'), to: new Date('9999-12-31T00:00:00Z') };
      expect(await analytics.costBreakdown(wide, [Dimension.MODEL])).toEqual(rows);
    } finally {
      await store.dropDatabase();
      await store.close();
    }
  });

  it('filter values are literals: quotes, backslashes and SQL in a value match only that value', async () => {
    const store = new ClickHouseTraceStore({ url: `${ch.url}/literal_${randomUUID().replace(/-/g, '')}` });
    await store.init();
    try {
      const [a, b] = records(2, 4);
      const hostile = "it's a \\ test' OR 1=1 --\n";
      a!.record.prompt = hostile;
      a!.record.source = 'PRODUCTION';
      b!.record.prompt = 'plain';
      b!.record.source = 'PRODUCTION';
      await store.writeBatch([a!, b!]);
      const analytics = new ClickHouseAnalyticsService(null as never, store);
      const rows = await analytics.costBreakdown({ prompt: hostile }, [Dimension.PROMPT]);
      expect(rows.map((r) => [r.keys.PROMPT, r.requests])).toEqual([[hostile, 1]]);
      expect(await analytics.costBreakdown({ prompt: "x' OR '1'='1" }, [Dimension.PROMPT])).toEqual([]);
    } finally {
      await store.dropDatabase();
      await store.close();
    }
  });

  it('the TabSeparated INSERT keeps tabs, line breaks, backslashes and quotes in text, array and document columns', async () => {
    const store = new ClickHouseTraceStore({ url: `${ch.url}/tsv_${randomUUID().replace(/-/g, '')}` });
    await store.init();
    try {
      const [a] = records(1, 5);
      const odd = 'tab\there, line\nbreak, cr\r, back\\slash \\N, quote \' and " — ünï';
      a!.record.prompt = odd;
      a!.record.label = '\\';
      a!.record.tags = [odd, "'", '\\t'];
      a!.record.guardrailEvents = [{ direction: 'INPUT', action: 'BLOCKED', policy: odd, findings: [{ kind: 'TOPIC', name: odd, action: 'BLOCKED' }] }];
      a!.record.output = odd;
      await store.writeBatch([a!]);
      const [row] = await store.query<Record<string, unknown>>(`SELECT prompt, label, tags, gr_policy FROM traces`);
      expect(row).toEqual({ prompt: odd, label: '\\', tags: [odd, "'", '\\t'], gr_policy: [odd] });
      const back = await store.get(a!.record.id);
      expect([back?.prompt, back?.label, back?.tags, back?.output, back?.guardrailEvents]).toEqual([odd, '\\', [odd, "'", '\\t'], odd, a!.record.guardrailEvents]);
      const [g] = await store.query<{ policy: string; n: string }>('SELECT policy, sum(triggered) AS n FROM trace_guardrail_rollups_hourly GROUP BY policy');
      expect(g).toEqual({ policy: odd, n: '1' });
    } finally {
      await store.dropDatabase();
      await store.close();
    }
  });

  describe('through the app', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ CLICKHOUSE_URL: `${ch.url}/app_${randomUUID().replace(/-/g, '')}` });
    });
    afterAll(() => t.close());

    it('ClickHouse down: the writer keeps the traces and retries; after it is back every trace is there once', async () => {
      const traces = t.app.services.traces;
      expect(traces).toBeInstanceOf(ClickHouseTraceService);
      const store = (traces as ClickHouseTraceService).store;
      await ch.stop();
      const sent = [...syntheticTraces(40, { seed: 3, start, end, users: 10 })] as TraceRecord[];
      for (const r of sent) traces.writer.enqueue(r);
      // The batch is retried with backoff while ClickHouse refuses connections, never dropped.
      while ((await traces.writer.metrics.retries.get()).values[0]!.value < 2) await sleep(50);
      await ch.start();
      await traces.writer.flush();
      const [raw] = await store.query<{ n: string }>('SELECT count() AS n FROM traces FINAL');
      const [rolled] = await store.query<{ n: string }>('SELECT sum(requests) AS n FROM trace_rollups_hourly');
      const [pg] = await t.app.dataSource.query('SELECT count(*)::int AS n FROM traces');
      expect([Number(raw!.n), Number(rolled!.n), pg.n]).toEqual([40, 40, 40]);
      expect((await traces.writer.metrics.dropped.get()).values.reduce((a, v) => a + v.value, 0)).toBe(0);
      const one = sent[7]!;
      const r = await t.gql<{ trace: { id: string; prompt: string; costUsd: number } }>('query($id: ID!) { trace(id: $id) { id prompt costUsd } }', { id: one.id });
      expect(r.data?.trace).toMatchObject({ id: one.id, prompt: one.prompt });
    }, 120_000);
  });
});
