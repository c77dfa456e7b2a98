import { startTestApp, type TestApp } from '../helpers/test-app';
import { traceRecord } from '../fixtures/traces';
import type { TraceRecord } from '../../src/traces';
import { AnalyticsService, Dimension, TimeBucket } from '../../src/analytics';

const NOVA = 'amazon.nova-micro-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const at = (iso: string) => new Date(iso);
const noCost = { usage: null, costMicros: 0, costByStage: null } as const;

/**
 * Six traces over two days with known integer costs (micro-USD), latencies and guardrail events.
 * A–C on 2026-03-10 (hours 08, 08, 09), D–F on 2026-03-11 (hours 01, 02, 02).
 */
const A = traceRecord({
  createdAt: at('2026-03-10T08:10:00Z'),
  prompt: 'support',
  promptVersion: 1,
  modelId: NOVA,
  user: 'alice',
  apiKey: 'web',
  tags: ['eu', 'beta'],
  stages: { system: 111, context: 222, history: 333, input: 444, output: 555, cacheRead: 66, cacheWrite: 77 },
  usage: { inputTokens: 30, outputTokens: 12, cacheReadTokens: 5, cacheWriteTokens: 7, byStage: { system: 10, context: 5, history: 5, input: 10, output: 12 } },
  latencyMs: 100,
  ttftMs: 10,
});
const B = traceRecord({
  createdAt: at('2026-03-10T08:40:00Z'),
  prompt: 'support',
  promptVersion: 2,
  modelId: NOVA,
  routedBy: 'cheap',
  user: 'bob',
  apiKey: 'web',
  tags: ['eu'],
  stages: { system: 1000, input: 2000, output: 3001 },
  latencyMs: 200,
  ttftMs: 20,
});
const C = traceRecord({
  createdAt: at('2026-03-10T09:05:00Z'),
  prompt: 'support',
  promptVersion: 2,
  label: 'staging',
  modelId: HAIKU,
  routedBy: 'cheap',
  user: 'alice',
  apiKey: 'batch',
  stages: { system: 0, input: 1, output: 999_999 },
  latencyMs: 300,
  ttftMs: 30,
});
const D = traceRecord({
  createdAt: at('2026-03-11T01:00:00Z'),
  prompt: 'summarize',
  modelId: HAIKU,
  user: 'carol',
  apiKey: 'batch',
  tags: ['beta'],
  status: 'BLOCKED',
  errorCode: 'GUARDRAIL_BLOCKED',
  ...noCost,
  latencyMs: 5,
  ttftMs: null,
  guardrailEvents: [{ direction: 'INPUT', action: 'BLOCKED', policy: 'no-secrets', findings: [{ kind: 'PII', name: 'AWS_ACCESS_KEY', action: 'BLOCKED' }] }],
});
const E = traceRecord({
  createdAt: at('2026-03-11T02:00:00Z'),
  prompt: 'summarize',
  modelId: NOVA,
  user: 'dave',
  apiKey: 'web',
  cached: true,
  ...noCost,
  savedMicros: 5000,
  latencyMs: 2,
  ttftMs: 1,
  guardrailEvents: [
    {
      direction: 'INPUT',
      action: 'ANONYMIZED',
      policy: 'pii-mask',
      findings: [
        { kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', start: 0, end: 5 },
        { kind: 'PII', name: 'PHONE', action: 'ANONYMIZED', start: 9, end: 20 },
      ],
    },
    { direction: 'INPUT', action: 'NONE', policy: 'topics', findings: [{ kind: 'TOPIC', name: 'politics', action: 'NONE', score: 0.3 }] },
  ],
});
const F = traceRecord({
  createdAt: at('2026-03-11T02:30:00Z'),
  prompt: 'summarize',
  modelId: NOVA,
  user: 'alice',
  apiKey: 'web',
  cached: true,
  ...noCost,
  savedMicros: 7000,
  latencyMs: 4,
  ttftMs: 2,
  guardrailEvents: [
    { direction: 'OUTPUT', action: 'ANONYMIZED', policy: 'pii-mask', findings: [{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED' }] },
    { direction: 'OUTPUT', action: 'BLOCKED', policy: 'bedrock', findings: [] },
  ],
});
const fixtures: TraceRecord[] = [A, B, C, D, E, F];

const COST = `query($filter: TraceFilter, $groupBy: [Dimension!]!, $bucket: TimeBucket) {
  costBreakdown(filter: $filter, groupBy: $groupBy, bucket: $bucket) {
    keys bucket requests inputTokens outputTokens cacheReadTokens cacheWriteTokens costUsd
    costByStage { system context history input output cacheRead cacheWrite } } }`;
const LATENCY = `query($filter: TraceFilter, $groupBy: [Dimension!], $bucket: TimeBucket) {
  latencyStats(filter: $filter, groupBy: $groupBy, bucket: $bucket) { keys bucket requests avgMs p50Ms p95Ms p99Ms ttftP50Ms ttftP95Ms } }`;
const CACHE = `query($filter: TraceFilter, $bucket: TimeBucket) {
  cacheStats(filter: $filter, bucket: $bucket) { bucket requests hits hitRate savedUsd promptCacheReadTokens } }`;
const GUARDRAIL = `query($filter: TraceFilter, $bucket: TimeBucket) {
  guardrailStats(filter: $filter, bucket: $bucket) { bucket policy kind direction requests triggered blocked anonymized rate } }`;

describe('analytics over traces', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    for (const r of fixtures) t.app.services.traces.writer.enqueue(r);
    await t.app.services.traces.writer.flush();
  });
  afterAll(() => t.close());

  async function q(query: string, vars: Record<string, unknown>): Promise<any[]> {
    const r = await t.gql(query, vars);
    expect(r.errors).toBeUndefined();
    return Object.values(r.data!)[0] as any[];
  }
  const costs = async (vars: Record<string, unknown>) => (await q(COST, vars)).map((r) => ({ keys: r.keys, bucket: r.bucket, requests: r.requests, costUsd: r.costUsd }));

  it('sums tokens and cost exactly per model, with cost by stage adding up', async () => {
    const rows = await q(COST, { groupBy: ['MODEL'] });
    expect(rows).toEqual([
      {
        keys: { MODEL: NOVA },
        bucket: null,
        requests: 4,
        inputTokens: 60,
        outputTokens: 24,
        cacheReadTokens: 5,
        cacheWriteTokens: 7,
        costUsd: 0.007809,
        costByStage: { system: 0.001111, context: 0.000222, history: 0.000333, input: 0.002444, output: 0.003556, cacheRead: 0.000066, cacheWrite: 0.000077 },
      },
      {
        keys: { MODEL: HAIKU },
        bucket: null,
        requests: 2,
        inputTokens: 30,
        outputTokens: 12,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 1,
        costByStage: { system: 0, context: 0, history: 0, input: 0.000001, output: 0.999999, cacheRead: 0, cacheWrite: 0 },
      },
    ]);
  });

  it('groups cost by several dimensions and by day and hour buckets (UTC)', async () => {
    expect(await costs({ groupBy: ['PROMPT', 'PROMPT_VERSION'], bucket: 'DAY' })).toEqual([
      { keys: { PROMPT: 'support', PROMPT_VERSION: 1 }, bucket: '2026-03-10T00:00:00.000Z', requests: 1, costUsd: 0.001808 },
      { keys: { PROMPT: 'support', PROMPT_VERSION: 2 }, bucket: '2026-03-10T00:00:00.000Z', requests: 2, costUsd: 1.006001 },
      { keys: { PROMPT: 'summarize', PROMPT_VERSION: 1 }, bucket: '2026-03-11T00:00:00.000Z', requests: 3, costUsd: 0 },
    ]);
    expect(await costs({ groupBy: ['MODEL'], bucket: 'HOUR' })).toEqual([
      { keys: { MODEL: NOVA }, bucket: '2026-03-10T08:00:00.000Z', requests: 2, costUsd: 0.007809 },
      { keys: { MODEL: HAIKU }, bucket: '2026-03-10T09:00:00.000Z', requests: 1, costUsd: 1 },
      { keys: { MODEL: HAIKU }, bucket: '2026-03-11T01:00:00.000Z', requests: 1, costUsd: 0 },
      { keys: { MODEL: NOVA }, bucket: '2026-03-11T02:00:00.000Z', requests: 2, costUsd: 0 },
    ]);
    expect(await costs({ groupBy: ['API_KEY'], bucket: 'MONTH' })).toEqual([
      { keys: { API_KEY: 'batch' }, bucket: '2026-03-01T00:00:00.000Z', requests: 2, costUsd: 1 },
      { keys: { API_KEY: 'web' }, bucket: '2026-03-01T00:00:00.000Z', requests: 4, costUsd: 0.007809 },
    ]);
    // 2026-03-10 is a Tuesday: ISO weeks start on Monday 2026-03-09.
    expect(await costs({ groupBy: ['LABEL'], bucket: 'WEEK' })).toEqual([
      { keys: { LABEL: 'production' }, bucket: '2026-03-09T00:00:00.000Z', requests: 5, costUsd: 0.007809 },
      { keys: { LABEL: 'staging' }, bucket: '2026-03-09T00:00:00.000Z', requests: 1, costUsd: 1 },
    ]);
  });

  it('counts a trace once per tag under TAG (untagged under null), and groups by rule and user', async () => {
    expect(await costs({ groupBy: ['TAG'] })).toEqual([
      { keys: { TAG: 'beta' }, bucket: null, requests: 2, costUsd: 0.001808 },
      { keys: { TAG: 'eu' }, bucket: null, requests: 2, costUsd: 0.007809 },
      { keys: { TAG: null }, bucket: null, requests: 3, costUsd: 1 },
    ]);
    expect(await costs({ groupBy: ['ROUTE_RULE'] })).toEqual([
      { keys: { ROUTE_RULE: 'cheap' }, bucket: null, requests: 2, costUsd: 1.006001 },
      { keys: { ROUTE_RULE: null }, bucket: null, requests: 4, costUsd: 0.001808 },
    ]);
    expect(await costs({ groupBy: ['USER', 'USER'], filter: { user: 'alice' } })).toEqual([{ keys: { USER: 'alice' }, bucket: null, requests: 3, costUsd: 1.001808 }]);
  });

  it('applies the trace filter to analytics', async () => {
    expect(await costs({ groupBy: ['MODEL'], filter: { from: '2026-03-11T00:00:00Z' } })).toEqual([
      { keys: { MODEL: NOVA }, bucket: null, requests: 2, costUsd: 0 },
      { keys: { MODEL: HAIKU }, bucket: null, requests: 1, costUsd: 0 },
    ]);
    expect(await costs({ groupBy: ['PROMPT'], filter: { tags: ['eu'], status: 'COMPLETED', apiKey: 'web' } })).toEqual([{ keys: { PROMPT: 'support' }, bucket: null, requests: 2, costUsd: 0.007809 }]);
    expect(await costs({ groupBy: ['PROMPT'], filter: { user: 'nobody' } })).toEqual([]);
  });

  it('computes latency average and continuous percentiles per group and bucket', async () => {
    const byModel = await q(LATENCY, { groupBy: ['MODEL'] });
    expect(byModel.map((r) => [r.keys, r.requests])).toEqual([
      [{ MODEL: NOVA }, 4],
      [{ MODEL: HAIKU }, 2],
    ]);
    // nova latencies 2, 4, 100, 200; ttft 1, 2, 10, 20. haiku latencies 5, 300; ttft 30 (one null).
    const [nova, haiku] = byModel;
    expect(nova.avgMs).toBeCloseTo(76.5, 9);
    expect(nova.p50Ms).toBeCloseTo(52, 9);
    expect(nova.p95Ms).toBeCloseTo(185, 9);
    expect(nova.p99Ms).toBeCloseTo(197, 9);
    expect(nova.ttftP50Ms).toBeCloseTo(6, 9);
    expect(nova.ttftP95Ms).toBeCloseTo(18.5, 9);
    expect(haiku.avgMs).toBeCloseTo(152.5, 9);
    expect(haiku.p50Ms).toBeCloseTo(152.5, 9);
    expect(haiku.p95Ms).toBeCloseTo(285.25, 9);
    expect(haiku.ttftP50Ms).toBeCloseTo(30, 9);
    expect(haiku.ttftP95Ms).toBeCloseTo(30, 9);

    const byDay = await q(LATENCY, { bucket: 'DAY' });
    expect(byDay.map((r) => [r.keys, r.bucket, r.requests, r.p50Ms])).toEqual([
      [{}, '2026-03-10T00:00:00.000Z', 3, 200],
      [{}, '2026-03-11T00:00:00.000Z', 3, 4],
    ]);
    expect(byDay[1].avgMs).toBeCloseTo(11 / 3, 9);
    const none = await q(LATENCY, { filter: { user: 'nobody' } });
    expect(none).toEqual([]);
  });

  it('reports response-cache hits, hit rate and money saved', async () => {
    expect(await q(CACHE, {})).toEqual([{ bucket: null, requests: 6, hits: 2, hitRate: 2 / 6, savedUsd: 0.012, promptCacheReadTokens: 5 }]);
    expect(await q(CACHE, { bucket: 'DAY' })).toEqual([
      { bucket: '2026-03-10T00:00:00.000Z', requests: 3, hits: 0, hitRate: 0, savedUsd: 0, promptCacheReadTokens: 5 },
      { bucket: '2026-03-11T00:00:00.000Z', requests: 3, hits: 2, hitRate: 2 / 3, savedUsd: 0.012, promptCacheReadTokens: 0 },
    ]);
    expect(await q(CACHE, { filter: { modelId: HAIKU } })).toEqual([{ bucket: null, requests: 2, hits: 0, hitRate: 0, savedUsd: 0, promptCacheReadTokens: 0 }]);
  });

  it('reports guardrail triggers per policy, finding kind and direction, counting requests (not findings)', async () => {
    const row = (policy: string, kind: string | null, direction: string, blocked: number, anonymized: number, requests = 6) => ({
      bucket: null,
      policy,
      kind,
      direction,
      requests,
      triggered: 1,
      blocked,
      anonymized,
      rate: 1 / requests,
    });
    expect(await q(GUARDRAIL, {})).toEqual([
      row('bedrock', null, 'OUTPUT', 1, 0),
      row('no-secrets', 'PII', 'INPUT', 1, 0),
      row('pii-mask', 'PII', 'INPUT', 0, 1),
      row('pii-mask', 'PII', 'OUTPUT', 0, 1),
    ]);
    const byDay = await q(GUARDRAIL, { bucket: 'DAY' });
    expect(byDay).toHaveLength(4);
    for (const r of byDay) expect(r).toMatchObject({ bucket: '2026-03-11T00:00:00.000Z', requests: 3, triggered: 1, rate: 1 / 3 });
    const masked = await q(GUARDRAIL, { filter: { user: 'dave' } });
    expect(masked).toEqual([{ ...row('pii-mask', 'PII', 'INPUT', 0, 1, 1) }]);
    expect(await q(GUARDRAIL, { filter: { prompt: 'support' } })).toEqual([]);
  });

  it('refuses an empty groupBy and a reversed time range with BAD_USER_INPUT naming the field', async () => {
    const empty = await t.gql(COST, { groupBy: [] });
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0]?.message).toMatch(/^groupBy:/);
    const reversed = { filter: { from: '2026-03-12T00:00:00Z', to: '2026-03-10T00:00:00Z' } };
    for (const [query, vars] of [
      [COST, { groupBy: ['MODEL'], ...reversed }],
      [LATENCY, reversed],
      [CACHE, reversed],
      [GUARDRAIL, reversed],
    ] as const) {
      const r = await t.gql(query, vars);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toMatch(/^filter\.from:/);
    }
    const badEnum = await t.gql(COST, { groupBy: ['COLOUR'] });
    expect(badEnum.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('sums money exactly: ten traces of $0.10 make $1, not 0.9999999999999999', async () => {
    const dimes = Array.from({ length: 10 }, () => traceRecord({ prompt: 'exactness', createdAt: at('2025-01-01T00:00:00Z'), stages: { system: 0, input: 30_000, output: 70_000 } }));
    expect(dimes.reduce((a) => a + 0.1, 0)).not.toBe(1);
    try {
      for (const r of dimes) t.app.services.traces.writer.enqueue(r);
      await t.app.services.traces.writer.flush();
      const [row] = await q(COST, { groupBy: ['PROMPT'], filter: { prompt: 'exactness' } });
      expect(row.costUsd).toBe(1);
      expect(row.costByStage).toMatchObject({ input: 0.3, output: 0.7 });
    } finally {
      await t.app.dataSource.query(`DELETE FROM traces WHERE prompt = 'exactness'`);
      await t.app.dataSource.query(`DELETE FROM trace_rollups_hourly WHERE prompt = 'exactness'`);
      await t.app.dataSource.query(`DELETE FROM trace_rollups_daily WHERE prompt = 'exactness'`);
    }
  });

  it('refuses an answer larger than the row cap instead of returning it', async () => {
    // Four users (alice, bob, carol, dave): four rows fit a cap of 4, not a cap of 3.
    const four = new AnalyticsService(t.app.dataSource, { maxRows: 4 });
    expect(await four.costBreakdown({}, [Dimension.USER])).toHaveLength(4);
    const three = new AnalyticsService(t.app.dataSource, { maxRows: 3 });
    await expect(three.costBreakdown({}, [Dimension.USER])).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter' });
    await expect(three.latencyStats({}, [Dimension.USER], TimeBucket.DAY)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await three.cacheStats({}, TimeBucket.DAY)).toHaveLength(2);
  });

  it('is readable by ANALYST, forbidden to APP', async () => {
    const analyst = await t.keyFor('ANALYST');
    const app = await t.keyFor('APP');
    for (const [query, vars] of [
      [COST, { groupBy: ['MODEL'] }],
      [LATENCY, {}],
      [CACHE, {}],
      [GUARDRAIL, {}],
    ] as const) {
      const ok = await t.gql(query, vars, analyst);
      expect(ok.errors).toBeUndefined();
      const no = await t.gql(query, vars, app);
      expect(no.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(no.data ?? null).toBeNull();
    }
  });
});
