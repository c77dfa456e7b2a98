import { ADMIN_SECRET, startTestApp, type TestApp } from '../helpers/test-app';

/** Who may do what, references that must exist, and model ids that can only be called through a profile. */
const SONNET_4 = 'anthropic.claude-sonnet-4-20250514-v1:0';
const code = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

describe('roles, dangling references and profile-only models', () => {
  let t: TestApp;
  let app: string;
  let analyst: string;
  const logs: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    t = await startTestApp();
    app = await t.keyFor('APP');
    analyst = await t.keyFor('ANALYST');
    await t.gql('mutation { createPrompt(input: { name: "refs" }) { id } }');
    await t.gql('mutation { createRoutingRule(input: { name: "long", priority: 1, condition: { minInputTokens: 1000 }, targetModelId: "amazon.nova-lite-v1:0" }) { id } }');
  });
  afterAll(() => t?.close());

  it('refuses explainRoute and routing rule conditions to APP; auditLog is ADMIN only', async () => {
    expect(code(await t.gql('{ explainRoute(input: { prompt: "refs", input: "hi" }) { modelId reason } }', {}, app))).toBe('FORBIDDEN');
    expect(code(await t.gql('{ routingRules { condition } }', {}, app))).toBe('FORBIDDEN');
    expect(code(await t.gql('{ explainRoute(input: { prompt: "refs", input: "hi" }) { modelId } }', {}, analyst))).not.toBe('FORBIDDEN');
    expect(code(await t.gql('{ auditLog(first: 1) { edges { cursor } } }', {}, analyst))).toBe('FORBIDDEN');
    expect(code(await t.gql('{ auditLog(first: 1) { edges { cursor } } }', {}, await t.keyFor('CI')))).toBe('FORBIDDEN');
    expect(code(await t.gql('{ auditLog(first: 1) { edges { cursor } } }', {}, ADMIN_SECRET))).toBeUndefined();
  });

  it('refuses a PROMPT-scoped budget on a prompt that does not exist, naming the field', async () => {
    const r = await t.gql('mutation { createBudget(input: { name: "ghost", scope: PROMPT, scopeValue: "no-such-prompt", period: DAILY, limitUsd: 1 }) { id } }');
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.extensions?.field).toBe('input.scopeValue');
    const ok = await t.gql('mutation { createBudget(input: { name: "real", scope: PROMPT, scopeValue: "refs", period: DAILY, limitUsd: 1 }) { id } }');
    expect(ok.errors).toBeUndefined();
    const upd = await t.gql('mutation($id: ID!) { updateBudget(id: $id, input: { name: "real", scope: PROMPT, scopeValue: "gone", period: DAILY, limitUsd: 1 }) { id } }', {
      id: ok.data!.createBudget.id,
    });
    expect(r.errors?.[0]?.extensions?.field).toBe('input.scopeValue');
    expect(code(upd)).toBe('BAD_USER_INPUT');
  });

  it('refuses an alert rule on a budget that does not exist', async () => {
    const r = await t.gql('mutation { createAlertRule(input: { name: "watch-ghost", metric: "budget", condition: { budget: "no-such-budget" }, window: "1d" }) { id } }');
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.extensions?.field).toBe('input.condition.budget');
  });

  it('deleteBudget deletes the alert rule it created', async () => {
    const b = await t.gql('mutation { createBudget(input: { name: "temp", scope: GLOBAL, period: DAILY, limitUsd: 1, alertThresholds: [0.5] }) { id } }');
    const id = b.data!.createBudget.id as string;
    // The rule is created on first crossing; make sure it exists as it would after one.
    await t.gql('mutation { createAlertRule(input: { name: "budget:temp", metric: "budget", condition: { budget: "temp" }, window: "1d" }) { id } }');
    expect((await t.gql('{ alertRules { name } }')).data!.alertRules.map((r: { name: string }) => r.name)).toContain('budget:temp');
    expect((await t.gql('mutation($id: ID!) { deleteBudget(id: $id) }', { id })).errors).toBeUndefined();
    expect((await t.gql('{ alertRules { name } }')).data!.alertRules.map((r: { name: string }) => r.name)).not.toContain('budget:temp');
  });

  it('says a profile-only base id is not callable as is, with the profile ids to use', async () => {
    const r = await t.gql('{ models { id available profileOnly profileIds } }');
    expect(r.errors).toBeUndefined();
    const sonnet = r.data!.models.find((m: { id: string }) => m.id === SONNET_4);
    expect(sonnet).toMatchObject({ available: false, profileOnly: true });
    expect(sonnet.profileIds.length).toBeGreaterThan(0);
    for (const p of sonnet.profileIds) expect(p).toMatch(new RegExp(`^[a-z-]+\\.${SONNET_4.replace(/[.]/g, '\\.')}$`));
    const nova = r.data!.models.find((m: { id: string }) => m.id === 'amazon.nova-lite-v1:0');
    expect(nova).toMatchObject({ available: true, profileOnly: false });
  });

  it('refuses a profile-only base id in prompt versions and routing rules, with the hint', async () => {
    const v = await t.gql('mutation($m: String!) { createPromptVersion(input: { prompt: "refs", system: "x", modelId: $m }) { number } }', { m: SONNET_4 });
    expect(code(v)).toBe('BAD_USER_INPUT');
    expect(v.errors?.[0]?.extensions?.field).toBe('input.modelId');
    expect(v.errors?.[0]?.message).toMatch(/inference profile/);
    expect(v.errors?.[0]?.message).toContain(`us.${SONNET_4}`);
    const rr = await t.gql('mutation($m: String!) { createRoutingRule(input: { name: "sonnet", priority: 2, condition: {}, targetModelId: $m }) { id } }', { m: SONNET_4 });
    expect(code(rr)).toBe('BAD_USER_INPUT');
    expect(rr.errors?.[0]?.extensions?.field).toBe('input.targetModelId');
    expect(rr.errors?.[0]?.message).toMatch(/inference profile/);
    const ok = await t.gql('mutation($m: String!) { createRoutingRule(input: { name: "sonnet", priority: 2, condition: {}, targetModelId: $m }) { id } }', { m: `us.${SONNET_4}` });
    expect(ok.errors).toBeUndefined();
  });

  it('refuses a NUL in createPromptVersion.system naming the field, before the database (no raw driver line in the log)', async () => {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logs.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      const r = await t.gql('mutation($s: String!) { createPromptVersion(input: { prompt: "refs", system: $s }) { number } }', { s: 'hello\u0000world' });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.extensions?.field).toBe('input.system');
      const m = await t.gql('mutation($c: String!) { createPromptVersion(input: { prompt: "refs", messages: [{ role: USER, content: $c }] }) { number } }', { c: 'a\u0000' });
      expect(m.errors?.[0]?.extensions?.field).toBe('input.messages.0.content');
    } finally {
      process.stdout.write = write;
    }
    expect(logs.join('')).not.toMatch(/query failed|QueryFailedError|invalid byte sequence/i);
  });
});
