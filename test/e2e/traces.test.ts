import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { traceRecord } from '../fixtures/traces';
import type { TraceRecord } from '../../src/traces';

const at = (iso: string) => new Date(iso);

/** Six traces, one per hour, newest last; each differs from the others in some filtered field. */
const fixtures: TraceRecord[] = [
  traceRecord({ createdAt: at('2026-03-10T08:00:00Z'), prompt: 'support', label: 'production', user: 'alice', apiKey: 'web', tags: ['eu', 'beta'] }),
  traceRecord({ createdAt: at('2026-03-10T09:00:00Z'), prompt: 'support', label: 'staging', user: 'bob', apiKey: 'web', tags: ['us'] }),
  traceRecord({
    createdAt: at('2026-03-10T10:00:00Z'),
    prompt: 'summarize',
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    user: 'alice',
    apiKey: 'batch',
    status: 'BLOCKED',
    errorCode: 'GUARDRAIL_BLOCKED',
    output: null,
    usage: null,
    costMicros: 0,
    costByStage: null,
    latencyMs: 3,
    ttftMs: null,
    guardrailEvents: [{ direction: 'INPUT', action: 'BLOCKED', policy: 'no-secrets', findings: [{ kind: 'PII', name: 'AWS_ACCESS_KEY', action: 'BLOCKED', match: 'AKIA…' }] }],
  }),
  traceRecord({ createdAt: at('2026-03-10T11:00:00Z'), prompt: 'support', user: 'carol', apiKey: 'web', status: 'FAILED', errorCode: 'PROVIDER_ERROR', tags: ['beta'] }),
  traceRecord({ createdAt: at('2026-03-10T12:00:00Z'), prompt: 'support', user: 'alice', apiKey: 'web', cached: true, stages: { system: 0, input: 0, output: 0 }, savedMicros: 1000 }),
  traceRecord({ createdAt: at('2026-03-10T13:00:00Z'), prompt: 'summarize', routedBy: 'cheap-first', user: 'bob', apiKey: 'batch', tags: ['us', 'gamma'] }),
];
const idx = (...i: number[]) => i.map((n) => fixtures[n]!.id);

