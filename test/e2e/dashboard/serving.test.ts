import http from 'node:http';
import express from 'express';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { ensureDashboardBuilt } from '../../helpers/browser';
import { dashboardModule } from '../../../src/dashboard';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('serving the dashboard and the offline GraphQL landing page', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    ensureDashboardBuilt();
    t = await startTestApp();
    base = t.url.replace(/\/graphql$/, '');
  }, 120_000);
  afterAll(() => t?.close());

  it('answers /dashboard and any path below it with the app page: HTML, revalidated, a same-origin CSP', async () => {
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/traces/0b3c', '/dashboard/prompts/support']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
      const html = await res.text();
      expect(html).toContain('<div id="app">');
      // Every script and style the page names is the service's own.
      const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
      expect(refs.length).toBeGreaterThan(0);
      for (const u of refs) expect(u).toMatch(/^\/dashboard\/assets\//);
    }
  });

  it('serves the hashed assets with their content types, cached for a year; a missing asset is a 404, not the page', async () => {
    const html = await (await fetch(`${base}/dashboard`)).text();
    const js = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const css = /href="(\/dashboard\/assets\/[^"]+\.css)"/.exec(html)![1]!;
    const r1 = await fetch(base + js);
    expect(r1.status).toBe(200);
    expect(r1.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(r1.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(r1.headers.get('x-content-type-options')).toBe('nosniff');
    const r2 = await fetch(base + css);
    expect(r2.headers.get('content-type')).toMatch(/^text\/css/);
    const missing = await fetch(`${base}/dashboard/assets/nope-123.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });

  it('a browser GET /graphql gets the local GraphiQL page; API clients still get the API', async () => {
    const page = await fetch(t.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="graphiql">');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toContain('apollographql');
    // A GET with a query is an API call, whatever the Accept header.
    const get = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: BROWSER_ACCEPT, authorization: 'Bearer test-admin-secret-0123456789abcdef', 'apollo-require-preflight': '1' },
    });
    expect(((await get.json()) as { data: unknown }).data).toEqual({ __typename: 'Query' });
    // A JSON client's GET without a query is not the landing page.
    const json = await fetch(t.url, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    const post = await t.gql('{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
  });

  it('says how to build when the dashboard is not built (503, not a blank page)', async () => {
    const app = express();
    const dashboard = dashboardModule.create({ dir: '/nonexistent/dashboard/dist' });
    app.use(dashboard.router);
    app.get('/graphql', dashboard.landingPage);
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    try {
      for (const [path, accept] of [
        ['/dashboard', '*/*'],
        ['/graphql', BROWSER_ACCEPT],
      ]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept: accept! } });
        expect(res.status).toBe(503);
        expect(await res.text()).toContain('npm run build');
      }
    } finally {
      server.close();
    }
  });
});
