import { startTestApp, type TestApp } from '../helpers/test-app';
import { traceRecord } from '../fixtures/traces';
import type { TraceRecord } from '../../src/traces';

const NOVA = 'amazon.nova-micro-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const at = (iso: string) => new Date(iso);

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
const LIST = `query($filter: TraceFilter, $first: Int, $after: String) {
  traces(filter: $filter, first: $first, after: $after) { edges { cursor node { id createdAt } } pageInfo { hasNextPage endCursor } } }`;

/** Seven traces written in the same millisecond (a burst): paging must not lose or repeat any. */
const SAME_MS = at('2024-05-06T10:00:00.123Z');
const burst = Array.from({ length: 7 }, (_, i) => traceRecord({ prompt: 'burst', createdAt: SAME_MS, user: `b${i}` }));

/** Latency samples: one trace for "solo", two for "duo", and one without latency for "none". */
const latency = [
  traceRecord({ prompt: 'lat', user: 'solo', createdAt: at('2024-05-07T01:00:00Z'), latencyMs: 123, ttftMs: 7 }),
  traceRecord({ prompt: 'lat', user: 'duo', createdAt: at('2024-05-07T02:00:00Z'), latencyMs: 100, ttftMs: 10 }),
  traceRecord({ prompt: 'lat', user: 'duo', createdAt: at('2024-05-07T03:00:00Z'), latencyMs: 200, ttftMs: 20 }),
  traceRecord({
    prompt: 'lat',
    user: 'none',
    createdAt: at('2024-05-07T04:00:00Z'),
    status: 'BLOCKED',
    errorCode: 'GUARDRAIL_BLOCKED',
    usage: null,
    costMicros: 0,
    costByStage: null,
    latencyMs: null,
    ttftMs: null,
  }),
];

/** Tagged and untagged traces over two models and two days. */
const tagged = [
  traceRecord({ prompt: 'tags', modelId: NOVA, user: 'u1', tags: ['eu', 'beta'], createdAt: at('2024-05-08T08:00:00Z'), stages: { system: 0, input: 100, output: 900 } }),
  traceRecord({ prompt: 'tags', modelId: NOVA, user: 'u1', tags: [], createdAt: at('2024-05-08T09:00:00Z'), stages: { system: 0, input: 10, output: 90 } }),
  traceRecord({ prompt: 'tags', modelId: HAIKU, user: 'u2', tags: ['eu'], createdAt: at('2024-05-09T09:00:00Z'), stages: { system: 0, input: 1, output: 9 } }),
  traceRecord({ prompt: 'tags', modelId: HAIKU, user: 'u2', tags: [], createdAt: at('2024-05-09T10:00:00Z'), stages: { system: 0, input: 2, output: 8 } }),
];

/** Three cache hits that saved $0.10 each and one miss. */
const cache = [
  ...Array.from({ length: 3 }, (_, i) => traceRecord({ prompt: 'cache', cached: true, usage: null, costMicros: 0, costByStage: null, savedMicros: 100_000, createdAt: at(`2024-05-10T0${i}:00:00Z`) })),
  traceRecord({ prompt: 'cache', createdAt: at('2024-05-10T05:00:00Z') }),
];

/** Two traces whose token counts add up past 2^31 (a busy month of one model). */
const BIG = 1_500_000_000;
const big = Array.from({ length: 2 }, (_, i) =>
  traceRecord({
    prompt: 'big',
    createdAt: at(`2024-06-0${i + 1}T00:00:00Z`),
    usage: { inputTokens: BIG, outputTokens: 10, cacheReadTokens: BIG, cacheWriteTokens: 0, byStage: { system: 0, context: 0, history: 0, input: BIG, output: 10 } },
  }),
);

/** Tags with the characters of PostgreSQL's array literal syntax. */
const ODD_TAGS = ['x,y', 'q"r', 'back\\slash', '{brace}', 'NULL', ' padded '];
const odd = [traceRecord({ prompt: 'odd', tags: ODD_TAGS, createdAt: at('2024-05-11T00:00:00Z') })];

