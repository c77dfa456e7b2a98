import { startTestApp, type TestApp } from '../../helpers/test-app';

// The module object itself (an `import * as` copy would not see the spy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crypto = require('node:crypto') as typeof import('node:crypto');

/**
 * A secret verified once is remembered for a few seconds (no SHA-256 per request), and any key change
 * forgets it at once: a revoke in this process, or one from another process arriving through the bus.
 */
describe('API key verification', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  const sha256Calls = (spy: jest.SpyInstance) => spy.mock.calls.filter((c) => c[0] === 'sha256').length;

  it('hashes a secret once for many requests, never remembers an unknown one', async () => {
    const secret = await t.keyFor('APP', 'verified-once');
    const keys = t.app.services.apiKeys;
    const hashes = jest.spyOn(crypto, 'createHash');
    for (let i = 0; i < 50; i++) expect((await keys.authenticate(secret))?.name).toBe('verified-once');
    expect(sha256Calls(hashes)).toBe(1);
    hashes.mockClear();
    for (let i = 0; i < 3; i++) expect(await keys.authenticate(`${secret}x`)).toBeNull();
    expect(sha256Calls(hashes)).toBe(3);
  });

  it('refuses a revoked key at once in the same process, right after it was verified many times', async () => {
    const created = await t.mustGql<{ createApiKey: { secret: string; apiKey: { id: string } } }>('mutation { createApiKey(name: "revoked-at-once", role: ANALYST) { secret apiKey { id } } }');
    const { secret, apiKey } = created.createApiKey;
    for (let i = 0; i < 20; i++) expect(await t.app.services.apiKeys.authenticate(secret)).not.toBeNull();
    expect((await t.gql('{ traces(first: 1) { edges { cursor } } }', {}, secret)).errors).toBeUndefined();
    expect(await t.app.services.apiKeys.revoke(apiKey.id, 'test')).toBe(true);
    expect(await t.app.services.apiKeys.authenticate(secret)).toBeNull();
    const after = await t.gql('{ traces(first: 1) { edges { cursor } } }', {}, secret);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses at once a key revoked by another process (its change through the bus), though this one remembered it', async () => {
    const created = await t.mustGql<{ createApiKey: { secret: string; apiKey: { id: string } } }>('mutation { createApiKey(name: "revoked-elsewhere", role: APP) { secret apiKey { id } } }');
    const { secret, apiKey } = created.createApiKey;
    for (let i = 0; i < 5; i++) expect(await t.app.services.apiKeys.authenticate(secret)).not.toBeNull();
    // What another process's revoke does here: the row changes, then the topic arrives on the bus.
    await t.app.dataSource.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [apiKey.id]);
    await t.app.bus.publish('api_keys');
    expect(await t.app.services.apiKeys.authenticate(secret)).toBeNull();
  });
});
