import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';

/**
 * Every request, accepted or refused, writes a trace and the answer names it; what cannot be stored
 * as is (lone surrogates, huge or very deep fields) is sanitized, never dropped.
 */
describe('a trace for every request', () => {
  let t: TestApp;
  let app: string;
  const ONCE = 'mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status text error { traceId code message } } }';
  const TRACE = 'query($id: ID!) { trace(id: $id) { id status user request output } }';

  beforeAll(async () => {
    t = await startTestApp();
    app = await t.keyFor('APP');
    await t.gql('mutation { createPrompt(input: { name: "tr" }) { id } }');
    await t.gql('mutation { createPromptVersion(input: { prompt: "tr", system: "You help {{who}}." }) { number } }');
    await t.gql('mutation { promotePromptVersion(input: { prompt: "tr", version: 1, label: "production" }) { promoted } }');
  });
  afterAll(() => t?.close());

  async function stored(id: string) {
    await t.app.services.traces.writer.flush();
    const r = await t.gql(TRACE, { id });
    expect(r.errors).toBeUndefined();
    return r.data!.trace as Record<string, any> | null;
  }
  const dropped = async () => {
    const text = await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text();
    return Number(/^trace_writer_dropped_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };

  it('stores the trace of a completed generation whose input and user hold lone surrogates (replaced, not dropped)', async () => {
    const r = await t.gql(ONCE, { i: { prompt: 'tr', variables: { who: 'x\ud800y' }, input: 'hi \ud800 there \udfff', user: 'u\udc00' } }, app);
    expect(r.errors).toBeUndefined();
    expect(r.data!.generateOnce.status).toBe('COMPLETED');
    const trace = await stored(r.data!.generateOnce.traceId);
    expect(trace).not.toBeNull();
    expect(trace!.request.input).toBe('hi \ufffd there \ufffd');
    expect(trace!.user).toBe('u\ufffd');
    expect(await dropped()).toBe(0);
  });

  it('traces a refused request (variables: "abc") and names the trace in extensions.traceId', async () => {
    const r = await t.gql(ONCE, { i: { prompt: 'tr', variables: 'abc', input: 'hi' } }, app);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const traceId = r.errors?.[0]?.extensions?.traceId as string;
    expect(traceId).toMatch(/^[0-9a-f-]{36}$/);
    const trace = await stored(traceId);
    expect(trace).toMatchObject({ id: traceId, status: 'FAILED' });
    expect(JSON.stringify(trace!.request)).toContain('abc');
    expect(await dropped()).toBe(0);
  });

  it('traces a huge refused input over graphql-ws truncated with a marker and its original size', async () => {
    const input = 'y'.repeat(2_000_000);
    const results = await wsCollect(t.ws(app), ONCE, { i: { prompt: 'tr', input } });
    const err = results[0]!.errors![0]!;
    expect(err.extensions?.code).toBe('BAD_USER_INPUT');
    const trace = await stored(err.extensions!.traceId as string);
    const storedInput = trace!.request.input as string;
    expect(storedInput.length).toBeLessThan(200_000);
    expect(storedInput).toContain('truncated');
    expect(storedInput.slice(-60)).toContain('2000000');
  });

  it('answers JSON variables nested 5,000 levels without an internal error, and traces the request', async () => {
    // Built as text: JSON.stringify itself runs out of stack on such a value in the test runner.
    const deep = '{"d":'.repeat(5000) + '"leaf"' + '}'.repeat(5000);
    const body = `{"query":${JSON.stringify(ONCE)},"variables":{"i":{"prompt":"tr","input":"hi","variables":{"who":${deep}}}}}`;
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${app}` }, body });
    expect(res.status).toBeLessThan(500);
    const r = (await res.json()) as { data?: { generateOnce?: { traceId?: string } }; errors?: Array<{ extensions?: Record<string, unknown> }> };
    expect(JSON.stringify(r.errors ?? [])).not.toMatch(/INTERNAL/);
    const traceId = (r.data?.generateOnce?.traceId ?? r.errors?.[0]?.extensions?.traceId) as string;
    expect(traceId).toBeTruthy();
    expect(await stored(traceId)).not.toBeNull();
    expect(await dropped()).toBe(0);
  });
});
