import http from 'node:http';
import { startTestApp, type TestApp } from '../helpers/test-app';

/** One POST on `agent`; resolves with the status once the answer is read. */
function post(agent: http.Agent, url: string): Promise<number> {
  const body = JSON.stringify({ query: '{ __typename }' });
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP keep-alive (HTTP_KEEP_ALIVE_SECONDS)', () => {
  let t: TestApp;
  let short: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    short = await startTestApp({ HTTP_KEEP_ALIVE_SECONDS: '2' });
  });
  afterAll(async () => {
    await t?.close();
    await short?.close();
  });

  it('keeps an idle connection past Node’s 5 s default (65 s by default), so a client pausing 6 s reuses it; a shorter setting closes it', async () => {
    const connections = (app: TestApp) => {
      let n = 0;
      app.app.server.httpServer.on('connection', () => n++);
      return () => n;
    };
    const opened = connections(t);
    const openedShort = connections(short);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const agentShort = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await post(agent, t.url)).toBe(200);
    expect(await post(agentShort, short.url)).toBe(200);
    await new Promise((r) => setTimeout(r, 6000));
    expect(await post(agent, t.url)).toBe(200);
    expect(await post(agentShort, short.url)).toBe(200);
    expect(opened()).toBe(1);
    expect(openedShort()).toBe(2);
    expect(t.app.server.httpServer.headersTimeout).toBeGreaterThan(t.app.server.httpServer.keepAliveTimeout);
    agent.destroy();
    agentShort.destroy();
  }, 20_000);
});
