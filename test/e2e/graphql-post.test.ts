import http from 'node:http';
import express from 'express';
import { startTestApp, ADMIN_SECRET, type TestApp } from '../helpers/test-app';
import { createBriefPrompt } from '../helpers/prompts';

/**
 * The direct POST route (`src/graphql/graphql-post.ts`) answers exactly as the express route: the same
 * status, the same response headers in the same order and spelling, the same bytes. `POST /graphql/`
 * (a trailing slash) always takes the express route, so each request is sent both ways and compared.
 */

interface Answer {
  status: number;
  /** Header name/value pairs as sent, Date left out; ETag and Content-Length checked apart when a body holds a fresh id. */
  headers: string[];
  body: string;
}

function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const pairs: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() !== 'date') pairs.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode!, headers: pairs, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Ids a request mints afresh (a refused generation's trace id, a key's secret) made equal, with the headers that follow from the body. */
function normalized(a: Answer): Answer {
  const body = a.body.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/"(latencyMs|ttftMs)":\d+(\.\d+)?/g, '"$1":0');
  if (body === a.body) return a;
  const etag = a.headers.find((h) => h.startsWith('ETag: '));
  const length = a.headers.find((h) => h.startsWith('Content-Length: '));
  // The tag still belongs to the bytes sent: W/"<length in hex>-<27 base64 characters>".
  expect(etag).toMatch(new RegExp(`^ETag: W/"${Buffer.byteLength(a.body).toString(16)}-[A-Za-z0-9+/]{27}"$`));
  expect(length).toBe(`Content-Length: ${Buffer.byteLength(a.body)}`);
  return { ...a, body, headers: a.headers.map((h) => (h === etag ? 'ETag: <tag>' : h === length ? 'Content-Length: <n>' : h)) };
}

const ONCE = 'mutation($i: GenerateInput!) { generateOnce(input: $i) { status text modelId cached error { code message } usage { inputTokens outputTokens } } }';

