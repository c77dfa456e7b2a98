import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { traceRecord } from '../fixtures/traces';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/test-app';

const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status error { code } } }`;
const CREATE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id name webhookUrl firing } }`;
const DELIVERIES = `query($rule: ID, $first: Int) { alertDeliveries(rule: $rule, first: $first) { id eventId ruleId url attempt ok statusCode error durationMs attemptedAt } }`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver answering the given statuses in turn (then 200). */
async function receiver(statuses: number[]): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses[received.length - 1] ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`alert scheduler in the running server (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    hook = await receiver([500]);
    t = await startTestApp({ ALERT_EVAL_INTERVAL_SECONDS: '1', ALERT_WEBHOOK_BACKOFF_MS: '50' });
    const must = async (q: string, v: Record<string, unknown> = {}) => {
      const r = await t.gql(q, v);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    };
    await must('mutation { createPrompt(input: { name: "watched" }) { id } }');
    await must('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: 'watched', system: 'Answer briefly.' } });
    await must('mutation { promotePromptVersion(input: { prompt: "watched", version: 1, label: "production" }) { promoted } }');
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => hook.server.close(r));
  });

  it('fires on real traffic within a tick, publishes to `alerts`, and POSTs a signed webhook that is retried after a 500', async () => {
    const secret = 'whsec-0123456789';
    const created = await t.gql(CREATE, {
      input: { name: 'any-spend', metric: 'cost', condition: { above: 0, prompt: 'watched' }, window: '5m', webhookUrl: hook.url, webhookSecret: secret },
    });
    expect(created.errors).toBeUndefined();
    const rule = created.data!.createAlertRule;
    expect(rule).toMatchObject({ webhookUrl: hook.url, firing: false });

    const events: GqlResult[] = [];
    const dispose = t
      .ws()
      .subscribe(
        { query: 'subscription { alerts { id value baseline message rule { name } } }' },
        { next: (r) => void events.push(r as GqlResult), error: () => undefined, complete: () => undefined },
      );
    await new Promise((r) => setTimeout(r, 300));
    const r = await t.gql(ONCE, { i: { prompt: 'watched', input: 'Hello there', cache: 'BYPASS' } });
    expect(r.data?.generateOnce.status).toBe('COMPLETED');
    await t.app.services.traces.writer.flush();

    await until('two webhook attempts', () => (hook.received.length >= 2 ? true : undefined));
    const [first, second] = hook.received;
    expect(first!.body).toBe(second!.body);
    const signature = `sha256=${createHmac('sha256', secret).update(second!.body).digest('hex')}`;
    expect(second!.headers['x-signature-256']).toBe(signature);
    expect(second!.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(second!.body);
    expect(payload).toMatchObject({ rule: { id: rule.id, name: 'any-spend', metric: 'cost' }, baseline: 0 });
    expect(payload.value).toBeGreaterThan(0);
    expect(payload.message).toMatch(/^spend of prompt "watched" over the last 5m is \$0\.\d+, above the bound \$0\.0000 \(1 samples\)$/);

    const deliveries = await until('both attempts recorded', async () => {
      const d = await t.gql(DELIVERIES, { rule: rule.id });
      return d.data!.alertDeliveries.length >= 2 ? d.data!.alertDeliveries : undefined;
    });
    // Newest first: the retry succeeded after the 500.
    expect(deliveries.map((d: Record<string, unknown>) => [d.attempt, d.ok, d.statusCode])).toEqual([
      [2, true, 200],
      [1, false, 500],
    ]);
    expect(deliveries[1]).toMatchObject({ eventId: payload.id, ruleId: rule.id, url: hook.url, error: 'HTTP 500' });

    await until('the alerts subscription event', () => (events.length ? true : undefined));
    dispose();
    expect(events[0]!.data!.alerts).toMatchObject({ id: payload.id, rule: { name: 'any-spend' }, baseline: 0 });

    // Still above 0 on later ticks: no second event while the condition holds.
    await new Promise((r) => setTimeout(r, 2500));
    const list = await t.gql('{ alertEvents(first: 50) { id rule { name firing } } }');
    expect(list.data!.alertEvents.filter((e: { rule: { name: string } }) => e.rule.name === 'any-spend')).toEqual([{ id: payload.id, rule: { name: 'any-spend', firing: true } }]);
    expect(hook.received).toHaveLength(2);
  });

  it.each([
    [{ metric: 'budget', condition: { budget: 'no-such-budget' } }, 'input.condition.budget', /no budget named "no-such-budget"/],
    [{ metric: 'error_rate', condition: { above: 0.1, prompt: 'no-such-prompt' } }, 'input.condition.prompt', /no prompt named/],
    [{ metric: 'eval_score', condition: { below: 0.5, evalSet: 'no-such-set' } }, 'input.condition.evalSet', /no eval set named/],
    [{ metric: 'cost', condition: { above: 1 }, webhookUrl: 'ftp://example.com/x' }, 'input.webhookUrl', /http\(s\) URL/],
    [{ metric: 'cost', condition: { above: 1 }, webhookSecret: 'abcdefgh12' }, 'input.webhookSecret', /needs a webhookUrl/],
    [{ metric: 'cost', condition: { ratio: 0.5 } }, 'input.condition.ratio', /greater than 1/],
    [{ metric: 'drift', condition: { feature: 'vibes' } }, 'input.condition.feature', /must be one of inputLength, inputLanguage/],
  ])('refuses %j with BAD_USER_INPUT naming %s', async (patch, field, message) => {
    const r = await t.gql(CREATE, { input: { name: `bad-${field}`, window: '5m', ...patch } });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message.startsWith(`${field}:`)).toBe(true);
    expect(r.errors?.[0]?.message).toMatch(message);
  });

  it('a rule may name an existing budget; deleting the budget deletes the rules it created', async () => {
    const b = await t.gql('mutation { createBudget(input: { name: "watched-budget", scope: GLOBAL, period: DAILY, limitUsd: 5, alertThresholds: [0.5] }) { id } }');
    expect(b.errors).toBeUndefined();
    const rule = await t.gql(CREATE, { input: { name: 'budget:watched-budget', metric: 'budget', condition: { budget: 'watched-budget' }, window: '1d' } });
    expect(rule.errors).toBeUndefined();
    expect((await t.gql('mutation($id: ID!) { deleteBudget(id: $id) }', { id: b.data!.createBudget.id })).errors).toBeUndefined();
    const rules = await t.gql('{ alertRules { name } }');
    expect(rules.data!.alertRules.map((r: { name: string }) => r.name)).not.toContain('budget:watched-budget');
  });

  it('a drift rule fires once when the inputs of the window turn French, and clears when English dominates again', async () => {
    // The baseline: English questions to the watched prompt over the past hour.
    const writer = t.app.services.traces.writer;
    const english = (i: number) => `How do I reset my password for account ${i}?`;
    for (let i = 0; i < 60; i++) {
      writer.enqueue(traceRecord({ createdAt: new Date(Date.now() - 10 * 60_000 - i * 30_000), prompt: 'watched', request: { prompt: 'watched', input: english(i) } }));
    }
    await writer.flush();
    const created = await t.gql(CREATE, {
      input: { name: 'language-drift', metric: 'drift', condition: { feature: 'inputLanguage', baselineWindow: '1h', minSamples: 20, prompt: 'watched' }, window: '5m' },
    });
    expect(created.errors).toBeUndefined();
    const id = created.data!.createAlertRule.id;
    const eventsOf = async () =>
      ((await t.gql('{ alertEvents(first: 100) { id value baseline message rule { id firing } } }')).data!.alertEvents as Array<Record<string, any>>).filter((e) => e.rule.id === id);
    // Real traffic now: French questions through generate.
    for (let i = 0; i < 25; i++) {
      const r = await t.gql(ONCE, { i: { prompt: 'watched', input: `Bonjour, comment puis-je réinitialiser le mot de passe de mon compte numéro ${i} ?`, cache: 'BYPASS' } });
      expect(r.data?.generateOnce.status).toBe('COMPLETED');
    }
    await writer.flush();
    const [event] = await until('the drift event', async () => ((await eventsOf()).length ? await eventsOf() : undefined));
    // French against English (a tick may come while the French traffic is still arriving, and the window
    // may also hold the earlier test's one "Hello there").
    expect(event!.value).toBeGreaterThan(0.5);
    expect(event!.baseline).toBe(0.1);
    expect(event!.message).toMatch(
      /^drift of inputLanguage over the last 5m of prompt "watched" against the 1h before: jensen-shannon [01]\.\d{3}, past its threshold 0\.100 \(\d+ traces against 60\)$/,
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(await eventsOf()).toHaveLength(1);
    // English dominates the window again (25 French of 625): JS 0.03, under 0.1: the rule clears.
    for (let i = 0; i < 600; i++) writer.enqueue(traceRecord({ createdAt: new Date(), prompt: 'watched', request: { prompt: 'watched', input: english(i) } }));
    await writer.flush();
    await until('the rule to clear', async () => {
      const rules = await t.gql('{ alertRules { id firing } }');
      return rules.data!.alertRules.find((r: { id: string; firing: boolean }) => r.id === id && !r.firing);
    });
    expect(await eventsOf()).toHaveLength(1);
  });

  it('alertDeliveries validates its arguments', async () => {
    const r = await t.gql(DELIVERIES, { rule: 'nope' });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/^rule:/);
    const f = await t.gql(DELIVERIES, { first: 0 });
    expect(f.errors?.[0]?.message).toMatch(/^first:/);
  });
});
