import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';

/**
 * A database outage is not a server bug: while a throwaway PostgreSQL (the test's own) is down,
 * requests get SERVICE_UNAVAILABLE with a retry hint, /readyz fails while /livez stays up,
 * generations whose config is cached still serve, and one a budget covers is refused (the ledger
 * cannot reserve: no spend is admitted unreserved).
 */
describe('database outage', () => {
  let pg: ThrowawayPostgres;
  let t: TestApp;
  let app: string;
  const base = () => t.url.replace(/\/graphql$/, '');
  const ONCE = 'mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status text error { traceId code message } } }';

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    t = await startTestApp({ DATABASE_URL: pg.url });
    app = await t.keyFor('APP');
    for (const name of ['open', 'budgeted']) {
      await t.gql('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
      await t.gql('mutation($n: String!) { createPromptVersion(input: { prompt: $n, system: "You help." }) { number } }', { n: name });
      await t.gql('mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name });
    }
    await t.gql('mutation { createBudget(input: { name: "b", scope: PROMPT, scopeValue: "budgeted", period: DAILY, limitUsd: 5 }) { id } }');
    // Warm the config caches as traffic would.
    for (const prompt of ['open', 'budgeted']) {
      const r = await t.gql(ONCE, { i: { prompt, input: 'warm up' } }, app);
      expect(r.data?.generateOnce.status).toBe('COMPLETED');
    }
  }, 120_000);
  afterAll(async () => {
    await pg.start().catch(() => undefined);
    await t?.close();
    await pg?.destroy();
  });

  it('answers SERVICE_UNAVAILABLE with a retry hint, fails /readyz, keeps /livez, serves cached config, refuses budgeted spend', async () => {
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
    await pg.stop('fast');

    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-secret-0123456789abcdef' },
      body: JSON.stringify({ query: '{ budgets { name } }' }),
    });
    const body = (await res.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);

    const ws = await wsCollect(t.ws(), '{ budgets { name } }').then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    expect(ws).toMatch(/SERVICE_UNAVAILABLE/);
    expect(ws).not.toMatch(/INTERNAL/);

    expect((await fetch(`${base()}/livez`)).status).toBe(200);
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.database).toMatch(/unreachable/);
    expect((await fetch(`${base()}/healthz`)).status).toBe(503);

    const served = await t.gql(ONCE, { i: { prompt: 'open', input: 'still there?' } }, app);
    expect(served.errors).toBeUndefined();
    expect(served.data!.generateOnce.status).toBe('COMPLETED');

    const refused = await t.gql(ONCE, { i: { prompt: 'budgeted', input: 'spend?' } }, app);
    expect(refused.errors).toBeUndefined();
    expect(refused.data!.generateOnce).toMatchObject({ status: 'FAILED', error: { code: 'SERVICE_UNAVAILABLE' } });

    await pg.start();
    const t0 = Date.now();
    while ((await fetch(`${base()}/readyz`)).status !== 200) {
      if (Date.now() - t0 > 30_000) throw new Error('not ready again within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await t.gql('{ budgets { name } }')).errors).toBeUndefined();
    // The traces of the outage were retried, not dropped: both are stored now.
    await t.app.services.traces.writer.flush();
    for (const id of [served.data!.generateOnce.traceId, refused.data!.generateOnce.error.traceId]) {
      const r = await t.gql('query($id: ID!) { trace(id: $id) { id status } }', { id });
      expect(r.data?.trace?.id).toBe(id);
    }
  });
});
