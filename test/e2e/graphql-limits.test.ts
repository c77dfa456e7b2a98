import WebSocket from 'ws';
import { serverAudits } from 'graphql-http';
import { ADMIN_SECRET, startTestApp, wsCollect, type GqlResult, type TestApp } from '../helpers/test-app';

/**
 * One operation policy for HTTP and graphql-ws: parse errors and token limits are the client's
 * (400 GRAPHQL_PARSE_FAILED), the same validation rules and codes on both transports, a bad
 * document fails its own operation only, and the same size limit on both.
 */
const auth = { authorization: `Bearer ${ADMIN_SECRET}` };

async function post(t: TestApp, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: GqlResult }> {
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body });
  const text = await res.text();
  let json: GqlResult = {};
  try {
    json = JSON.parse(text) as GqlResult;
  } catch {
    json = { errors: [{ message: text }] };
  }
  return { status: res.status, json };
}

/** Opens a raw graphql-ws socket, sends connection_init with `key`, resolves once acked (or closed). */
function rawSocket(t: TestApp, key: string | null): Promise<{ ws: WebSocket; acked: boolean; closed: Promise<{ code: number; reason: string }>; messages: Array<Record<string, any>> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const messages: Array<Record<string, any>> = [];
    const closed = new Promise<{ code: number; reason: string }>((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: key ? { authorization: `Bearer ${key}` } : {} })));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Record<string, any>;
      messages.push(m);
      if (m.type === 'connection_ack') resolve({ ws, acked: true, closed, messages });
    });
    void closed.then(() => resolve({ ws, acked: false, closed, messages }));
  });
}

