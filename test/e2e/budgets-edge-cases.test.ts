import { randomUUID } from 'node:crypto';
import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';

const NOVA = 'amazon.nova-micro-v1:0';
const CREATE = `mutation($input: BudgetInput!) { createBudget(input: $input) { id name limitUsd } }`;
const UPDATE = `mutation($id: ID!, $input: BudgetInput!) { updateBudget(id: $id, input: $input) { id name spentUsd } }`;
const BUDGET = `query($n: String!) { budget(name: $n) { id limitUsd spentUsd reservedUsd } }`;
const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status costUsd error { code message } } }`;
const RULE = 'id name metric condition window enabled';
const CREATE_RULE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE} } }`;
const UPDATE_RULE = `mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RULE} } }`;
const EVENTS = `query($first: Int) { alertEvents(first: $first) { id value baseline message rule { name } } }`;

type Rec = Record<string, any>;

describe(`budgets and alerts edge cases over GraphQL (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const must = async (q: string, v: Rec = {}) => {
      const r = await t.gql(q, v);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    };
    await must('mutation { createPrompt(input: { name: "edge" }) { id } }');
    await must('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: 'edge', system: 'Be brief.', modelId: NOVA } });
    await must('mutation { promotePromptVersion(input: { prompt: "edge", version: 1, label: "production" }) { promoted } }');
  });
  afterAll(() => t?.close());

  async function createBudget(input: Rec): Promise<string> {
    const r = await t.gql(CREATE, { input: { period: 'DAILY', ...input } });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.createBudget.id;
  }
  async function spent(name: string): Promise<Rec> {
    const r = await t.gql(BUDGET, { n: name });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.budget;
  }
  /** Charges `micros` to the budgets covering user `user`, through the ledger, as a finished generation would. */
  async function charge(user: string, micros: number): Promise<void> {
    const budgets = t.app.services.budgets;
    const covering = await budgets.coveringBudgets({ prompt: 'p', modelId: 'm', apiKey: null, user });
    const r = await budgets.reserve({ budgets: covering, amountMicros: micros, requestId: randomUUID() });
    if (!r.ok) throw new Error(r.message);
    await budgets.settle(r.reservation, micros);
  }
  async function events(): Promise<Rec[]> {
    const r = await t.gql(EVENTS, { first: 500 });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.alertEvents;
  }

  it('charges an API_KEY budget for requests made with that key only; a revoked key cannot spend it', async () => {
    const created = await t.gql('mutation { createApiKey(name: "edge-app", role: APP) { apiKey { id } secret } }');
    const { secret, apiKey } = created.data!.createApiKey;
    const other = await t.keyFor('APP', 'edge-other');
    await createBudget({ name: 'per-key', scope: 'API_KEY', scopeValue: 'edge-app', limitUsd: 5 });
    const mine = await t.gql(ONCE, { i: { prompt: 'edge', input: 'Hi.\n#reply: Hello.', cache: 'BYPASS', maxOutputTokens: 50 } }, secret);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.generateOnce.status).toBe('COMPLETED');
    const after = await spent('per-key');
    expect(after.spentUsd).toBeCloseTo(mine.data!.generateOnce.costUsd, 9);
    expect(after.spentUsd).toBeGreaterThan(0);
    expect(after.reservedUsd).toBe(0);
    const theirs = await t.gql(ONCE, { i: { prompt: 'edge', input: 'Hi.\n#reply: Hello.', cache: 'BYPASS', maxOutputTokens: 50 } }, other);
    expect(theirs.data!.generateOnce.status).toBe('COMPLETED');
    expect((await spent('per-key')).spentUsd).toBe(after.spentUsd);

    expect((await t.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id })).errors).toBeUndefined();
    const revoked = await t.gql(ONCE, { i: { prompt: 'edge', input: 'Hi.' } }, secret);
    expect(revoked.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await spent('per-key')).toMatchObject({ spentUsd: after.spentUsd, reservedUsd: 0 });
  });

  it('blocks a generation whose worst case does not fit a tiny budget, charging nothing, and a raised limit admits it at once', async () => {
    const id = await createBudget({ name: 'tiny', scope: 'USER', scopeValue: 'tiny-user', limitUsd: 0.000001 });
    const refused = await t.gql(ONCE, { i: { prompt: 'edge', input: 'Hi.\n#reply: Hello.', cache: 'BYPASS', user: 'tiny-user', maxOutputTokens: 50 } });
    expect(refused.data!.generateOnce).toMatchObject({ status: 'BLOCKED', error: { code: 'BUDGET_EXCEEDED' } });
    expect(refused.data!.generateOnce.error.message).toContain('"tiny"');
    expect(await spent('tiny')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    const up = await t.gql(UPDATE, { id, input: { name: 'tiny', scope: 'USER', scopeValue: 'tiny-user', period: 'DAILY', limitUsd: 10 } });
    expect(up.errors).toBeUndefined();
    const ok = await t.gql(ONCE, { i: { prompt: 'edge', input: 'Hi.\n#reply: Hello.', cache: 'BYPASS', user: 'tiny-user', maxOutputTokens: 50 } });
    expect(ok.data!.generateOnce.status).toBe('COMPLETED');
  });

  it('lists the budget history only to readers: APP is FORBIDDEN over HTTP and graphql-ws', async () => {
    const id = await createBudget({ name: 'hist-roles', scope: 'USER', scopeValue: 'hist-roles', limitUsd: 1 });
    const app = await t.keyFor('APP');
    const q = 'query($id: ID!) { budgetHistory(id: $id) { periodStart } }';
    expect((await t.gql(q, { id }, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await wsCollect(t.ws(app), q, { id }))[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(q, { id }, await t.keyFor('ANALYST'))).errors).toBeUndefined();
    expect((await t.gql(CREATE_RULE, { input: { name: 'by-app', metric: 'cost', condition: { above: 1 }, window: '1h' } }, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it.each([
    [{ metric: 'cost', condition: { above: 1, below: 2 } }, 'input.condition'],
    [{ metric: 'cost', condition: {} }, 'input.condition'],
    [{ metric: 'cost', condition: { above: -1 } }, 'input.condition.above'],
    [{ metric: 'cost', condition: { above: 1, extra: true } }, 'input.condition'],
    [{ metric: 'cost', condition: 'above 1' }, 'input.condition'],
    [{ metric: 'cost', condition: null }, 'input.condition'],
    [{ metric: 'error_rate', condition: { above: 1.5 } }, 'input.condition.above'],
    [{ metric: 'p95_latency', condition: { below: 86_400_001 } }, 'input.condition.below'],
    [{ metric: 'budget', condition: { budget: '' } }, 'input.condition.budget'],
    [{ metric: 'latency', condition: { above: 1 } }, 'input.metric'],
    [{ window: '0m' }, 'input.window'],
    [{ window: '31d' }, 'input.window'],
    [{ window: '1w' }, 'input.window'],
    [{ name: 'budget:someone', metric: 'cost', condition: { above: 1 } }, 'input.name'],
  ])('refuses alert rule input %j as BAD_USER_INPUT naming %s', async (patch, field) => {
    const input = { name: `rule-${randomUUID().slice(0, 8)}`, metric: 'cost', condition: { above: 1 }, window: '1h', ...patch };
    const r = await t.gql(CREATE_RULE, { input });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Our own validation starts with the field path; GraphQL's own coercion (e.g. a null JSON!) names it inside the message.
    expect(r.errors?.[0]?.message).toContain(field);
  });

  it('alertEvents(first) refuses 0, negatives and more than 500 as BAD_USER_INPUT naming `first`, like traces(first)', async () => {
    await createBudget({ name: 'evt-src', scope: 'USER', scopeValue: 'evt-src', limitUsd: 1, alertThresholds: [0.1, 0.2] });
    await charge('evt-src', 300_000);
    expect((await events()).length).toBeGreaterThanOrEqual(2);
    for (const first of [0, -1, 501]) {
      const r = await t.gql(EVENTS, { first });
      expect({ first, code: r.errors?.[0]?.extensions?.code, message: r.errors?.[0]?.message?.slice(0, 6) }).toEqual({ first, code: 'BAD_USER_INPUT', message: 'first:' });
    }
  });

  it('a budget whose alerts were disabled (its budget:<name> rule) stays silent after the budget is renamed', async () => {
    const id = await createBudget({ name: 'quiet', scope: 'USER', scopeValue: 'quiet-user', limitUsd: 1, alertThresholds: [0.5, 0.9] });
    await charge('quiet-user', 600_000); // creates the budget:quiet rule with its first event
    const rule = (await t.gql('{ alertRules { id name } }')).data!.alertRules.find((r: Rec) => r.name === 'budget:quiet');
    expect(rule).toBeDefined();
    const off = await t.gql(UPDATE_RULE, { id: rule.id, input: { name: 'budget:quiet', metric: 'budget', condition: { budget: 'quiet' }, window: '1d', enabled: false } });
    expect(off.errors).toBeUndefined();
    const renamed = await t.gql(UPDATE, { id, input: { name: 'quiet-renamed', scope: 'USER', scopeValue: 'quiet-user', period: 'DAILY', limitUsd: 1, alertThresholds: [0.5, 0.9] } });
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data!.updateBudget.spentUsd).toBe(0.6);
    await charge('quiet-user', 350_000); // 95%: crosses 0.9
    const fired = (await events()).filter((e) => e.rule.name.startsWith('budget:quiet'));
    // Only the 0.5 event from before alerts were turned off.
    expect(fired.map((e) => e.baseline)).toEqual([0.5]);
  });

  it('the alerts of a budget with a long (valid, 100-character) name can be turned off, though its rule budget:<name> is longer than 100 characters', async () => {
    const name = `long-${'x'.repeat(95)}`;
    expect(name).toHaveLength(100);
    await createBudget({ name, scope: 'USER', scopeValue: 'long-user', limitUsd: 1, alertThresholds: [0.5] });
    await charge('long-user', 600_000);
    const rule = (await t.gql('{ alertRules { id name } }')).data!.alertRules.find((r: Rec) => r.name === `budget:${name}`);
    expect(rule).toBeDefined();
    const off = await t.gql(UPDATE_RULE, { id: rule.id, input: { name: `budget:${name}`, metric: 'budget', condition: { budget: name }, window: '1d', enabled: false } });
    expect(off.errors).toBeUndefined();
    expect(off.data?.updateAlertRule?.enabled).toBe(false);
  });

  it('refuses a DOWNGRADE budget whose downgradeModelId is not a known model (as routing rules do), instead of failing requests later', async () => {
    const r = await t.gql(CREATE, {
      input: { name: 'bad-downgrade', scope: 'USER', scopeValue: 'bd-user', period: 'DAILY', limitUsd: 0.000001, onExceed: 'DOWNGRADE', downgradeModelId: 'no.such-model-v1:0' },
    });
    if (!r.errors) {
      // Accepted: a request over the limit is then answered with the unknown model's error, not BUDGET_EXCEEDED.
      const once = await t.gql(ONCE, { i: { prompt: 'edge', input: 'Hi.\n#reply: Hello.', cache: 'BYPASS', user: 'bd-user', maxOutputTokens: 50 } });
      expect(once.data?.generateOnce?.error?.code ?? once.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    }
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/^input\.downgradeModelId:/);
  });

  it('alertEvents lists two thresholds crossed by one settle newest (higher) first, not in the random order of their ids', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `pair-${i}`);
    for (const n of names) {
      await createBudget({ name: n, scope: 'USER', scopeValue: n, limitUsd: 1, alertThresholds: [0.3, 0.6] });
      await charge(n, 700_000);
    }
    const list = (await events()).filter((e) => e.rule.name.startsWith('budget:pair-'));
    expect(list.map((e) => [e.rule.name, e.baseline])).toEqual(
      names.reverse().flatMap((n) => [
        [`budget:${n}`, 0.6],
        [`budget:${n}`, 0.3],
      ]),
    );
  });
});

describe('a stream that outlives its budget hold (BUDGET_HOLD_TTL_SECONDS=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BUDGET_HOLD_TTL_SECONDS: '1' });
    for (const [q, v] of [
      ['mutation { createPrompt(input: { name: "slow" }) { id } }', {}],
      ['mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: 'slow', system: 'Be brief.', modelId: NOVA } }],
      ['mutation { promotePromptVersion(input: { prompt: "slow", version: 1, label: "production" }) { promoted } }', {}],
    ] as const) {
      const r = await t.gql(q, v);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    }
  });
  afterAll(() => t?.close());

  it('never lets spentUsd pass limitUsd when the reaper releases the hold of a generation still streaming', async () => {
    const input = (delay: number) => ({ prompt: 'slow', cache: 'BYPASS', maxOutputTokens: 300, input: `Count.\n#tokens: 300${delay ? `\n#delay-ms: ${delay}` : ''}` });
    // What one such request reserves and costs (no budget covers this user).
    const probe = await t.gql(ONCE, { i: { ...input(0), user: 'probe' } });
    expect(probe.data!.generateOnce.status).toBe('COMPLETED');
    await t.app.services.traces.writer.flush();
    const spans = (await t.gql('query($id: ID!) { trace(id: $id) { spans { name attributes } } }', { id: probe.data!.generateOnce.traceId })).data!.trace.spans;
    const worst: number = spans.find((s: Rec) => s.name === 'budget_reserve').attributes.amountMicros;
    const cost = Math.round(probe.data!.generateOnce.costUsd * 1e6);
    expect(cost).toBeGreaterThan(0.75 * worst);
    // Room for one request at a time (1.5 worst cases), not for two.
    const limitUsd = Math.floor(1.5 * worst) / 1e6;
    await t.gql(CREATE, { input: { name: 'ttl', scope: 'USER', scopeValue: 'ttl-user', period: 'DAILY', limitUsd } });

    const slow = t.gql(ONCE, { i: { ...input(2_500), user: 'ttl-user' } });
    await new Promise((r) => setTimeout(r, 1_500)); // the slow request's hold has expired, its stream has not started
    await t.app.services.budgets.reapExpired();
    const fast = await t.gql(ONCE, { i: { ...input(0), user: 'ttl-user' } });
    const done = await slow;
    const statuses = [done.data!.generateOnce.status, fast.data!.generateOnce.status];
    const b = (await t.gql(BUDGET, { n: 'ttl' })).data!.budget;
    // Either the second request is refused, or the total stays within the limit.
    expect({ statuses, within: b.spentUsd <= b.limitUsd }).toEqual({ statuses: expect.arrayContaining(['COMPLETED']), within: true });
  });
});
