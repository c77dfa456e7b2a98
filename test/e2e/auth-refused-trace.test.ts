import { startTestApp, type TestApp } from '../helpers/test-app';

type Rec = Record<string, any>;
const ONCE = 'mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status } }';
const STREAM = 'subscription($i: GenerateInput!) { generate(input: $i) { __typename } }';

/**
 * Every generation request leaves a trace, those the auth checker refuses too (no key, a bad key, a
 * role that may not generate), and the refusal names it (`extensions.traceId`). Such traces are
 * compact (a prefix of the input and its size, never the body) and rate-limited per source (here:
 * bursts of 20 and a rate so low that nothing refills during the test), so a flood of refused
 * requests cannot fill the trace table; what is not traced is counted.
 */
describe('generations refused by the auth checker are traced, compactly and rate-limited', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ REFUSED_TRACES_PER_SECOND: '0.0001' });
  });
  afterAll(() => t?.close());

  async function trace(id: string): Promise<Rec> {
    await t.app.services.traces.writer.flush();
    const r = await t.gql('query($id: ID!) { trace(id: $id) { id status errorCode apiKey prompt request } }', { id });
    expect(r.errors).toBeUndefined();
    return r.data!.trace as Rec;
  }

  async function refusedTraces(): Promise<Rec[]> {
    await t.app.services.traces.writer.flush();
    const r = await t.gql('{ traces(first: 500, filter: { status: FAILED }) { edges { node { id errorCode apiKey } } } }');
    expect(r.errors).toBeUndefined();
    return (r.data!.traces.edges as Array<{ node: Rec }>).map((e) => e.node).filter((n) => n.errorCode === 'UNAUTHENTICATED' || n.errorCode === 'FORBIDDEN');
  }

  it('traces a generateOnce without a key: the error names the trace, which keeps a short prefix of the input and its size', async () => {
    const input = { prompt: 'support', input: 'a'.repeat(200_000) };
    const r = await t.gql(ONCE, { i: input }, null);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', traceId: expect.any(String) });
    const tr = await trace(r.errors![0]!.extensions!.traceId as string);
    expect(tr).toMatchObject({ status: 'FAILED', errorCode: 'UNAUTHENTICATED', apiKey: null, prompt: 'support' });
    expect(tr.request.invalid.inputBytes).toBe(Buffer.byteLength(JSON.stringify(input)));
    expect(JSON.stringify(tr.request).length).toBeLessThan(600);
  });

  it('traces a bad key (UNAUTHENTICATED) and a role that may not generate (FORBIDDEN, with the key), over HTTP and graphql-ws', async () => {
    const bad = await t.gql(ONCE, { i: { prompt: 'support', input: 'hi' } }, 'not-a-key');
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await trace(bad.errors![0]!.extensions!.traceId as string)).errorCode).toBe('UNAUTHENTICATED');

    const analyst = await t.keyFor('ANALYST', 'refused-analyst');
    const http = await t.gql(ONCE, { i: { prompt: 'support', input: 'hi' } }, analyst);
    expect(http.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', traceId: expect.any(String) });
    expect(await trace(http.errors![0]!.extensions!.traceId as string)).toMatchObject({ status: 'FAILED', errorCode: 'FORBIDDEN', apiKey: 'refused-analyst' });

    const ws = t.ws(analyst);
    const wsError = await new Promise<Rec>((resolve, reject) => {
      ws.subscribe({ query: STREAM, variables: { i: { prompt: 'support', input: 'hi' } } }, { next: (m) => resolve(m as Rec), error: reject, complete: () => undefined });
    });
    expect(wsError.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', traceId: expect.any(String) });
    expect(await trace(wsError.errors[0].extensions.traceId as string)).toMatchObject({ errorCode: 'FORBIDDEN', apiKey: 'refused-analyst' });
  });

  it('a flood of refused generations from one address: 20 traced (the burst), the rest counted, not stored', async () => {
    const before = (await refusedTraces()).filter((n) => n.apiKey === null).length;
    expect(before).toBe(2); // the two above without a valid key, from this address
    const answers = await Promise.all(Array.from({ length: 40 }, () => t.gql(ONCE, { i: { prompt: 'support', input: 'flood' } }, null)));
    expect(answers.every((a) => a.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
    expect(answers.filter((a) => a.errors![0]!.extensions!.traceId).length).toBe(18);
    expect((await refusedTraces()).filter((n) => n.apiKey === null)).toHaveLength(20);
    const metrics = await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toMatch(/^generate_refused_traces_dropped_total\{limit="per_source"\} 22$/m);
  });
});