function waitFor<T>(fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = fn();
      if (v !== undefined) return resolve(v);
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('GraphQL operation policy (HTTP and graphql-ws)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.gql('mutation { createPrompt(input: { name: "limits" }) { id } }');
    await t.gql('mutation { createPromptVersion(input: { prompt: "limits", system: "You help." }) { number } }');
    await t.gql('mutation { promotePromptVersion(input: { prompt: "limits", version: 1, label: "production" }) { promoted } }');
  });
  afterAll(() => t?.close());

  it('answers a syntax error with HTTP 400 GRAPHQL_PARSE_FAILED', async () => {
    const r = await post(t, JSON.stringify({ query: '{ traces(' }));
    expect(r.status).toBe(400);
    expect(r.json.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('answers a document over the token limit with HTTP 400 GRAPHQL_PARSE_FAILED', async () => {
    const r = await post(t, JSON.stringify({ query: `{ ${Array.from({ length: 6000 }, () => '__typename').join(' ')} }` }));
    expect(r.status).toBe(400);
    expect(r.json.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(r.json.errors?.[0]?.message).toMatch(/token/i);
  });

  it("passes graphql-http's server audit with no warnings", async () => {
    const audits = serverAudits({
      url: t.url,
      fetchFn: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } }),
    });
    const problems: string[] = [];
    let passed = 0;
    for (const audit of audits) {
      const r = await audit.fn();
      if (r.status === 'ok') passed++;
      // Notices are MAY items (form-encoded GETs...); warnings and errors are SHOULD/MUST.
      else if (r.status !== 'notice') problems.push(`${r.status}: ${audit.name}: ${'reason' in r ? r.reason : ''}`);
    }
    expect(problems).toEqual([]);
    expect(passed).toBeGreaterThanOrEqual(55);
  });

  it('lets traces(first: 500) ask for every field with spans, and says what to do when a query costs too much', async () => {
    const fields = `id createdAt prompt promptVersion label modelId routedBy user sessionId apiKey tags status stopReason cached request
      assembledPrompt output costUsd latencyMs ttftMs guardrailEvents spans { name startedAt durationMs attributes }
      usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
      costByStage { system context history input output cacheRead cacheWrite }`;
    const literal = await t.gql(`{ traces(first: 500) { edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } }`);
    expect(literal.errors).toBeUndefined();
    const variable = await t.gql(`query($n: Int) { traces(first: $n) { edges { node { ${fields} } } } }`, { n: 200 });
    expect(variable.errors).toBeUndefined();
    // Thirty such pages in one document is over the limit: the error says how to get under it.
    const aliases = Array.from({ length: 30 }, (_, i) => `p${i}: traces(first: 500) { edges { node { ${fields} } } }`).join('\n');
    const over = await post(t, JSON.stringify({ query: `{ ${aliases} }` }));
    expect(over.status).toBe(400);
    expect(over.json.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(over.json.errors?.[0]?.message).not.toMatch(/Syntax Error/);
    expect(over.json.errors?.[0]?.message).toMatch(/first/);
  });

  it('counts __typename aliases against the alias limit, with the same code over HTTP and graphql-ws', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const http = await post(t, JSON.stringify({ query }));
    expect(http.status).toBe(400);
    expect(http.json.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(http.json.errors?.[0]?.message).toMatch(/alias/i);
    const ws = await wsCollect(t.ws(), query).catch((errors: Error) => JSON.parse(errors.message) as GqlResult['errors']);
    expect(JSON.stringify(ws)).toMatch(/GRAPHQL_VALIDATION_FAILED/);
    expect(JSON.stringify(ws)).toMatch(/alias/i);
  });

  it('answers a syntax error over graphql-ws with GRAPHQL_PARSE_FAILED on that operation only, not the socket', async () => {
    const app = await t.keyFor('APP');
    const s = await rawSocket(t, app);
    expect(s.acked).toBe(true);
    s.ws.send(
      JSON.stringify({
        id: 'gen',
        type: 'subscribe',
        payload: {
          query: 'subscription($i: GenerateInput!) { generate(input: $i) { __typename } }',
          variables: { i: { prompt: 'limits', input: 'Hi\n#tokens: 20\n#interval-ms: 20' } },
        },
      }),
    );
    await waitFor(() => s.messages.find((m) => m.id === 'gen' && m.type === 'next') ?? undefined);
    s.ws.send(JSON.stringify({ id: 'bad', type: 'subscribe', payload: { query: '{ traces(' } }));
    s.ws.send(JSON.stringify({ id: 'huge', type: 'subscribe', payload: { query: `{ ${Array.from({ length: 6000 }, () => '__typename').join(' ')} }` } }));
    const bad = await waitFor(() => s.messages.find((m) => m.id === 'bad'));
    expect(bad.type).toBe('error');
    expect(bad.payload[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const huge = await waitFor(() => s.messages.find((m) => m.id === 'huge'));
    expect(huge.payload[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const done = await waitFor(() => s.messages.find((m) => m.id === 'gen' && m.type === 'complete'));
    expect(done).toBeDefined();
    const events = s.messages.filter((m) => m.id === 'gen' && m.type === 'next').map((m) => m.payload.data.generate.__typename);
    expect(events.at(-1)).toBe('GenerationCompleted');
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    s.ws.close();
  });

  it('closes connection_init with a bad key with 4403 (forbidden)', async () => {
    const s = await rawSocket(t, 'not-a-valid-key-0123456789');
    expect(s.acked).toBe(false);
    expect((await s.closed).code).toBe(4403);
  });

  it('limits a WebSocket message to the same 5 MB as an HTTP body', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024 + 1024);
    const http = await post(t, JSON.stringify({ query: '{ __typename }', variables: { big } }));
    expect(http.status).toBe(413);
    const s = await rawSocket(t, ADMIN_SECRET);
    s.ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: { big } } }));
    expect((await s.closed).code).toBe(1009);
  });
});

describe('GraphQL operation policy in production (one validation policy for HTTP and graphql-ws)', () => {
  let t: TestApp;
  let app: string;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production' });
    app = await t.keyFor('APP');
  });
  afterAll(() => t?.close());

  it('refuses introspection over HTTP and graphql-ws', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Query") { name } }']) {
      const http = await t.gql(query, undefined, app);
      expect(http.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const ws = await wsCollect(t.ws(app), query).then(
        (r) => JSON.stringify(r),
        (e: Error) => e.message,
      );
      expect(ws).toMatch(/GRAPHQL_VALIDATION_FAILED/);
      expect(ws).not.toMatch(/"types"|"name":"Query"/);
    }
  });

  it('hides field suggestions over HTTP and graphql-ws', async () => {
    const http = await t.gql('{ budgetz { id } }', undefined, app);
    expect(http.errors?.[0]?.message).toBeDefined();
    expect(http.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const ws = await wsCollect(t.ws(app), '{ budgetz { id } }').then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    expect(ws).toMatch(/GRAPHQL_VALIDATION_FAILED/);
    expect(ws).not.toMatch(/Did you mean/);
  });
});
