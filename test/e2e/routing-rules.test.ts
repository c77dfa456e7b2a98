import { startTestApp, type TestApp } from '../helpers/test-app';

const FIELDS = 'id name priority enabled condition targetModelId fallbackModelIds createdAt updatedAt';
const CREATE = `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: RoutingRuleInput!) { updateRoutingRule(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = 'mutation($id: ID!) { deleteRoutingRule(id: $id) }';
const LIST = `{ routingRules { ${FIELDS} } }`;

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
// A profile id: the base id of a profile-only model is refused in rules and versions.
const SONNET = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';

describe('routing rules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const create = (input: Record<string, unknown>, key?: string) => t.gql(CREATE, { input }, key);

  it('creates rules with defaults and lists them in the order they are tried', async () => {
    const long = await create({ name: 'long-inputs', priority: 10, condition: { minInputTokens: 4000 }, targetModelId: SONNET, fallbackModelIds: [HAIKU] });
    expect(long.errors).toBeUndefined();
    expect(long.data!.createRoutingRule).toMatchObject({
      name: 'long-inputs',
      priority: 10,
      enabled: true,
      condition: { minInputTokens: 4000 },
      targetModelId: SONNET,
      fallbackModelIds: [HAIKU],
    });
    expect(long.data!.createRoutingRule.id).toMatch(/^[0-9a-f-]{36}$/);
    const code = await create({ name: 'code', priority: 5, condition: { hasCode: true, keywordsAny: ['bug'] }, targetModelId: SONNET });
    expect(code.data!.createRoutingRule).toMatchObject({ enabled: true, fallbackModelIds: [] });
    const catchAll = await create({ name: 'a-catch-all', priority: 10, enabled: false, condition: {}, targetModelId: NOVA });
    expect(catchAll.data!.createRoutingRule.enabled).toBe(false);

    const list = await t.gql(LIST);
    expect(list.data!.routingRules.map((r: { name: string }) => r.name)).toEqual(['code', 'a-catch-all', 'long-inputs']);
  });

  it('lets ANALYST and CI read rules, refuses APP, and lets only ADMIN change them', async () => {
    for (const role of ['ANALYST', 'CI'] as const) {
      const r = await t.gql(LIST, {}, await t.keyFor(role));
      expect(r.errors).toBeUndefined();
      expect(r.data!.routingRules.length).toBeGreaterThan(0);
    }
    const app = await t.gql(LIST, {}, await t.keyFor('APP'));
    expect(app.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const [some] = (await t.gql(LIST)).data!.routingRules;
    for (const role of ['APP', 'ANALYST', 'CI'] as const) {
      const key = await t.keyFor(role);
      const input = { name: `by-${role}`, priority: 1, condition: {}, targetModelId: NOVA };
      expect((await create(input, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await t.gql(UPDATE, { id: some.id, input }, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await t.gql(DELETE, { id: some.id }, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const none = await t.gql(LIST, {}, null);
    expect(none.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    [{ minInputTokens: -1 }, 'input.condition.minInputTokens'],
    [{ minInputTokens: 'many' }, 'input.condition.minInputTokens'],
    [{ maxInputTokens: 1.5 }, 'input.condition.maxInputTokens'],
    [{ minInputTokens: 9, maxInputTokens: 3 }, 'input.condition.maxInputTokens'],
    [{ prompts: 'support' }, 'input.condition.prompts'],
    [{ labels: [''] }, 'input.condition.labels.0'],
    [{ inputMatches: '([a-z' }, 'input.condition.inputMatches'],
    [{ inputMatches: 'y'.repeat(501) }, 'input.condition.inputMatches'],
    [{ keywordsAny: [7] }, 'input.condition.keywordsAny.0'],
    [{ hasCode: 1 }, 'input.condition.hasCode'],
    [{ minMessages: -3 }, 'input.condition.minMessages'],
    [{ tagsAny: {} }, 'input.condition.tagsAny'],
    [{ minComplexity: 2 }, 'input.condition.minComplexity'],
    [{ maxComplexity: 'high' }, 'input.condition.maxComplexity'],
    [{ priorityBoost: 1 }, 'input.condition.priorityBoost'],
    [[1, 2], 'input.condition'],
  ])('refuses condition %j with BAD_USER_INPUT naming %s', async (condition, field) => {
    const r = await create({ name: 'bad', priority: 1, condition, targetModelId: NOVA });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.extensions?.field).toBe(field);
    expect(r.errors?.[0]?.message.startsWith(`${field}:`)).toBe(true);
  });

  it.each([
    [{ name: ' ', priority: 1, condition: {}, targetModelId: NOVA }, 'input.name'],
    [{ name: 'p', priority: -1, condition: {}, targetModelId: NOVA }, 'input.priority'],
    [{ name: 'p', priority: 1, condition: {}, targetModelId: '  ' }, 'input.targetModelId'],
    [{ name: 'p', priority: 1, condition: {}, targetModelId: NOVA, fallbackModelIds: [HAIKU, ''] }, 'input.fallbackModelIds.1'],
    [{ name: 'p', priority: 1, condition: {}, targetModelId: NOVA, fallbackModelIds: [NOVA] }, 'input.fallbackModelIds.0'],
    [{ name: 'p', priority: 1, condition: {}, targetModelId: NOVA, fallbackModelIds: [HAIKU, HAIKU] }, 'input.fallbackModelIds.1'],
  ])('refuses bad rule fields: %j names %s', async (input, field) => {
    const r = await create(input);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.extensions?.field).toBe(field);
  });

  it('refuses model ids the catalog does not know, and accepts inference profiles of known ones', async () => {
    const target = await create({ name: 'unknown-model', priority: 1, condition: {}, targetModelId: 'acme.super-model-v9' });
    expect(target.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.targetModelId' });
    const fb = await create({ name: 'unknown-model', priority: 1, condition: {}, targetModelId: NOVA, fallbackModelIds: [HAIKU, 'acme.super-model-v9'] });
    expect(fb.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.fallbackModelIds.1' });
    const profile = await create({ name: 'profiled', priority: 99, condition: { tagsAny: ['eu'] }, targetModelId: `eu.${HAIKU}` });
    expect(profile.errors).toBeUndefined();
    expect(profile.data!.createRoutingRule.targetModelId).toBe(`eu.${HAIKU}`);
  });

  it('answers a missing or null condition as bad input, never as a server error', async () => {
    const missing = await t.gql('mutation { createRoutingRule(input: { name: "x", priority: 1, targetModelId: "m" }) { id } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const nul = await create({ name: 'x', priority: 1, condition: null, targetModelId: NOVA });
    expect(nul.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers a taken name with CONFLICT, on create and on rename', async () => {
    const dup = await create({ name: 'long-inputs', priority: 1, condition: {}, targetModelId: NOVA });
    expect(dup.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const other = await create({ name: 'rename-me', priority: 1, condition: {}, targetModelId: NOVA });
    const renamed = await t.gql(UPDATE, { id: other.data!.createRoutingRule.id, input: { name: 'long-inputs', priority: 1, condition: {}, targetModelId: NOVA } });
    expect(renamed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('answers an unknown id with NOT_FOUND and a malformed one with BAD_USER_INPUT', async () => {
    const input = { name: 'ghost', priority: 1, condition: {}, targetModelId: NOVA };
    expect((await t.gql(UPDATE, { id: UNKNOWN_ID, input })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(DELETE, { id: UNKNOWN_ID })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(DELETE, { id: 'not-a-uuid' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('updates a rule, keeping enabled and fallbacks when omitted, and the hot-path cache follows at once', async () => {
    const created = await create({ name: 'vip', priority: 0, condition: { tagsAny: ['vip'] }, targetModelId: HAIKU, fallbackModelIds: [NOVA] });
    const id = created.data!.createRoutingRule.id;
    const request = { inputTokens: 10, prompt: 'support', label: 'production', input: 'hello', messageCount: 1, tags: ['gold'] };
    const fallback = { defaultModelId: NOVA };

    const cachedBefore = await t.app.services.routing.rules();
    expect(cachedBefore.find((c) => c.rule.name === 'vip')?.rule.targetModelId).toBe(HAIKU);
    expect((await t.app.services.routing.route(request, fallback)).rule?.name).not.toBe('vip');
    // A second read is served from the cache: the very same compiled list.
    expect(await t.app.services.routing.rules()).toBe(cachedBefore);

    const updated = await t.gql(UPDATE, { id, input: { name: 'vip', priority: 0, condition: { tagsAny: ['vip', 'gold'] }, targetModelId: SONNET } });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateRoutingRule).toMatchObject({ targetModelId: SONNET, enabled: true, fallbackModelIds: [NOVA], condition: { tagsAny: ['vip', 'gold'] } });
    expect(new Date(updated.data!.updateRoutingRule.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.data!.createRoutingRule.updatedAt).getTime());

    const decision = await t.app.services.routing.route(request, fallback);
    expect(decision).toMatchObject({ modelId: SONNET, fallbackModelIds: [NOVA], reason: 'rule "vip" (priority 0): tag "gold" in tagsAny' });
    expect(decision.rule?.id).toBe(id);

    const disabled = await t.gql(UPDATE, { id, input: { name: 'vip', priority: 0, enabled: false, condition: { tagsAny: ['gold'] }, targetModelId: SONNET, fallbackModelIds: [] } });
    expect(disabled.data!.updateRoutingRule).toMatchObject({ enabled: false, fallbackModelIds: [] });
    expect((await t.app.services.routing.rules()).some((c) => c.rule.name === 'vip')).toBe(false);
  });

  it('deletes a rule and drops it from the cache', async () => {
    const created = await create({ name: 'short-lived', priority: 0, condition: { prompts: ['only-this'] }, targetModelId: HAIKU });
    const id = created.data!.createRoutingRule.id;
    expect((await t.app.services.routing.rules()).some((c) => c.rule.id === id)).toBe(true);
    const del = await t.gql(DELETE, { id });
    expect(del.data!.deleteRoutingRule).toBe(true);
    expect((await t.app.services.routing.rules()).some((c) => c.rule.id === id)).toBe(false);
    expect((await t.gql(LIST)).data!.routingRules.some((r: { id: string }) => r.id === id)).toBe(false);
  });

  it('records create, update and delete in the audit log with before and after', async () => {
    const created = await create({ name: 'audited', priority: 3, condition: { minMessages: 2 }, targetModelId: HAIKU });
    const id = created.data!.createRoutingRule.id;
    await t.gql(UPDATE, { id, input: { name: 'audited', priority: 4, condition: { minMessages: 3 }, targetModelId: HAIKU } });
    await t.gql(DELETE, { id });
    const log = await t.gql('{ auditLog(first: 200) { edges { node { actor action entity entityType entityId entityName before after } } } }');
    const mine = log.data!.auditLog.edges.map((e: { node: any }) => e.node).filter((n: { entityId: string }) => n.entityId === id);
    expect(mine.map((n: { action: string }) => n.action)).toEqual(['delete', 'update', 'create']);
    for (const n of mine) expect(n).toMatchObject({ entity: 'RoutingRule "audited"', entityType: 'RoutingRule', entityName: 'audited', actor: expect.any(String) });
    const [del, upd, crt] = mine;
    expect(crt.before).toBeNull();
    expect(crt.after).toMatchObject({ priority: 3, condition: { minMessages: 2 } });
    expect(upd.before).toMatchObject({ priority: 3, condition: { minMessages: 2 } });
    expect(upd.after).toMatchObject({ priority: 4, condition: { minMessages: 3 } });
    expect(del.before).toMatchObject({ priority: 4 });
    expect(del.after).toBeNull();
  });

  it('writes nothing, audit included, when the input is refused', async () => {
    const before = (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'RoutingRule'`))[0].n;
    await create({ name: 'refused', priority: 1, condition: { hasCode: 'no' }, targetModelId: NOVA });
    const after = (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'RoutingRule'`))[0].n;
    expect(after).toBe(before);
    expect((await t.gql(LIST)).data!.routingRules.some((r: { name: string }) => r.name === 'refused')).toBe(false);
  });
});