describe('POST /graphql: the direct route answers as the express route', () => {
  let t: TestApp;
  let withCors: TestApp;
  let app: string;
  let analyst: string;
  /** Requests express's app handled (its `handle`, spied before the apps were made). */
  let handled = 0;
  beforeAll(async () => {
    const proto = express.application as unknown as { handle: (...args: unknown[]) => unknown };
    const handle = proto.handle;
    proto.handle = function (this: unknown, ...args: unknown[]) {
      handled++;
      return handle.apply(this, args);
    };
    t = await startTestApp();
    withCors = await startTestApp({ CORS_ORIGINS: 'https://admin.example.com' });
    proto.handle = handle;
    app = await t.keyFor('APP', 'post-app');
    analyst = await t.keyFor('ANALYST', 'post-analyst');
    await createBriefPrompt(t, 'post-route');
  });
  afterAll(async () => {
    await t?.close();
    await withCors?.close();
  });

  const json = (o: unknown) => JSON.stringify(o);
  let n = 0;
  /** Fixed trace context and request id, so both answers carry the same ids. */
  const fixed = () => {
    const id = (++n).toString(16).padStart(12, '0');
    return { traceparent: `00-4bf92f3577b34da6a3ce${id}-00f067aa0ba902b7-01`, 'x-request-id': `post-route-${id}` };
  };
  const once = (input: Record<string, unknown>) => json({ query: ONCE, variables: { i: input } });

  // [what, body, headers, taken by the direct route]
  const cases = (): Array<[string, string | Buffer, Record<string, string>, boolean]> => [
    ['a query without a key', json({ query: '{ __typename }' }), {}, true],
    ['an admin query', json({ query: '{ prompts { name versions { number system } } }' }), { authorization: `Bearer ${ADMIN_SECRET}` }, true],
    ['generateOnce, completed', once({ prompt: 'post-route', input: 'Say hi.\n#reply: Hi there.', cache: 'BYPASS' }), { authorization: `Bearer ${app}` }, true],
    ['generateOnce, bad input (field named)', once({ prompt: 'post-route', input: 'x', maxTokens: -5 }), { authorization: `Bearer ${app}` }, true],
    ['generateOnce, a variable of the wrong type', json({ query: ONCE, variables: { i: { prompt: 7, input: 'x' } } }), { authorization: `Bearer ${app}` }, true],
    ['generateOnce, no key (refused, traced)', once({ prompt: 'post-route', input: 'hi' }), {}, true],
    ['generateOnce, a revoked or unknown key', once({ prompt: 'post-route', input: 'hi' }), { authorization: 'Bearer not-a-key' }, true],
    ['generateOnce, a role that may not', once({ prompt: 'post-route', input: 'hi' }), { authorization: `Bearer ${analyst}` }, true],
    ['a syntax error', json({ query: '{ prompts { ' }), { authorization: `Bearer ${ADMIN_SECRET}` }, true],
    ['an unknown field', json({ query: '{ nope }' }), {}, true],
    ['a request error to a plain-JSON client (200)', json({ query: '{ nope }' }), { accept: 'application/json' }, true],
    ['a request error to a client that accepts anything', json({ query: '{ nope }' }), { accept: '*/*' }, true],
    ['generateOnce to a client that accepts anything', once({ prompt: 'post-route', input: 'Hello.\n#reply: Hello.', cache: 'BYPASS' }), { authorization: `Bearer ${app}`, accept: '*/*' }, true],
    ['a client that accepts only the GraphQL response type', json({ query: '{ nope }' }), { accept: 'application/graphql-response+json' }, true],
    ['no query', json({}), {}, true],
    ['whitespace before the object, charset named', ` \n${json({ query: '{ __typename }' })}`, { 'content-type': 'application/json; charset=utf-8' }, true],
    ['a batch (refused)', json([{ query: '{ __typename }' }]), {}, false],
    ['invalid JSON', '{"query": ', {}, false],
    ['a JSON string', json('{ __typename }'), {}, false],
    ['a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json({ query: '{ __typename }' }))]), {}, false],
    ['another content type', 'query=1', { 'content-type': 'application/x-www-form-urlencoded' }, false],
    ['a body over the limit', Buffer.alloc(5 * 1024 * 1024 + 1, 0x20), {}, false],
  ];

  it.each(cases().map(([what], i) => [what, i] as const))('%s', async (_what, i) => {
    const [, body, headers, direct] = cases()[i]!;
    for (const target of [t, withCors]) {
      const h = { 'content-type': 'application/json', ...(target === withCors ? { origin: 'https://admin.example.com' } : {}), ...headers };
      const ids = fixed();
      const before = handled;
      const viaPost = await post(target.url, body, { ...h, ...ids });
      // A direct answer never reaches express; what the direct route leaves (or hands over) does.
      expect(handled - before).toBe(direct ? 0 : 1);
      const viaExpress = await post(`${target.url}/`, body, { ...h, ...ids });
      expect(handled - before).toBe(direct ? 1 : 2);
      expect(normalized(viaPost)).toEqual(normalized(viaExpress));
    }
  });

  it('a client that goes away before its answer still stops the generation (traced as client_disconnected)', async () => {
    const body = once({ prompt: 'post-route', input: 'Go on.\n#delay-ms: 3000', user: 'u-http-gone', cache: 'BYPASS' });
    const startedAt = Date.now();
    await new Promise<void>((resolve) => {
      const req = http.request(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${app}` } });
      req.on('error', () => resolve());
      req.end(body);
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 400);
    });
    let node: { status: string; stopReason: string } | undefined;
    for (let i = 0; i < 50 && !node; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await t.app.services.traces.writer.flush();
      const r = await t.gql<{ traces: { edges: Array<{ node: { status: string; stopReason: string } }> } }>(
        '{ traces(filter: { user: "u-http-gone" }, first: 5) { edges { node { status stopReason } } } }',
      );
      node = r.data?.traces.edges[0]?.node;
    }
    expect(node).toEqual({ status: 'FAILED', stopReason: 'client_disconnected' });
    // The model's 3 s answer was not waited for.
    expect(Date.now() - startedAt).toBeLessThan(2900);
  });

  it('the express route sends X-Powered-By, CORS, Apollo’s headers, then type, length and a weak ETag', async () => {
    const a = await post(`${withCors.url}/`, json({ query: '{ __typename }' }), { 'content-type': 'application/json', origin: 'https://admin.example.com', 'x-request-id': 'fixed-1' });
    expect(a.headers.map((h) => h.split(':')[0])).toEqual([
      'X-Powered-By',
      'Access-Control-Allow-Origin',
      'Vary',
      'Access-Control-Expose-Headers',
      'x-request-id',
      'cache-control',
      'Content-Type',
      'Content-Length',
      'ETag',
      'Connection',
      'Keep-Alive',
    ]);
  });
});
