import { randomUUID } from 'node:crypto';
import { periodStart } from '../../src/budgets';
import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';

const FIELDS = 'id name scope scopeValue period limitUsd spentUsd reservedUsd alertThresholds onExceed downgradeModelId periodStart';
const CREATE = `mutation($input: BudgetInput!) { createBudget(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: BudgetInput!) { updateBudget(id: $id, input: $input) { ${FIELDS} } }`;

describe('budgets over GraphQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lets ADMIN create, update and delete a budget, each change audited', async () => {
    const created = await t.gql(CREATE, {
      input: { name: 'team-a', scope: 'API_KEY', scopeValue: 'web-app', period: 'MONTHLY', limitUsd: 25.5, alertThresholds: [0.9, 0.5] },
    });
    expect(created.errors).toBeUndefined();
    const b = created.data!.createBudget;
    expect(b).toMatchObject({
      name: 'team-a',
      scope: 'API_KEY',
      scopeValue: 'web-app',
      period: 'MONTHLY',
      limitUsd: 25.5,
      spentUsd: 0,
      reservedUsd: 0,
      alertThresholds: [0.5, 0.9],
      onExceed: 'BLOCK',
      downgradeModelId: null,
    });
    expect(b.periodStart).toBe(periodStart('MONTHLY', new Date()).toISOString());

    const updated = await t.gql(UPDATE, {
      id: b.id,
      input: { name: 'team-a', scope: 'API_KEY', scopeValue: 'web-app', period: 'DAILY', limitUsd: 3, onExceed: 'DOWNGRADE', downgradeModelId: 'amazon.nova-micro-v1:0' },
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateBudget).toMatchObject({ id: b.id, period: 'DAILY', limitUsd: 3, onExceed: 'DOWNGRADE', downgradeModelId: 'amazon.nova-micro-v1:0', alertThresholds: [] });

    const one = await t.gql('query($n: String!) { budget(name: $n) { id limitUsd } }', { n: 'team-a' });
    expect(one.data!.budget).toEqual({ id: b.id, limitUsd: 3 });
    expect((await t.gql('{ budget(name: "nope") { id } }')).data!.budget).toBeNull();

    const del = await t.gql('mutation($id: ID!) { deleteBudget(id: $id) }', { id: b.id });
    expect(del.data!.deleteBudget).toBe(true);
    const list = await t.gql('{ budgets { name } }');
    expect(list.data!.budgets.map((x: { name: string }) => x.name)).not.toContain('team-a');

    const audit = await t.gql('{ auditLog(first: 20) { edges { node { actor action entityType entityId before after } } } }');
    const entries = audit.data!.auditLog.edges.map((e: { node: Record<string, any> }) => e.node).filter((n: Record<string, any>) => n.entityId === b.id);
    expect(entries.map((e: Record<string, any>) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(entries.every((e: Record<string, any>) => e.entityType === 'Budget' && e.actor === 'bootstrap-admin')).toBe(true);
    expect(entries[1].before).toMatchObject({ period: 'MONTHLY', limitMicros: 25_500_000 });
    expect(entries[1].after).toMatchObject({ period: 'DAILY', limitMicros: 3_000_000 });
  });

  it('answers a duplicate name with CONFLICT and an unknown or malformed id with NOT_FOUND / BAD_USER_INPUT', async () => {
    const input = { name: 'dup', scope: 'GLOBAL', period: 'TOTAL', limitUsd: 1 };
    expect((await t.gql(CREATE, { input })).errors).toBeUndefined();
    expect((await t.gql(CREATE, { input })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const unknown = '00000000-0000-0000-0000-000000000000';
    expect((await t.gql(UPDATE, { id: unknown, input: { ...input, name: 'x' } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql('mutation($id: ID!) { deleteBudget(id: $id) }', { id: unknown })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql('query($id: ID!) { budgetHistory(id: $id) { spentUsd } }', { id: unknown })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await t.gql('mutation { deleteBudget(id: "nope") }');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(malformed.errors?.[0]?.message).toMatch(/^id:/);
    expect((await t.gql('{ budgetHistory(id: "nope") { spentUsd } }')).errors?.[0]?.message).toMatch(/^id:/);
  });

  it.each([
    [{ limitUsd: 0 }, 'input.limitUsd'],
    [{ limitUsd: -5 }, 'input.limitUsd'],
    [{ limitUsd: 0.0000001 }, 'input.limitUsd'],
    [{ alertThresholds: [0, 0.5] }, 'input.alertThresholds.0'],
    [{ alertThresholds: [0.5, 1.5] }, 'input.alertThresholds.1'],
    [{ alertThresholds: [0.5, 0.5] }, 'input.alertThresholds'],
    [{ scope: 'PROMPT', scopeValue: null }, 'input.scopeValue'],
    [{ scope: 'USER', scopeValue: '   ' }, 'input.scopeValue'],
    [{ scope: 'GLOBAL', scopeValue: 'x' }, 'input.scopeValue'],
    [{ onExceed: 'DOWNGRADE' }, 'input.downgradeModelId'],
    [{ onExceed: 'BLOCK', downgradeModelId: 'amazon.nova-micro-v1:0' }, 'input.downgradeModelId'],
    [{ name: '  ' }, 'input.name'],
  ])('refuses bad input %j as BAD_USER_INPUT naming %s', async (patch, field) => {
    const r = await t.gql(CREATE, { input: { name: `bad-${randomUUID()}`, scope: 'MODEL', scopeValue: 'm', period: 'DAILY', limitUsd: 1, ...patch } });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message.startsWith(`${field}:`)).toBe(true);
    expect(r.data ?? null).toBeNull();
  });

  it('refuses wrong types and enum values as input errors, never INTERNAL_SERVER_ERROR', async () => {
    for (const input of [
      { name: 'x', scope: 'PLANET', period: 'DAILY', limitUsd: 1 },
      { name: 'x', scope: 'GLOBAL', period: 'HOURLY', limitUsd: 1 },
      { name: 'x', scope: 'GLOBAL', period: 'DAILY', limitUsd: 'ten' },
      { name: 'x', scope: 'GLOBAL', period: 'DAILY' },
    ]) {
      const r = await t.gql(CREATE, { input });
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('lets ANALYST and CI read budgets, not change them; APP and no key may do neither', async () => {
    const created = await t.gql(CREATE, { input: { name: 'readable', scope: 'USER', scopeValue: 'ann', period: 'WEEKLY', limitUsd: 2 } });
    const id = created.data!.createBudget.id;
    for (const role of ['ANALYST', 'CI'] as const) {
      const key = await t.keyFor(role);
      const read = await t.gql('query($id: ID!) { budgets { name } budget(name: "readable") { id } budgetHistory(id: $id) { spentUsd } }', { id }, key);
      expect(read.errors).toBeUndefined();
      expect(read.data!.budget.id).toBe(id);
      const write = await t.gql(CREATE, { input: { name: `by-${role}`, scope: 'GLOBAL', period: 'DAILY', limitUsd: 1 } }, key);
      expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const del = await t.gql('mutation($id: ID!) { deleteBudget(id: $id) }', { id }, key);
      expect(del.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const app = await t.keyFor('APP');
    expect((await t.gql('{ budgets { name } }', {}, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql('{ budgets { name } }', {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const ws = await wsCollect(t.ws(app), '{ budgets { name } }');
    expect(ws[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows the current period spend and reservations from the ledger, and the history of periods', async () => {
    const created = await t.gql(CREATE, { input: { name: 'spend-shown', scope: 'USER', scopeValue: 'bob', period: 'DAILY', limitUsd: 1 } });
    const id = created.data!.createBudget.id;
    const budgets = t.app.services.budgets;
    const covering = await budgets.coveringBudgets({ prompt: 'p', modelId: 'm', apiKey: null, user: 'bob' });
    expect(covering.map((b) => b.name)).toContain('spend-shown');
    const mine = covering.filter((b) => b.name === 'spend-shown');
    const settled = await budgets.reserve({ budgets: mine, amountMicros: 200_000, requestId: randomUUID() });
    const open = await budgets.reserve({ budgets: mine, amountMicros: 50_000, requestId: randomUUID() });
    if (!settled.ok || !open.ok) throw new Error('not admitted');
    await budgets.settle(settled.reservation, 123_456);
    const r = await t.gql('query($id: ID!) { budget(name: "spend-shown") { spentUsd reservedUsd limitUsd } budgetHistory(id: $id) { periodStart periodEnd spentUsd reservedUsd limitUsd } }', { id });
    expect(r.errors).toBeUndefined();
    expect(r.data!.budget).toEqual({ spentUsd: 0.123456, reservedUsd: 0.05, limitUsd: 1 });
    const start = periodStart('DAILY', new Date());
    expect(r.data!.budgetHistory).toEqual([{ periodStart: start.toISOString(), periodEnd: new Date(start.getTime() + 86_400_000).toISOString(), spentUsd: 0.123456, reservedUsd: 0.05, limitUsd: 1 }]);
    await budgets.release(open.reservation);
  });
});
