import { startTestApp, type TestApp } from '../helpers/test-app';

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });

describe('CORS (CORS_ORIGINS)', () => {
  let off: TestApp;
  let on: TestApp;
  beforeAll(async () => {
    off = await startTestApp();
    on = await startTestApp({ CORS_ORIGINS: 'https://admin.example.com, https://bi.example.com' });
  });
  afterAll(async () => {
    await off?.close();
    await on?.close();
  });

  it('is off by default: no CORS header, so a browser on another origin is refused', async () => {
    const res = await preflight(off.url, 'https://admin.example.com');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights of a listed origin, allowing the Authorization header, and no other origin', async () => {
    const ok = await preflight(on.url, 'https://admin.example.com');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const post = await fetch(on.url, {
      method: 'POST',
      headers: { origin: 'https://bi.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBe('https://bi.example.com');
    // The request id is readable by the browser tool, to quote it in a bug report.
    expect(post.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/traceparent/);
    const other = await preflight(on.url, 'https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
