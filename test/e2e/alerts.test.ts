import { randomUUID } from 'node:crypto';
import type { Client as WsClient } from 'graphql-ws';
import { startTestApp, wsCollect, type GqlResult, type TestApp } from '../helpers/test-app';

const RULE = 'id name metric condition window enabled';
const CREATE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE} } }`;
const UPDATE = `mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RULE} } }`;

/** Pushes a budget over its alert threshold through the ledger, as a finished generation would. */
async function crossThreshold(t: TestApp, name: string): Promise<void> {
  const created = await t.gql('mutation($input: BudgetInput!) { createBudget(input: $input) { id } }', {
    input: { name, scope: 'USER', scopeValue: name, period: 'DAILY', limitUsd: 1, alertThresholds: [0.5] },
  });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  const budgets = t.app.services.budgets;
  const covering = await budgets.coveringBudgets({ prompt: 'p', modelId: 'm', apiKey: null, user: name });
  const r = await budgets.reserve({ budgets: covering, amountMicros: 700_000, requestId: randomUUID() });
  if (!r.ok) throw new Error(r.message);
  await budgets.settle(r.reservation, 600_000);
}

/** Subscribes to `alerts` and keeps crossing fresh budgets until the subscriber receives one (the subscribe races the first publish). */
async function firstAlert(t: TestApp, client: WsClient): Promise<{ event: GqlResult; crossed: string[] }> {
  const crossed: string[] = [];
  let got: GqlResult | undefined;
  let failed: unknown;
  const dispose = client.subscribe(
    { query: 'subscription { alerts { id firedAt value baseline message rule { name metric condition window enabled } } }' },
    { next: (r) => (got ??= r as GqlResult), error: (e) => (failed = e), complete: () => undefined },
  );
  const deadline = Date.now() + 15_000;
  while (!got && !failed && Date.now() < deadline) {
    const name = `sub-${crossed.length}-${randomUUID().slice(0, 8)}`;
    crossed.push(name);
    await crossThreshold(t, name);
    await new Promise((r) => setTimeout(r, 150));
  }
  dispose();
  if (failed) throw failed instanceof Error ? failed : new Error(JSON.stringify(failed));
  if (!got) throw new Error('no alert event received');
  return { event: got, crossed };
}

describe('alerts over GraphQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lets ADMIN create, update and delete alert rules, audited', async () => {
    const created = await t.gql(CREATE, { input: { name: 'slow', metric: 'p95_latency', condition: { above: 2500 }, window: '5m' } });
    expect(created.errors).toBeUndefined();
    const rule = created.data!.createAlertRule;
    expect(rule).toMatchObject({ name: 'slow', metric: 'p95_latency', condition: { above: 2500 }, window: '5m', enabled: true });
    const updated = await t.gql(UPDATE, { id: rule.id, input: { name: 'slow', metric: 'p95_latency', condition: { above: 4000 }, window: '1h', enabled: false } });
    expect(updated.data!.updateAlertRule).toMatchObject({ id: rule.id, condition: { above: 4000 }, window: '1h', enabled: false });
    const list = await t.gql('{ alertRules { name enabled } }');
    expect(list.data!.alertRules).toEqual(expect.arrayContaining([{ name: 'slow', enabled: false }]));
    expect((await t.gql('mutation($id: ID!) { deleteAlertRule(id: $id) }', { id: rule.id })).data!.deleteAlertRule).toBe(true);
    expect((await t.gql('mutation($id: ID!) { deleteAlertRule(id: $id) }', { id: rule.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await t.gql('mutation { deleteAlertRule(id: "nope") }');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(malformed.errors?.[0]?.message).toMatch(/^id:/);
    const audit = await t.gql('{ auditLog(first: 10) { edges { node { action entityType entityId actor } } } }');
    const mine = audit.data!.auditLog.edges.map((e: { node: Record<string, string> }) => e.node).filter((n: Record<string, string>) => n.entityId === rule.id);
    expect(mine.map((n: Record<string, string>) => `${n.entityType}:${n.action}`)).toEqual(['AlertRule:delete', 'AlertRule:update', 'AlertRule:create']);
  });

  it('answers a duplicate rule name with CONFLICT', async () => {
    const input = { name: 'errors', metric: 'error_rate', condition: { above: 0.05 }, window: '15m' };
    expect((await t.gql(CREATE, { input })).errors).toBeUndefined();
    expect((await t.gql(CREATE, { input })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it.each([
    [{ metric: 'latency' }, 'input.metric'],
    [{ condition: { above: 'high' } }, 'input.condition.above'],
    [{ condition: { above: 0.1, below: 0.01 } }, 'input.condition'],
    [{ condition: {} }, 'input.condition'],
    [{ condition: { above: 0.1, extra: 1 } }, 'input.condition'],
    [{ condition: { above: 1.5 } }, 'input.condition.above'],
    [{ condition: 'above 0.1' }, 'input.condition'],
    [{ window: '5x' }, 'input.window'],
    [{ window: '0m' }, 'input.window'],
    [{ window: '31d' }, 'input.window'],
    [{ name: '' }, 'input.name'],
    [{ name: 'budget:team-a' }, 'input.name'],
    [{ metric: 'budget', condition: { above: 0.5 } }, 'input.condition.budget'],
  ])('refuses bad input %j as BAD_USER_INPUT naming %s', async (patch, field) => {
    const r = await t.gql(CREATE, { input: { name: `bad-${randomUUID()}`, metric: 'error_rate', condition: { above: 0.1 }, window: '5m', ...patch } });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message.startsWith(`${field}:`)).toBe(true);
  });

  it('lets ANALYST and CI read rules and events but not change rules; APP may not read them', async () => {
    for (const role of ['ANALYST', 'CI'] as const) {
      const key = await t.keyFor(role);
      const read = await t.gql('{ alertRules { name } alertEvents(first: 5) { id } }', {}, key);
      expect(read.errors).toBeUndefined();
      const write = await t.gql(CREATE, { input: { name: `by-${role}`, metric: 'cost', condition: { above: 10 }, window: '1d' } }, key);
      expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const app = await t.keyFor('APP');
    expect((await t.gql('{ alertEvents { id } }', {}, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql('{ alertEvents { id } }', {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const sub = await wsCollect(t.ws(app), 'subscription { alerts { id } }');
    expect(sub[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('records a budget threshold crossing as an AlertEvent on the budget rule, listed newest first', async () => {
    await crossThreshold(t, 'listed-budget');
    const r = await t.gql('{ alertEvents(first: 10) { id firedAt value baseline message rule { name metric condition window enabled } } }');
    expect(r.errors).toBeUndefined();
    const ev = r.data!.alertEvents.find((e: { rule: { name: string } }) => e.rule.name === 'budget:listed-budget');
    expect(ev).toMatchObject({
      value: 0.6,
      baseline: 0.5,
      rule: { name: 'budget:listed-budget', metric: 'budget', condition: { budget: 'listed-budget' }, window: '1d', enabled: true },
    });
    expect(ev.message).toContain('budget "listed-budget" crossed 50%');
    expect(Number.isNaN(Date.parse(ev.firedAt))).toBe(false);
    const times = r.data!.alertEvents.map((e: { firedAt: string }) => Date.parse(e.firedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // The system rule is an ordinary rule: it shows in alertRules and can be muted.
    const rules = await t.gql('{ alertRules { name metric } }');
    expect(rules.data!.alertRules).toEqual(expect.arrayContaining([{ name: 'budget:listed-budget', metric: 'budget' }]));
  });

  it('delivers an alert event to an `alerts` subscriber over graphql-ws', async () => {
    const analyst = await t.keyFor('ANALYST');
    const { event, crossed } = await firstAlert(t, t.ws(analyst));
    expect(event.errors).toBeUndefined();
    const alert = event.data!.alerts;
    expect(crossed.map((n) => `budget:${n}`)).toContain(alert.rule.name);
    expect(alert).toMatchObject({ value: 0.6, baseline: 0.5, rule: { metric: 'budget', enabled: true } });
    expect(alert.message).toContain('crossed 50%');
    expect(Number.isNaN(Date.parse(alert.firedAt))).toBe(false);
  });
});
