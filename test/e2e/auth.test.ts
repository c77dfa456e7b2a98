import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';

describe('API keys and roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses a request without a key or with a bad key as UNAUTHENTICATED', async () => {
    for (const key of [null, 'not-a-key']) {
      const r = await t.gql('{ apiKeys { id } }', {}, key);
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(r.data ?? null).toBeNull();
    }
  });

  it('creates a key whose secret is shown once and stored hashed, and lists it', async () => {
    const r = await t.gql('mutation { createApiKey(name: "bi-tool", role: ANALYST) { secret apiKey { id name role revokedAt } } }');
    expect(r.errors).toBeUndefined();
    const { secret, apiKey } = r.data!.createApiKey;
    expect(secret).toMatch(/^gcp_/);
    expect(apiKey).toMatchObject({ name: 'bi-tool', role: 'ANALYST', revokedAt: null });
    const rows = await t.app.dataSource.query('SELECT secret_hash FROM api_keys WHERE id = $1', [apiKey.id]);
    expect(rows[0].secret_hash).not.toContain(secret);
    expect(rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const list = await t.gql('{ apiKeys { name role } }');
    expect(list.data!.apiKeys).toEqual(expect.arrayContaining([{ name: 'bi-tool', role: 'ANALYST' }]));
    const own = await t.gql('{ apiKeys { name } }', {}, secret);
    expect(own.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('allows only ADMIN to manage keys', async () => {
    for (const role of ['APP', 'ANALYST', 'CI'] as const) {
      const key = await t.keyFor(role);
      const r = await t.gql('mutation { createApiKey(name: "x", role: ADMIN) { secret } }', {}, key);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('answers a duplicate key name with CONFLICT and an empty name with BAD_USER_INPUT naming the field', async () => {
    await t.gql('mutation { createApiKey(name: "dup", role: APP) { secret } }');
    const dup = await t.gql('mutation { createApiKey(name: "dup", role: APP) { secret } }');
    expect(dup.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const empty = await t.gql('mutation { createApiKey(name: "  ", role: APP) { secret } }');
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0]?.message).toMatch(/^name:/);
    const badRole = await t.gql('mutation { createApiKey(name: "r", role: ROOT) { secret } }');
    expect(badRole.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  it('refuses a revoked key at once, over HTTP and over an open graphql-ws connection', async () => {
    const created = await t.gql('mutation { createApiKey(name: "to-revoke", role: ANALYST) { secret apiKey { id } } }');
    const { secret, apiKey } = created.data!.createApiKey;
    const client = t.ws(secret, { keepOpen: true });
    const before = await wsCollect(client, '{ traces(first: 1) { edges { cursor } } }');
    expect(before[0]!.errors).toBeUndefined();
    const closedWith = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    const rev = await t.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id });
    expect(rev.data!.revokeApiKey).toBe(true);
    const http = await t.gql('{ traces(first: 1) { edges { cursor } } }', {}, secret);
    expect(http.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The open connection of the revoked key is closed (4403), so nothing more runs on it.
    expect(await closedWith).toBe(4403);
    const unknown = await t.gql('mutation { revokeApiKey(id: "00000000-0000-0000-0000-000000000000") }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await t.gql('mutation { revokeApiKey(id: "nope") }');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a graphql-ws connection without a valid key', async () => {
    const client = t.ws('wrong');
    await expect(wsCollect(client, '{ apiKeys { id } }')).rejects.toBeTruthy();
  });

  it('checks roles over graphql-ws too', async () => {
    const app = await t.keyFor('APP');
    const r = await wsCollect(t.ws(app), '{ apiKeys { id } }');
    expect(r[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const ok = await wsCollect(t.ws(), '{ apiKeys { id } }');
    expect(ok[0]!.data!.apiKeys.length).toBeGreaterThan(0);
  });
});
