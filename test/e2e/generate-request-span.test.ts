import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { createBriefPrompt } from '../helpers/prompts';

const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on GenerationCompleted { traceId } ... on GenerationFailed { code message } } }`;
const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { status traceId } }`;
const TRACE = `query($id: ID!) { trace(id: $id) { latencyMs spans { name startedAt durationMs } } }`;
const SLOW_AUTH_MS = 150;

type Span = { name: string; startedAt: string; durationMs: number };

/** The time a client waits before the pipeline starts (body, parse, validation, authentication) is a span of the trace. */
describe('generate: the graphql_request span covers the operation from its arrival to the pipeline', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'silent' });
    key = await t.keyFor('APP', 'request-span');
    await createBriefPrompt(t, 'spans');
  });
  afterAll(() => t?.close());

  /** Authentication made slow: time the client waits before any pipeline step. */
  async function withSlowAuth<T>(fn: () => Promise<T>): Promise<T> {
    const keys = t.app.services.apiKeys;
    const authenticate = keys.authenticate.bind(keys);
    const spy = jest.spyOn(keys, 'authenticate').mockImplementation(async (secret: string) => {
      await new Promise((r) => setTimeout(r, SLOW_AUTH_MS));
      return authenticate(secret);
    });
    try {
      return await fn();
    } finally {
      spy.mockRestore();
    }
  }
  async function spansOf(traceId: string): Promise<{ latencyMs: number; spans: Span[] }> {
    await t.app.services.traces.writer.flush();
    const r = await t.gql(TRACE, { id: traceId });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.trace;
  }
  function expectRequestSpan({ latencyMs, spans }: { latencyMs: number; spans: Span[] }) {
    const request = spans.find((s) => s.name === 'graphql_request');
    expect(request).toBeDefined();
    expect(request!.durationMs).toBeGreaterThanOrEqual(SLOW_AUTH_MS - 1);
    // The trace's latency is the client's: it starts at the operation's arrival.
    expect(latencyMs).toBeGreaterThanOrEqual(request!.durationMs);
    // It comes first and ends where the pipeline's first step starts.
    const first = spans.filter((s) => s.name !== 'graphql_request').map((s) => Date.parse(s.startedAt));
    expect(Date.parse(request!.startedAt)).toBeLessThanOrEqual(Math.min(...first));
  }

  it('generateOnce over HTTP: the slow authentication is inside the span', async () => {
    const r = await withSlowAuth(() => t.gql(ONCE, { i: { prompt: 'spans', input: 'Hi.\n#reply: Hello.' } }, key));
    expect(r.errors).toBeUndefined();
    expectRequestSpan(await spansOf(r.data!.generateOnce.traceId));
  });

  it('generate over graphql-ws: the slow authentication of the operation is inside the span', async () => {
    const client = t.ws(key);
    // The socket's connection_init is authenticated first, outside the operation.
    await wsCollect(client, SUB, { i: { prompt: 'spans', input: 'Hi.\n#reply: Hello.' } });
    const results = await withSlowAuth(() => wsCollect(client, SUB, { i: { prompt: 'spans', input: 'Hi.\n#reply: Hello again.' } }));
    const done = results.map((x) => x.data!.generate).find((e) => e.__typename === 'GenerationCompleted');
    expect(done).toBeDefined();
    expectRequestSpan(await spansOf(done.traceId));
    client.dispose();
  });
});