const fixtures: TraceRecord[] = [...burst, ...latency, ...tagged, ...cache, ...big, ...odd];

describe('analytics and traces edge cases', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    for (const r of fixtures) t.app.services.traces.writer.enqueue(r);
    await t.app.services.traces.writer.flush();
  });
  afterAll(() => t.close());

  /** The traces connection (edges and pageInfo). */
  async function list(vars: Record<string, unknown>): Promise<any> {
    const r = await t.gql(LIST, vars);
    expect(r.errors).toBeUndefined();
    return r.data!.traces;
  }
  async function q(query: string, vars: Record<string, unknown>): Promise<any[]> {
    const r = await t.gql(query, vars);
    expect(r.errors).toBeUndefined();
    return Object.values(r.data!)[0] as any[];
  }

  it('pages through traces sharing one timestamp without losing or repeating any, ordered by id', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: { data?: any; errors?: unknown } = await t.gql(LIST, { filter: { prompt: 'burst' }, first: 3, after });
      expect(r.errors).toBeUndefined();
      const conn = r.data!.traces;
      seen.push(...conn.edges.map((e: any) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(seen).toEqual(
      burst
        .map((b) => b.id)
        .sort()
        .reverse(),
    );
  });

  it('treats from as inclusive and to as exclusive at the exact instant; from == to is empty, not an error', async () => {
    const ids = async (filter: Record<string, unknown>) => (await list({ filter: { prompt: 'burst', ...filter }, first: 50 })).edges;
    const exact = SAME_MS.toISOString();
    expect(await ids({ from: exact })).toHaveLength(7);
    expect(await ids({ to: exact })).toHaveLength(0);
    expect(await ids({ from: exact, to: exact })).toHaveLength(0);
    expect(await ids({ to: '2024-05-06T10:00:00.124Z' })).toHaveLength(7);
    // A non-UTC offset denotes the same instant.
    expect(await ids({ from: '2024-05-06T12:00:00.123+02:00' })).toHaveLength(7);
    // Combined with a tag filter and a user filter.
    expect(await ids({ from: exact, user: 'b3' })).toHaveLength(1);
    expect(await ids({ from: exact, user: 'b3', tags: ['nope'] })).toHaveLength(0);
  });

  it('groups by MODEL × TAG × USER with untagged traces under a null TAG, and by day buckets', async () => {
    const rows = await q(COST, { filter: { prompt: 'tags' }, groupBy: ['MODEL', 'TAG', 'USER'], bucket: 'DAY' });
    expect(rows.map((r) => [r.bucket, r.keys, r.requests, r.costUsd])).toEqual([
      ['2024-05-08T00:00:00.000Z', { MODEL: NOVA, TAG: 'beta', USER: 'u1' }, 1, 0.001],
      ['2024-05-08T00:00:00.000Z', { MODEL: NOVA, TAG: 'eu', USER: 'u1' }, 1, 0.001],
      ['2024-05-08T00:00:00.000Z', { MODEL: NOVA, TAG: null, USER: 'u1' }, 1, 0.0001],
      ['2024-05-09T00:00:00.000Z', { MODEL: HAIKU, TAG: 'eu', USER: 'u2' }, 1, 0.00001],
      ['2024-05-09T00:00:00.000Z', { MODEL: HAIKU, TAG: null, USER: 'u2' }, 1, 0.00001],
    ]);
    // A dimension named twice is grouped once.
    const twice = await q(COST, { filter: { prompt: 'tags' }, groupBy: ['MODEL', 'MODEL'] });
    expect(twice.map((r) => [r.keys, r.requests])).toEqual([
      [{ MODEL: NOVA }, 2],
      [{ MODEL: HAIKU }, 2],
    ]);
    // Without TAG every trace counts once; the total matches the sum of stage costs.
    const [all] = await q(COST, { filter: { prompt: 'tags' }, groupBy: ['PROMPT'] });
    expect(all).toMatchObject({ keys: { PROMPT: 'tags' }, requests: 4, costUsd: 0.00112 });
    expect(all.costByStage.input + all.costByStage.output).toBeCloseTo(all.costUsd, 12);
  });

  it('computes percentiles on tiny samples: one sample is every percentile, two interpolate, none gives nulls', async () => {
    const rows = await q(LATENCY, { filter: { prompt: 'lat' }, groupBy: ['USER'] });
    const by = Object.fromEntries(rows.map((r) => [r.keys.USER, r]));
    expect(by.solo).toMatchObject({ requests: 1, avgMs: 123, p50Ms: 123, p95Ms: 123, p99Ms: 123, ttftP50Ms: 7, ttftP95Ms: 7 });
    expect(by.duo).toMatchObject({ requests: 2, avgMs: 150, p50Ms: 150, ttftP50Ms: 15 });
    expect(by.duo.p95Ms).toBeCloseTo(195, 9);
    expect(by.duo.p99Ms).toBeCloseTo(199, 9);
    expect(by.duo.ttftP95Ms).toBeCloseTo(19.5, 9);
    expect(by.none).toMatchObject({ requests: 1, avgMs: null, p50Ms: null, p95Ms: null, p99Ms: null, ttftP50Ms: null });
    // No groupBy (or an empty one) is one overall row; a filter matching nothing is no row.
    const overall = await q(LATENCY, { filter: { prompt: 'lat' }, groupBy: [] });
    expect(overall).toHaveLength(1);
    expect(overall[0]).toMatchObject({ keys: {}, bucket: null, requests: 4, p50Ms: 123 });
    expect(await q(LATENCY, { filter: { prompt: 'no-such-prompt' } })).toEqual([]);
  });

  it('reports cache savings exactly: three hits that saved $0.10 each are $0.30', async () => {
    const [row] = await q(CACHE, { filter: { prompt: 'cache' } });
    expect(row).toMatchObject({ requests: 4, hits: 3, hitRate: 0.75, savedUsd: 0.3 });
    const hourly = await q(CACHE, { filter: { prompt: 'cache' }, bucket: 'HOUR' });
    expect(hourly.map((r) => [r.bucket, r.hits, r.hitRate])).toEqual([
      ['2024-05-10T00:00:00.000Z', 1, 1],
      ['2024-05-10T01:00:00.000Z', 1, 1],
      ['2024-05-10T02:00:00.000Z', 1, 1],
      ['2024-05-10T05:00:00.000Z', 0, 0],
    ]);
    expect(await q(CACHE, { filter: { prompt: 'cache', cached: false } })).toMatchObject([{ requests: 1, hits: 0, savedUsd: 0 }]);
  });

  // The contract types token sums as Int (32-bit): a sum past 2^31 is answered with a clear input
  // error that says how to ask instead (per bucket, narrower filter), never INTERNAL_SERVER_ERROR.
  it('answers token sums past 2^31 with BAD_USER_INPUT telling to ask per bucket, not a serialization failure', async () => {
    const r = await t.gql(COST, { filter: { prompt: 'big' }, groupBy: ['PROMPT'] });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/^bucket: inputTokens sums to 3000000000.*per time bucket/);
    const perTrace = await t.gql(COST, { filter: { prompt: 'big' }, groupBy: ['PROMPT'], bucket: 'HOUR' });
    if (!perTrace.errors) expect(perTrace.data!.costBreakdown.every((row: { inputTokens: number }) => row.inputTokens <= BIG)).toBe(true);
  });

  it('answers prompt-cache read tokens past 2^31 in cacheStats the same way', async () => {
    const r = await t.gql(CACHE, { filter: { prompt: 'big' } });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/promptCacheReadTokens/);
  });

  it('refuses bad arguments on every analytics query with BAD_USER_INPUT, never INTERNAL_SERVER_ERROR', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      [COST, { groupBy: ['MODEL'], bucket: 'FORTNIGHT' }],
      [COST, { groupBy: null }],
      [COST, { groupBy: ['MODEL'], filter: { from: 'yesterday' } }],
      [COST, { groupBy: ['MODEL'], filter: { status: 'DONE' } }],
      [COST, { groupBy: ['MODEL'], filter: { tags: [1, 2] } }],
      [COST, { groupBy: ['MODEL'], filter: { colour: 'red' } }],
      [LATENCY, { groupBy: ['COLOUR'] }],
      [LATENCY, { bucket: 'DECADE' }],
      [LATENCY, { filter: { to: '2024-02-30T00:00:00Z' } }],
      [CACHE, { bucket: 'YEAR' }],
      [CACHE, { filter: { from: 42 } }],
      [GUARDRAIL, { bucket: 'MINUTE' }],
      [GUARDRAIL, { filter: { cached: 'yes' } }],
      [LIST, { first: -1 }],
      [LIST, { after: Buffer.from(`2024-05-06T10:00:00.123Z|not-a-uuid`).toString('base64url') }],
    ];
    for (const [query, vars] of cases) {
      const r = await t.gql(query, vars);
      expect({ vars, code: r.errors?.[0]?.extensions?.code }).toEqual({ vars, code: 'BAD_USER_INPUT' });
    }
    // The reversed range names the field on every query.
    const reversed = { filter: { from: '2024-05-08T00:00:00Z', to: '2024-05-07T00:00:00Z' } };
    for (const [query, vars] of [
      [COST, { groupBy: ['TAG'], ...reversed }],
      [LATENCY, { groupBy: ['TAG'], ...reversed }],
      [CACHE, reversed],
      [GUARDRAIL, reversed],
      [LIST, reversed],
    ] as const) {
      const r = await t.gql(query, vars);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toMatch(/^filter\.from:/);
    }
  });

  it('answers a time range at the edges of the calendar without INTERNAL_SERVER_ERROR', async () => {
    for (const filter of [{ from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999Z' }, { from: '1970-01-01T00:00:00Z' }, { to: '1970-01-01T00:00:00Z' }, { from: '9999-12-31T23:59:59.999Z' }]) {
      for (const [query, vars] of [
        [COST, { groupBy: ['MODEL'], bucket: 'MONTH', filter: { ...filter, prompt: 'tags' } }],
        [LATENCY, { bucket: 'WEEK', filter: { ...filter, prompt: 'lat' } }],
        [CACHE, { bucket: 'DAY', filter: { ...filter, prompt: 'cache' } }],
        [GUARDRAIL, { bucket: 'HOUR', filter }],
        [LIST, { filter, first: 1 }],
      ] as const) {
        const r = await t.gql(query, vars);
        expect({ filter, errors: r.errors?.map((e) => e.extensions?.code) }).toEqual({ filter, errors: undefined });
      }
    }
  });

  it('filters and groups by tags containing commas, quotes, backslashes, braces and the word NULL', async () => {
    for (const tag of ODD_TAGS) {
      const r = await list({ filter: { tags: [tag] }, first: 5 });
      expect({ tag, ids: r.edges.map((e: any) => e.node.id) }).toEqual({ tag, ids: [odd[0]!.id] });
    }
    const rows = await q(COST, { filter: { prompt: 'odd' }, groupBy: ['TAG'] });
    expect(rows.map((r) => r.keys.TAG).sort()).toEqual([...ODD_TAGS].sort());
    const one = await t.gql(`query($id: ID!) { trace(id: $id) { tags } }`, { id: odd[0]!.id });
    expect(one.data!.trace.tags).toEqual(ODD_TAGS);
  });

  it('WEEK buckets start on Monday (UTC), also for a Sunday 23:59 trace', async () => {
    const sunday = traceRecord({ prompt: 'weekb', createdAt: at('2024-05-12T23:59:59.999Z') });
    const monday = traceRecord({ prompt: 'weekb', createdAt: at('2024-05-13T00:00:00.000Z') });
    t.app.services.traces.writer.enqueue(sunday);
    t.app.services.traces.writer.enqueue(monday);
    await t.app.services.traces.writer.flush();
    const rows = await q(COST, { filter: { prompt: 'weekb' }, groupBy: ['PROMPT'], bucket: 'WEEK' });
    expect(rows.map((r) => [r.bucket, r.requests])).toEqual([
      ['2024-05-06T00:00:00.000Z', 1],
      ['2024-05-13T00:00:00.000Z', 1],
    ]);
  });
});