const LIST = `query($filter: TraceFilter, $first: Int, $after: String) {
  traces(filter: $filter, first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;

describe('traces', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    for (const r of fixtures) t.app.services.traces.writer.enqueue(r);
    await t.app.services.traces.writer.flush();
  });
  afterAll(() => t.close());

  const ids = async (filter: Record<string, unknown>, first = 50): Promise<string[]> => {
    const r = await t.gql(LIST, { filter, first });
    expect(r.errors).toBeUndefined();
    return r.data!.traces.edges.map((e: { node: { id: string } }) => e.node.id);
  };

  it('reads from the configured trace store (ClickHouse when CLICKHOUSE_URL is set)', () => {
    expect(t.traceStore).toBe(process.env.CLICKHOUSE_URL ? 'clickhouse' : 'database');
    expect(t.app.services.traces.constructor.name).toBe(process.env.CLICKHOUSE_URL ? 'ClickHouseTraceService' : 'TraceService');
    expect(t.app.services.analytics.constructor.name).toBe(process.env.CLICKHOUSE_URL ? 'ClickHouseAnalyticsService' : 'AnalyticsService');
  });

  it('reads one trace with usage, exact cost, cost by stage, spans and the JSON columns', async () => {
    const rec = fixtures[0]!;
    const r = await t.gql(
      `query($id: ID!) { trace(id: $id) { id createdAt prompt promptVersion label modelId routedBy routeRule user sessionId apiKey tags
        status errorCode stopReason cached request assembledPrompt output costUsd savedUsd latencyMs ttftMs guardrailEvents
        usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
        costByStage { system context history input output cacheRead cacheWrite }
        spans { name startedAt durationMs attributes } } }`,
      { id: rec.id },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.trace).toEqual({
      id: rec.id,
      createdAt: '2026-03-10T08:00:00.000Z',
      prompt: 'support',
      promptVersion: 1,
      label: 'production',
      modelId: 'amazon.nova-micro-v1:0',
      routedBy: null,
      routeRule: null,
      user: 'alice',
      sessionId: 's-1',
      apiKey: 'web',
      tags: ['eu', 'beta'],
      status: 'COMPLETED',
      errorCode: null,
      stopReason: 'end_turn',
      cached: false,
      request: rec.request,
      assembledPrompt: rec.assembledPrompt,
      output: 'Hi! How can I help?',
      costUsd: 0.001,
      savedUsd: 0,
      latencyMs: 120,
      ttftMs: 40,
      guardrailEvents: [],
      usage: { inputTokens: 30, outputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0, byStage: { system: 10, context: 0, history: 0, input: 20, output: 12 } },
      costByStage: { system: 0.0001, context: 0, history: 0, input: 0.0002, output: 0.0007, cacheRead: 0, cacheWrite: 0 },
      spans: [
        { name: 'routing', startedAt: '2026-03-10T10:15:00.000Z', durationMs: 0.4, attributes: { rule: null } },
        { name: 'model_call', startedAt: '2026-03-10T10:15:00.001Z', durationMs: 118.5, attributes: null },
      ],
    });
  });

  it('shows a blocked trace without usage or stage cost, with its guardrail events', async () => {
    const r = await t.gql('query($id: ID!) { trace(id: $id) { status errorCode usage { inputTokens } costUsd costByStage { system } output guardrailEvents } }', {
      id: fixtures[2]!.id,
    });
    expect(r.data!.trace).toEqual({
      status: 'BLOCKED',
      errorCode: 'GUARDRAIL_BLOCKED',
      usage: null,
      costUsd: 0,
      costByStage: null,
      output: null,
      guardrailEvents: fixtures[2]!.guardrailEvents,
    });
    const routed = await t.gql('query($id: ID!) { trace(id: $id) { routedBy routeRule } }', { id: fixtures[5]!.id });
    expect(routed.data!.trace).toEqual({ routedBy: 'cheap-first', routeRule: 'cheap-first' });
  });

  it('answers an unknown id with null and a malformed id with BAD_USER_INPUT', async () => {
    const unknown = await t.gql('query($id: ID!) { trace(id: $id) { id } }', { id: randomUUID() });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data!.trace).toBeNull();
    const bad = await t.gql('{ trace(id: "nope") { id } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/^id:/);
  });

  it('lists newest first and pages through everything with the cursor', async () => {
    expect(await ids({})).toEqual(idx(5, 4, 3, 2, 1, 0));
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: { data?: any; errors?: unknown } = await t.gql(LIST, { first: 4, after });
      expect(r.errors).toBeUndefined();
      const conn = r.data!.traces;
      seen.push(...conn.edges.map((e: { node: { id: string } }) => e.node.id));
      pages++;
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1)?.cursor ?? null);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(idx(5, 4, 3, 2, 1, 0));
    const paged = await t.gql(LIST, { filter: { apiKey: 'web' }, first: 2 });
    const next = await t.gql(LIST, { filter: { apiKey: 'web' }, first: 2, after: paged.data!.traces.pageInfo.endCursor });
    expect(next.data!.traces.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(idx(1, 0));
    expect(next.data!.traces.pageInfo.hasNextPage).toBe(false);
  });

  it('narrows by every filter field, alone and combined', async () => {
    expect(await ids({ from: '2026-03-10T10:00:00Z' })).toEqual(idx(5, 4, 3, 2));
    expect(await ids({ to: '2026-03-10T10:00:00Z' })).toEqual(idx(1, 0));
    expect(await ids({ from: '2026-03-10T09:00:00Z', to: '2026-03-10T11:00:00Z' })).toEqual(idx(2, 1));
    expect(await ids({ prompt: 'summarize' })).toEqual(idx(5, 2));
    expect(await ids({ label: 'staging' })).toEqual(idx(1));
    expect(await ids({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0' })).toEqual(idx(2));
    expect(await ids({ user: 'alice' })).toEqual(idx(4, 2, 0));
    expect(await ids({ apiKey: 'batch' })).toEqual(idx(5, 2));
    expect(await ids({ status: 'FAILED' })).toEqual(idx(3));
    expect(await ids({ status: 'BLOCKED' })).toEqual(idx(2));
    expect(await ids({ tags: ['beta'] })).toEqual(idx(3, 0));
    expect(await ids({ tags: ['us', 'eu'] })).toEqual(idx(5, 1, 0));
    expect(await ids({ tags: [] })).toEqual(idx(5, 4, 3, 2, 1, 0));
    expect(await ids({ cached: true })).toEqual(idx(4));
    expect(await ids({ prompt: 'support', user: 'alice', status: 'COMPLETED' })).toEqual(idx(4, 0));
    expect(await ids({ prompt: 'support', tags: ['us'], from: '2026-03-10T08:30:00Z' })).toEqual(idx(1));
    expect(await ids({ user: 'nobody' })).toEqual([]);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ filter: { from: '2026-03-11T00:00:00Z', to: '2026-03-10T00:00:00Z' } }, /^filter\.from:/],
      [{ first: 0 }, /^first:/],
      [{ first: 501 }, /^first:/],
      [{ after: 'garbage' }, /^after:/],
    ];
    for (const [vars, message] of cases) {
      const r = await t.gql(LIST, vars);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toMatch(message);
    }
    const badStatus = await t.gql(LIST, { filter: { status: 'DONE' } });
    expect(badStatus.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lets ANALYST and CI read traces, refuses APP with FORBIDDEN and no key with UNAUTHENTICATED', async () => {
    for (const role of ['ANALYST', 'CI'] as const) {
      const key = await t.keyFor(role);
      const r = await t.gql(LIST, { first: 1 }, key);
      expect(r.errors).toBeUndefined();
      expect(r.data!.traces.edges).toHaveLength(1);
    }
    const app = await t.keyFor('APP');
    for (const q of [LIST, `{ trace(id: "${fixtures[0]!.id}") { id } }`]) {
      const r = await t.gql(q, {}, app);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(r.data?.trace ?? r.data?.traces ?? null).toBeNull();
    }
    const anon = await t.gql(LIST, {}, null);
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
