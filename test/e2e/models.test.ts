import { ADMIN_SECRET, startTestApp, type TestApp } from '../helpers/test-app';

const MODEL_FIELDS =
  'id name provider kind prices { input output cacheRead cacheWrite } catalogPrices { input output cacheRead cacheWrite } priceOverridden priceUpdatedBy maxOutputTokens contextWindow supportsPromptCaching promptCacheMinTokens profileOnly available';
const SET = `mutation($id: String!, $p: ModelPriceInput!) { setModelPrice(modelId: $id, input: $p) { ${MODEL_FIELDS} } }`;
const CLEAR = `mutation($id: String!) { clearModelPrice(modelId: $id) { ${MODEL_FIELDS} } }`;
const SONNET_45 = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

describe('models and price overrides', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('runs on the in-process emulator in tests', () => {
    const models = t.app.services.models;
    expect(models.mode).toBe('emulator');
    expect(models.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('lists the catalog with prices, limits and availability to ADMIN and ANALYST, not to APP', async () => {
    const analyst = await t.keyFor('ANALYST');
    for (const key of [ADMIN_SECRET, analyst]) {
      const r = await t.gql(`{ models { ${MODEL_FIELDS} } }`, {}, key);
      expect(r.errors).toBeUndefined();
      const byId = new Map(r.data!.models.map((m: { id: string }) => [m.id, m]));
      expect(byId.get('amazon.nova-lite-v1:0')).toEqual({
        id: 'amazon.nova-lite-v1:0',
        name: 'Nova Lite',
        provider: 'Amazon',
        kind: 'chat',
        prices: { input: 0.06, output: 0.24, cacheRead: 0.015, cacheWrite: 0.06 },
        catalogPrices: { input: 0.06, output: 0.24, cacheRead: 0.015, cacheWrite: 0.06 },
        priceOverridden: false,
        priceUpdatedBy: null,
        maxOutputTokens: 10000,
        contextWindow: 300000,
        supportsPromptCaching: true,
        promptCacheMinTokens: 1536,
        profileOnly: false,
        available: true,
      });
      expect(byId.get('anthropic.claude-sonnet-4-20250514-v1:0')).toMatchObject({
        prices: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
        supportsPromptCaching: true,
        profileOnly: true,
        // Only callable through an inference profile: the base id is not available as is.
        available: false,
      });
      expect(byId.get('meta.llama3-3-70b-instruct-v1:0')).toMatchObject({ prices: { input: 0.72, output: 0.72, cacheRead: null, cacheWrite: null }, supportsPromptCaching: false });
      expect(byId.get('amazon.titan-embed-text-v2:0')).toMatchObject({ kind: 'embedding', prices: { input: 0.02 } });
    }
    const app = await t.keyFor('APP');
    expect((await t.gql('{ models { id } }', {}, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql('{ models { id } }', {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('sets and clears a price override (ADMIN only), applied at once to billing, audited', async () => {
    for (const role of ['APP', 'ANALYST', 'CI'] as const) {
      const key = await t.keyFor(role);
      const r = await t.gql(SET, { id: SONNET_45, p: { input: 1, output: 2 } }, key);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const c = await t.gql(CLEAR, { id: SONNET_45 }, key);
      expect(c.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }

    const set = await t.gql(SET, { id: SONNET_45, p: { input: 2.5, output: 12.5, cacheRead: 0.25 } });
    expect(set.errors).toBeUndefined();
    expect(set.data!.setModelPrice).toMatchObject({
      id: SONNET_45,
      prices: { input: 2.5, output: 12.5, cacheRead: 0.25, cacheWrite: 3.75 },
      catalogPrices: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
      priceOverridden: true,
      priceUpdatedBy: 'bootstrap-admin',
    });
    const pricing = t.app.services.models.pricing;
    // The hot path reads the in-memory snapshot: the base id, and geographic profiles with their 10% premium.
    expect(pricing.pricesFor(SONNET_45)).toEqual({ input: 2.5, output: 12.5, cacheRead: 0.25, cacheWrite: 3.75 });
    expect(pricing.pricesFor(`global.${SONNET_45}`)).toEqual({ input: 2.5, output: 12.5, cacheRead: 0.25, cacheWrite: 3.75 });
    expect(pricing.pricesFor(`us.${SONNET_45}`)).toEqual({ input: 2.75, output: 13.75, cacheRead: 0.275, cacheWrite: 4.125 });
    expect(pricing.modelInfo(`us.${SONNET_45}`)?.prices.input).toBe(2.75);
    expect(pricing.costByStage(SONNET_45, { system: 1_000_000, context: 0, history: 0, input: 0, output: 1_000_000, cacheRead: 0, cacheWrite: 0 })?.total).toBe(15_000_000);

    const rows = await t.app.dataSource.query('SELECT input_usd_per_mtok::text AS i, cache_write_usd_per_mtok AS cw FROM model_price_overrides WHERE model_id = $1', [SONNET_45]);
    expect(rows).toEqual([{ i: '2.500000', cw: null }]);

    const again = await t.gql(SET, { id: SONNET_45, p: { input: 2, output: 10 } });
    expect(again.data!.setModelPrice.prices).toEqual({ input: 2, output: 10, cacheRead: 0.3, cacheWrite: 3.75 });
    const listed = await t.gql(`{ models { ${MODEL_FIELDS} } }`);
    expect(listed.data!.models.find((m: { id: string }) => m.id === SONNET_45)).toMatchObject({ priceOverridden: true, prices: { input: 2, output: 10 } });

    const cleared = await t.gql(CLEAR, { id: SONNET_45 });
    expect(cleared.data!.clearModelPrice).toMatchObject({ priceOverridden: false, prices: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } });
    expect(pricing.pricesFor(SONNET_45)).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });

    const audit = await t.gql('{ auditLog(first: 20) { edges { node { actor action entityType entityName before after } } } }');
    const entries = audit.data!.auditLog.edges.map((e: { node: Record<string, any> }) => e.node).filter((n: { entityType: string }) => n.entityType === 'ModelPrice');
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(entries[0]).toMatchObject({ actor: 'bootstrap-admin', entityName: SONNET_45, after: null, before: { input: 2, output: 10 } });
    expect(entries[1]).toMatchObject({ before: { input: 2.5 }, after: { input: 2, output: 10, cacheRead: null } });
  });

  it('prices one inference profile on its own when the override names the profile id', async () => {
    const profile = `eu.${SONNET_45}`;
    const r = await t.gql(SET, { id: profile, p: { input: 3.5, output: 17 } });
    expect(r.data!.setModelPrice).toMatchObject({ id: profile, prices: { input: 3.5, output: 17, cacheRead: 0.33, cacheWrite: 4.125 } });
    expect(t.app.services.models.pricing.pricesFor(profile)?.input).toBe(3.5);
    expect(t.app.services.models.pricing.pricesFor(`us.${SONNET_45}`)?.input).toBe(3.3);
    const listed = await t.gql('{ models { id priceOverridden } }');
    expect(listed.data!.models).toContainEqual({ id: profile, priceOverridden: true });
    await t.gql(CLEAR, { id: profile });
    const after = await t.gql('{ models { id } }');
    expect(after.data!.models.map((m: { id: string }) => m.id)).not.toContain(profile);
  });

  it('refuses bad prices as BAD_USER_INPUT naming the field, and unknown models as NOT_FOUND', async () => {
    const bad = [
      [{ input: -1, output: 1 }, 'input.input'],
      [{ input: 1, output: -0.5 }, 'input.output'],
      [{ input: 1, output: 1, cacheRead: -2 }, 'input.cacheRead'],
      [{ input: 1, output: 1, cacheWrite: 0.0000001 }, 'input.cacheWrite'],
    ] as const;
    for (const [p, field] of bad) {
      const r = await t.gql(SET, { id: SONNET_45, p });
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}:`));
    }
    const unknown = await t.gql(SET, { id: 'acme.unknown-v1:0', p: { input: 1, output: 1 } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const unknownClear = await t.gql(CLEAR, { id: 'acme.unknown-v1:0' });
    expect(unknownClear.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const missing = await t.gql(SET, { id: SONNET_45, p: { input: 1 } });
    expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.app.services.models.pricing.pricesFor(SONNET_45)?.input).toBe(3);
  });
});
