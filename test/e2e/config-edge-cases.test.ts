import { ADMIN_SECRET, startTestApp, wsCollect, type GqlResult, type TestApp } from '../helpers/test-app';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

/**
 * Edge cases of the config plane (issue #2): malformed ids, nulls, long and odd names, template
 * corner cases, label moves, routing/guardrail/eval/price validation, audit paging, armor limits and
 * the HTTP surface. Many were written against defects that are now fixed.
 */

// A profile id: the base id of a profile-only model is refused in rules and versions.
const SONNET = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const LITE = 'amazon.nova-lite-v1:0';

function code(r: GqlResult): string | undefined {
  return r.errors?.[0]?.extensions?.code as string | undefined;
}

describe('config plane edge cases', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function must<T = any>(q: string, v?: Record<string, unknown>, key?: string): Promise<T> {
    const r = await t.gql<T>(q, v, key);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data as T;
  }
  async function prompt(name: string): Promise<void> {
    await must('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
  }
  async function version(name: string, v: Record<string, unknown> = {}): Promise<GqlResult> {
    return t.gql('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number variables } }', { i: { prompt: name, ...v } });
  }
  async function promote(name: string, number: number, label: string): Promise<GqlResult> {
    return t.gql('mutation($i: PromoteInput!) { promotePromptVersion(input: $i) { promoted reason label { name version { number } } } }', {
      i: { prompt: name, version: number, label },
    });
  }
  const RULE = 'mutation($i: RoutingRuleInput!) { createRoutingRule(input: $i) { id name condition } }';
  function rule(i: Record<string, unknown>): Promise<GqlResult> {
    return t.gql(RULE, { i: { priority: 1, targetModelId: SONNET, condition: {}, ...i } });
  }
  const POLICY = 'mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id name pii wordFilters } }';
  const EVALSET = 'mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id name cases { assertions } } }';
  const PRICE = 'mutation($id: String!, $p: ModelPriceInput!) { setModelPrice(modelId: $id, input: $p) { id prices { input output } } }';

  // ------------------------------------------------------------------ ids

  describe('malformed ids', () => {
    const MUTATIONS = [
      'mutation($id: ID!) { revokeApiKey(id: $id) }',
      'mutation($id: ID!) { deleteRoutingRule(id: $id) }',
      'mutation($id: ID!) { deleteGuardrailPolicy(id: $id) }',
      'mutation($id: ID!) { deleteEvalSet(id: $id) }',
      'mutation($id: ID!) { deleteBudget(id: $id) }',
      'query($id: ID!) { budgetHistory(id: $id) { periodStart } }',
    ];
    it.each(MUTATIONS)('answers %s with a non-uuid id as BAD_USER_INPUT, never a 500', async (q) => {
      for (const id of ['not-a-uuid', "'; DROP TABLE api_keys; --", '', '00000000-0000-0000-0000-00000000000g']) {
        const r = await t.gql(q, { id });
        expect(code(r)).toBe('BAD_USER_INPUT');
      }
    });

    it.each(MUTATIONS.filter((q) => !q.includes('budgetHistory')))('answers %s with an unknown uuid as NOT_FOUND', async (q) => {
      const r = await t.gql(q, { id: '00000000-0000-4000-8000-000000000000' });
      expect(code(r)).toBe('NOT_FOUND');
    });

    it('revokeApiKey with a malformed id names the field in its BAD_USER_INPUT message', async () => {
      const r = await t.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: 'not-a-uuid' });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^id:/);
    });

    it('update mutations with a malformed id are BAD_USER_INPUT naming id', async () => {
      const rr = await t.gql('mutation($id: ID!, $i: RoutingRuleInput!) { updateRoutingRule(id: $id, input: $i) { id } }', {
        id: 'x',
        i: { name: 'x', priority: 1, condition: {}, targetModelId: SONNET },
      });
      expect(code(rr)).toBe('BAD_USER_INPUT');
      expect(rr.errors![0]!.message).toMatch(/^id:/);
      const gp = await t.gql('mutation($id: ID!, $p: GuardrailPolicyInput!) { updateGuardrailPolicy(id: $id, input: $p) { id } }', { id: 'x', p: { name: 'x' } });
      expect(code(gp)).toBe('BAD_USER_INPUT');
      expect(gp.errors![0]!.message).toMatch(/^id:/);
    });
  });

  // ------------------------------------------------------------------ roles

  describe('roles on every config operation', () => {
    const keys: Record<string, string> = {};
    beforeAll(async () => {
      for (const role of ['APP', 'ANALYST', 'CI'] as const) keys[role] = await t.keyFor(role, `matrix-${role}`);
    });
    const ID = '00000000-0000-4000-8000-000000000000';
    // [operation, roles that may use it besides ADMIN]
    const OPS: Array<[string, string[]]> = [
      ['{ apiKeys { id } }', []],
      ['mutation { createApiKey(name: "m", role: APP) { secret } }', []],
      [`mutation { revokeApiKey(id: "${ID}") }`, []],
      ['{ auditLog(first: 1) { edges { cursor } } }', []],
      ['{ prompts { name } }', ['APP', 'ANALYST', 'CI']],
      ['mutation { createPrompt(input: { name: "matrix" }) { id } }', []],
      ['mutation { createPromptVersion(input: { prompt: "no-such", system: "x" }) { number } }', ['CI']],
      ['mutation { promotePromptVersion(input: { prompt: "no-such", version: 1, label: "production" }) { promoted } }', ['CI']],
      ['mutation { rollbackPromptLabel(prompt: "no-such", label: "production") { name } }', ['CI']],
      ['{ routingRules { id } }', ['ANALYST', 'CI']],
      [`mutation { createRoutingRule(input: { name: "m", priority: 1, condition: { minTokens: 1 }, targetModelId: "x" }) { id } }`, []],
      [`mutation { updateRoutingRule(id: "${ID}", input: { name: "m", priority: 1, condition: {}, targetModelId: "x" }) { id } }`, []],
      [`mutation { deleteRoutingRule(id: "${ID}") }`, []],
      ['{ guardrailPolicies { id } }', ['ANALYST', 'CI']],
      ['{ checkGuardrail(policy: "no-such", direction: INPUT, text: "x") { action } }', ['ANALYST', 'CI']],
      ['mutation { createGuardrailPolicy(input: { name: " " }) { id } }', []],
      [`mutation { updateGuardrailPolicy(id: "${ID}", input: { name: "m" }) { id } }`, []],
      [`mutation { deleteGuardrailPolicy(id: "${ID}") }`, []],
      ['{ budgets { id } }', ['ANALYST', 'CI']],
      ['mutation { createBudget(input: { name: " ", scope: GLOBAL, period: DAILY, limitUsd: 1 }) { id } }', []],
      [`mutation { deleteBudget(id: "${ID}") }`, []],
      ['{ evalSets { id } }', ['ANALYST', 'CI']],
      ['mutation { createEvalSet(input: { name: " " }) { id } }', ['CI']],
      ['mutation { addEvalCases(evalSet: "no-such", cases: []) { id } }', ['CI']],
      [`mutation { deleteEvalSet(id: "${ID}") }`, []],
      ['{ models { id } }', ['ANALYST', 'CI']],
      ['mutation { setModelPrice(modelId: "no.such", input: { input: 1, output: 1 }) { id } }', []],
      ['mutation { clearModelPrice(modelId: "no.such") { id } }', []],
    ];
    it.each(OPS)('%s: no key is UNAUTHENTICATED, roles not allowed are FORBIDDEN, allowed roles pass the check', async (q, allowed) => {
      expect(code(await t.gql(q, {}, null))).toBe('UNAUTHENTICATED');
      for (const role of ['APP', 'ANALYST', 'CI']) {
        const c = code(await t.gql(q, {}, keys[role]));
        if (allowed.includes(role)) expect(['FORBIDDEN', 'UNAUTHENTICATED', 'INTERNAL_SERVER_ERROR']).not.toContain(c);
        else expect(c).toBe('FORBIDDEN');
      }
      const admin = code(await t.gql(q));
      expect(['FORBIDDEN', 'UNAUTHENTICATED', 'INTERNAL_SERVER_ERROR']).not.toContain(admin);
    });

    it('a refused operation changes nothing and writes no audit entry', async () => {
      const before = await t.app.dataSource.query('SELECT count(*)::int AS n FROM audit_log');
      await t.gql('mutation { createPrompt(input: { name: "forbidden-one" }) { id } }', {}, keys.CI);
      await t.gql('mutation { createRoutingRule(input: { name: "forbidden-rule", priority: 1, condition: {}, targetModelId: "x" }) { id } }', {}, keys.ANALYST);
      const after = await t.app.dataSource.query('SELECT count(*)::int AS n FROM audit_log');
      expect(after[0].n).toBe(before[0].n);
    });
  });

  // ------------------------------------------------------------------ api keys

  describe('API keys', () => {
    it('refuses a key name that differs only by surrounding whitespace as CONFLICT (names are trimmed)', async () => {
      await must('mutation { createApiKey(name: "ws-key", role: APP) { secret } }');
      const r = await t.gql('mutation { createApiKey(name: "  ws-key  ", role: APP) { secret } }');
      expect(code(r)).toBe('CONFLICT');
    });

    it('a key name stays taken after the key is revoked (audit entries name keys by name): CONFLICT', async () => {
      const d = await must('mutation { createApiKey(name: "reused", role: APP) { apiKey { id } } }');
      await must('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: d.createApiKey.apiKey.id });
      const again = await t.gql('mutation { createApiKey(name: "reused", role: APP) { secret } }');
      expect(code(again)).toBe('CONFLICT');
    });

    it('a name that differs only in Unicode normalization (NFC "café" vs NFD "café") is CONFLICT, not a look-alike second key', async () => {
      await must('mutation($n: String!) { createApiKey(name: $n, role: APP) { secret } }', { n: 'caf\u00e9' });
      const r = await t.gql('mutation($n: String!) { createApiKey(name: $n, role: APP) { secret } }', { n: 'cafe\u0301' });
      expect(code(r)).toBe('CONFLICT');
    });

    it('keeps unicode and emoji names as given', async () => {
      const d = await must('mutation($n: String!) { createApiKey(name: $n, role: ANALYST) { apiKey { name } } }', { n: 'clé-🔑-ключ' });
      expect(d.createApiKey.apiKey.name).toBe('clé-🔑-ключ');
    });

    it('refuses a 101-character name as BAD_USER_INPUT naming the field', async () => {
      const r = await t.gql('mutation($n: String!) { createApiKey(name: $n, role: APP) { secret } }', { n: 'k'.repeat(101) });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^name:/);
    });

    it('revoking twice is idempotent and audited once; the revoked key is refused at once', async () => {
      const d = await must('mutation { createApiKey(name: "twice", role: CI) { secret apiKey { id } } }');
      const { id } = d.createApiKey.apiKey;
      expect((await must('mutation($id: ID!) { revokeApiKey(id: $id) }', { id })).revokeApiKey).toBe(true);
      expect((await must('mutation($id: ID!) { revokeApiKey(id: $id) }', { id })).revokeApiKey).toBe(true);
      const rows = await t.app.dataSource.query("SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = 'revoke'", [id]);
      expect(rows[0].n).toBe(1);
      expect(code(await t.gql('{ prompts { name } }', {}, d.createApiKey.secret))).toBe('UNAUTHENTICATED');
    });

    it('a malformed Authorization header is UNAUTHENTICATED, not a 500', async () => {
      for (const authorization of ['Bearer', 'Basic abc', `Bearer ${ADMIN_SECRET} extra`, 'Bearer ' + 'x'.repeat(10000)]) {
        const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ prompts { name } }' }) });
        const body = (await res.json()) as GqlResult;
        expect(code(body)).toBe('UNAUTHENTICATED');
      }
    });

    it('graphql-ws without a key, or with a revoked key, cannot subscribe or query', async () => {
      await expect(wsCollect(t.ws(null), '{ prompts { name } }')).rejects.toBeTruthy();
      await expect(wsCollect(t.ws('nope'), '{ prompts { name } }')).rejects.toBeTruthy();
    });

    it('roles over graphql-ws: an APP key is FORBIDDEN to read routing rules', async () => {
      const app = await t.keyFor('APP', 'ws-app');
      const r = await wsCollect(t.ws(app), '{ routingRules { id } }');
      expect(r[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  // ------------------------------------------------------------------ prompts

  describe('prompts', () => {
    it('refuses a prompt name that differs only by whitespace as CONFLICT', async () => {
      await prompt('dup-ws');
      const r = await t.gql('mutation { createPrompt(input: { name: " dup-ws\\t" }) { id } }');
      expect(code(r)).toBe('CONFLICT');
    });

    it('accepts a 1000-variable version and lists them in order', async () => {
      await prompt('many-vars');
      const system = Array.from({ length: 1000 }, (_, i) => `{{v${i}}}`).join(' ');
      const r = await version('many-vars', { system });
      expect(r.errors).toBeUndefined();
      expect(r.data!.createPromptVersion.variables).toHaveLength(1000);
      expect(r.data!.createPromptVersion.variables[999]).toBe('v999');
    });

    it('handles {{ edge cases: literal, spaced, unclosed, empty, nested, triple braces', async () => {
      await prompt('braces');
      const ok = await version('braces', { system: 'JSON: \\{{"a":1}} and {{ name }} and {{name}} and } }' });
      expect(ok.errors).toBeUndefined();
      expect(ok.data!.createPromptVersion.variables).toEqual(['name']);
      for (const bad of ['{{', '{{}}', '{{ }}', '{{a b}}', '{{1x}}', 'open {{x', '{{{x}}}', '{{x}']) {
        const r = await version('braces', { messages: [{ role: 'USER', content: `hi ${bad}` }] });
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0]!.message).toMatch(/^input\.messages\.0\.content:/);
      }
      // A refused version takes no number.
      const next = await version('braces', { system: 'x' });
      expect(next.data!.createPromptVersion.number).toBe(2);
    });

    it('refuses labels latest / LATEST / " latest " and accepts "production " as production', async () => {
      await prompt('labels-x');
      await version('labels-x', { system: 'one' });
      await version('labels-x', { system: 'two' });
      for (const label of ['latest', 'LATEST', ' latest ', 'Production', 'prod uction', '', '1abc', 'é']) {
        const r = await promote('labels-x', 1, label);
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0]!.message).toMatch(/^input\.label:/);
      }
      const r = await promote('labels-x', 1, 'production ');
      expect(r.errors).toBeUndefined();
      expect(r.data!.promotePromptVersion.label.name).toBe('production');
      const again = await promote('labels-x', 2, 'production');
      expect(again.data!.promotePromptVersion.label.version.number).toBe(2);
    });

    it('rollback twice returns to where it started; rollback of a never-moved label is BAD_USER_INPUT', async () => {
      await prompt('rb');
      for (const s of ['a', 'b', 'c']) await version('rb', { system: s });
      await promote('rb', 1, 'production');
      const noPrev = await t.gql('mutation { rollbackPromptLabel(prompt: "rb", label: "production") { name } }');
      expect(code(noPrev)).toBe('BAD_USER_INPUT');
      await promote('rb', 3, 'production');
      const q = 'mutation { rollbackPromptLabel(prompt: "rb", label: "production") { version { number } history { fromVersion toVersion } } }';
      const once = await must(q);
      expect(once.rollbackPromptLabel.version.number).toBe(1);
      const twice = await must(q);
      expect(twice.rollbackPromptLabel.version.number).toBe(3);
      expect(twice.rollbackPromptLabel.history.map((h: any) => [h.fromVersion, h.toVersion])).toEqual([
        [1, 3],
        [3, 1],
        [1, 3],
        [null, 1],
      ]);
      const latest = await t.gql('mutation { rollbackPromptLabel(prompt: "rb", label: "latest") { name } }');
      expect(code(latest)).toBe('BAD_USER_INPUT');
      const unknown = await t.gql('mutation { rollbackPromptLabel(prompt: "rb", label: "staging") { name } }');
      expect(code(unknown)).toBe('NOT_FOUND');
      const noPrompt = await t.gql('mutation { rollbackPromptLabel(prompt: "nope", label: "staging") { name } }');
      expect(code(noPrompt)).toBe('NOT_FOUND');
    });

    it('promoting to a version number that exists only on ANOTHER prompt is NOT_FOUND and moves nothing', async () => {
      await prompt('short');
      await prompt('long');
      await version('short', { system: 's1' });
      for (const s of ['l1', 'l2', 'l3']) await version('long', { system: s });
      const r = await promote('short', 3, 'production');
      expect(code(r)).toBe('NOT_FOUND');
      const labels = await must('{ prompt(name: "short") { labels { name } } }');
      expect(labels.prompt.labels).toEqual([]);
    });

    it('version numbers: 0, negative are BAD_USER_INPUT; a huge one is NOT_FOUND or BAD_USER_INPUT', async () => {
      await prompt('nums');
      await version('nums', { system: 'x' });
      for (const n of [0, -1]) expect(code(await promote('nums', n, 'production'))).toBe('BAD_USER_INPUT');
      expect(['NOT_FOUND', 'BAD_USER_INPUT']).toContain(code(await promote('nums', 2147483647, 'production')));
      expect(code(await promote('nums', 2 ** 31, 'production'))).toBe('BAD_USER_INPUT');
    });

    it('concurrent label moves on one prompt all land in the history with consistent from/to', async () => {
      await prompt('race');
      for (let i = 0; i < 5; i++) await version('race', { system: `v${i}` });
      const targets = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
      const results = await Promise.all(targets.map((n) => promote('race', n, 'production')));
      for (const r of results) expect(r.errors).toBeUndefined();
      const d = await must('{ prompt(name: "race") { labels { version { number } history { fromVersion toVersion } } } }');
      const history = [...d.prompt.labels[0].history].reverse();
      // Each move starts where the previous one ended.
      for (let i = 1; i < history.length; i++) expect(history[i].fromVersion).toBe(history[i - 1].toVersion);
      expect(history.at(-1).toVersion).toBe(d.prompt.labels[0].version.number);
    });

    it('prompt(name) version(label:) with LATEST or a bad label is BAD_USER_INPUT, not a 500', async () => {
      await prompt('sel');
      await version('sel', { system: 'x' });
      const r = await t.gql('{ prompt(name: "sel") { version(label: "LATEST") { number } } }');
      expect(code(r)).toBe('BAD_USER_INPUT');
      const both = await t.gql('{ prompt(name: "sel") { version(label: "latest", number: 1) { number } } }');
      expect(code(both)).toBe('BAD_USER_INPUT');
      const latest = await must('{ prompt(name: "sel") { version(label: "latest") { number labels } } }');
      expect(latest.prompt.version).toEqual({ number: 1, labels: ['latest'] });
    });

    it('a version with null messages and null system is refused or stored empty, never a 500', async () => {
      await prompt('nulls');
      const r = await version('nulls', { system: null, messages: null, params: null, modelId: null });
      expect(code(r)).not.toBe('INTERNAL_SERVER_ERROR');
    });

    it('createPromptVersion with a whitespace-only modelId is BAD_USER_INPUT naming input.modelId', async () => {
      await prompt('ws-model');
      const r = await version('ws-model', { system: 'x', modelId: '   ' });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^input\.modelId:/);
    });

    it('createPromptVersion with an unknown modelId is BAD_USER_INPUT (routing rules refuse unknown models)', async () => {
      await prompt('unknown-model');
      const r = await version('unknown-model', { system: 'x', modelId: 'no.such-model-v9' });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^input\.modelId:/);
    });
  });

  // ------------------------------------------------------------------ routing

  describe('routing rules', () => {
    it('refuses min > max for tokens and complexity, naming the max field', async () => {
      const a = await rule({ name: 'mm1', condition: { minInputTokens: 10, maxInputTokens: 5 } });
      expect(code(a)).toBe('BAD_USER_INPUT');
      expect(a.errors![0]!.message).toMatch(/^input\.condition\.maxInputTokens:/);
      const b = await rule({ name: 'mm2', condition: { minComplexity: 0.9, maxComplexity: 0.1 } });
      expect(b.errors![0]!.message).toMatch(/^input\.condition\.maxComplexity:/);
    });

    it('refuses wrong types, out-of-range values and unknown keys naming the key', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ minInputTokens: '5' }, /^input\.condition\.minInputTokens:/],
        [{ minInputTokens: 1.5 }, /^input\.condition\.minInputTokens:/],
        [{ minInputTokens: -1 }, /^input\.condition\.minInputTokens:/],
        [{ maxComplexity: 2 }, /^input\.condition\.maxComplexity:/],
        [{ hasCode: 'yes' }, /^input\.condition\.hasCode:/],
        [{ prompts: 'a' }, /^input\.condition\.prompts:/],
        [{ prompts: [] }, /^input\.condition\.prompts:/],
        [{ prompts: [null] }, /^input\.condition\.prompts\.0:/],
        [{ inputMatches: '(' }, /^input\.condition\.inputMatches:/],
        [{ minTokens: 1 }, /^input\.condition\.minTokens:/],
        [{ minInputTokens: null }, /^input\.condition\.minInputTokens:/],
      ];
      for (const [condition, field] of cases) {
        const r = await rule({ name: 'bad-cond', condition });
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0]!.message).toMatch(field);
      }
      for (const condition of [null, [], 'x', 5]) {
        const r = await rule({ name: 'bad-cond', condition });
        expect(code(r)).toBe('BAD_USER_INPUT');
      }
    });

    it('refuses label names in condition.labels that no label can have (labels are lowercase)', async () => {
      const r = await rule({ name: 'upper-labels', condition: { labels: ['Production'] } });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^input\.condition\.labels\.0:/);
      if (!r.errors) await must('mutation($id: ID!) { deleteRoutingRule(id: $id) }', { id: r.data!.createRoutingRule.id });
    });

    it('refuses the classic nested-quantifier regex (a+)+', async () => {
      const r = await rule({ name: 'redos-1', condition: { inputMatches: '^(a+)+$' } });
      expect(code(r)).toBe('BAD_USER_INPUT');
    });

    it.each(['^(\\w+\\s?)+$', '^(a|a)*$', '^(a+b?)+$', '(.*a){20}$'])(
      'refuses the catastrophic regex %s in inputMatches (it would hang the event loop on explainRoute/generate)',
      async (inputMatches) => {
        const r = await rule({ name: 'redos', condition: { inputMatches } });
        expect(code(r)).toBe('BAD_USER_INPUT');
        if (!r.errors) await must('mutation($id: ID!) { deleteRoutingRule(id: $id) }', { id: r.data!.createRoutingRule.id });
      },
    );

    it('refuses a duplicate name (also differing only by whitespace) as CONFLICT; update onto another name is CONFLICT', async () => {
      const a = await must(RULE, { i: { name: 'dup-rule', priority: 1, condition: {}, targetModelId: SONNET } });
      expect(code(await rule({ name: ' dup-rule ' }))).toBe('CONFLICT');
      const b = await must(RULE, { i: { name: 'dup-rule-2', priority: 1, condition: {}, targetModelId: SONNET } });
      const up = await t.gql('mutation($id: ID!, $i: RoutingRuleInput!) { updateRoutingRule(id: $id, input: $i) { id } }', {
        id: b.createRoutingRule.id,
        i: { name: 'dup-rule', priority: 1, condition: {}, targetModelId: SONNET },
      });
      expect(code(up)).toBe('CONFLICT');
      for (const id of [a.createRoutingRule.id, b.createRoutingRule.id]) await must('mutation($id: ID!) { deleteRoutingRule(id: $id) }', { id });
    });

    it('refuses fallbacks equal to the target, listed twice, or unknown; priority out of range', async () => {
      expect(code(await rule({ name: 'fb1', fallbackModelIds: [SONNET] }))).toBe('BAD_USER_INPUT');
      expect(code(await rule({ name: 'fb2', fallbackModelIds: [LITE, LITE] }))).toBe('BAD_USER_INPUT');
      expect(code(await rule({ name: 'fb3', fallbackModelIds: ['nope.model'] }))).toBe('BAD_USER_INPUT');
      expect(code(await rule({ name: 'fb4', priority: -1 }))).toBe('BAD_USER_INPUT');
      expect(code(await rule({ name: 'fb5', targetModelId: '' }))).toBe('BAD_USER_INPUT');
    });

    it('update with enabled: null keeps the value; delete is audited with before', async () => {
      const c = await must(RULE, { i: { name: 'keep', priority: 1, enabled: false, condition: {}, targetModelId: SONNET } });
      const id = c.createRoutingRule.id;
      const u = await must('mutation($id: ID!, $i: RoutingRuleInput!) { updateRoutingRule(id: $id, input: $i) { enabled } }', {
        id,
        i: { name: 'keep', priority: 2, enabled: null, condition: {}, targetModelId: SONNET },
      });
      expect(u.updateRoutingRule.enabled).toBe(false);
      await must('mutation($id: ID!) { deleteRoutingRule(id: $id) }', { id });
      const again = await t.gql('mutation($id: ID!) { deleteRoutingRule(id: $id) }', { id });
      expect(code(again)).toBe('NOT_FOUND');
      const log = await must('{ auditLog(first: 1) { edges { node { action entityType before after } } } }');
      expect(log.auditLog.edges[0].node).toMatchObject({ action: 'delete', entityType: 'RoutingRule', after: null });
      expect(log.auditLog.edges[0].node.before.name).toBe('keep');
    });
  });

  // ------------------------------------------------------------------ guardrails

  describe('guardrail policies', () => {
    it('empty arrays are accepted and the policy checks nothing', async () => {
      const d = await must(POLICY, { p: { name: 'empty-arrays', pii: { entities: [] }, deniedTopics: [], wordFilters: { words: [] }, contentCategories: [], prompts: [] } });
      expect(d.createGuardrailPolicy.pii).toEqual({ entities: [] });
      const v = await must('{ checkGuardrail(policy: "empty-arrays", direction: INPUT, text: "me@example.com") { action text } }');
      expect(v.checkGuardrail).toEqual({ action: 'NONE', text: 'me@example.com' });
    });

    it('refuses a pii config naming the same entity type twice with conflicting actions', async () => {
      const r = await t.gql(POLICY, {
        p: {
          name: 'pii-conflict',
          pii: {
            entities: [
              { type: 'EMAIL', action: 'ANONYMIZE' },
              { type: 'EMAIL', action: 'BLOCK' },
            ],
          },
        },
      });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^input\.pii\.entities/);
    });

    it('refuses a whitespace-only word in wordFilters', async () => {
      const r = await t.gql(POLICY, { p: { name: 'blank-word', wordFilters: { words: ['   '] } } });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^input\.wordFilters\.words\.0/);
    });

    it('refuses unknown keys, wrong types and unknown enum values naming the field', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ pii: { entities: [{ type: 'EMAIL', action: 'REDACT' }] } }, /^input\.pii\.entities\.0\.action:/],
        [{ pii: { entities: [{ type: 'SSN', action: 'BLOCK' }] } }, /^input\.pii\.entities\.0\.type:/],
        [{ pii: { entity: [] } }, /^input\.pii/],
        [{ wordFilters: { words: 'x' } }, /^input\.wordFilters\.words:/],
        [{ promptInjection: { enabled: 'yes' } }, /^input\.promptInjection\.enabled:/],
        [{ contentCategories: [{ category: 'HATE', action: 'ANONYMIZE' }] }, /^input\.contentCategories\.0\.action:/],
        [{ deniedTopics: [{ name: 'x' }] }, /^input\.deniedTopics\.0\.definition:/],
        [{ bedrockGuardrail: { identifier: 'g', version: 'v1' } }, /^input\.bedrockGuardrail\.version:/],
        [{ appliesTo: [] }, /^input\.appliesTo:/],
        [{ blockedMessage: '  ' }, /^input\.blockedMessage:/],
        [{ enabled: null }, /^input\.enabled:/],
      ];
      for (const [p, field] of cases) {
        const r = await t.gql(POLICY, { p: { name: 'bad-policy', ...p } });
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0]!.message).toMatch(field);
      }
      expect((await must('{ guardrailPolicies { name } }')).guardrailPolicies.map((p: any) => p.name)).not.toContain('bad-policy');
    });

    it('checkGuardrail works on a disabled policy, on empty text, and on 1 MB of text', async () => {
      await must(POLICY, { p: { name: 'off', enabled: false, pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } } });
      const v = await must('{ checkGuardrail(policy: "off", direction: INPUT, text: "write to a@b.co") { action text } }');
      expect(v.checkGuardrail).toEqual({ action: 'ANONYMIZED', text: 'write to {EMAIL}' });
      const empty = await must('{ checkGuardrail(policy: "off", direction: OUTPUT, text: "") { action text findings { kind } } }');
      expect(empty.checkGuardrail).toEqual({ action: 'NONE', text: '', findings: [] });
      const big = 'lorem ipsum '.repeat(87_382) + ' a@b.co';
      const started = Date.now();
      const r = await t.gql('query($t: String!) { checkGuardrail(policy: "off", direction: INPUT, text: $t) { action } }', { t: big });
      expect(r.errors).toBeUndefined();
      expect(r.data!.checkGuardrail.action).toBe('ANONYMIZED');
      expect(Date.now() - started).toBeLessThan(10_000);
      const unknown = await t.gql('{ checkGuardrail(policy: "nope", direction: INPUT, text: "x") { action } }');
      expect(code(unknown)).toBe('NOT_FOUND');
    });

    it('a duplicate policy name differing only by whitespace is CONFLICT; update to an existing name is CONFLICT', async () => {
      await must(POLICY, { p: { name: 'gp-dup' } });
      expect(code(await t.gql(POLICY, { p: { name: ' gp-dup ' } }))).toBe('CONFLICT');
      const other = await must(POLICY, { p: { name: 'gp-dup-2' } });
      const up = await t.gql('mutation($id: ID!, $p: GuardrailPolicyInput!) { updateGuardrailPolicy(id: $id, input: $p) { id } }', {
        id: other.createGuardrailPolicy.id,
        p: { name: 'gp-dup' },
      });
      expect(code(up)).toBe('CONFLICT');
    });
  });

  // ------------------------------------------------------------------ eval sets

  describe('eval sets', () => {
    const WRONG: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'equals', value: 5 }, /value:/],
      [{ type: 'contains', value: '' }, /value:/],
      [{ type: 'icontains' }, /value:/],
      [{ type: 'not-contains', value: ['a'] }, /value:/],
      [{ type: 'regex', value: '(' }, /value:/],
      [{ type: 'regex', value: 'a', flags: 'g' }, /flags:/],
      [{ type: 'starts-with', value: null }, /value:/],
      [{ type: 'is-json', value: 'x' }, /assertions\.0/],
      [{ type: 'json-schema', value: 'object' }, /value:/],
      [{ type: 'max-length', value: -1 }, /value:/],
      [{ type: 'max-length', value: 1.5 }, /value:/],
      [{ type: 'llm-rubric', value: 'ok', threshold: 2 }, /threshold:/],
      [{ type: 'similar', threshold: -0.1 }, /threshold:/],
      [{ type: 'cost-below', value: '0.01' }, /value:/],
      [{ type: 'latency-below', value: -5 }, /value:/],
      [{ type: 'contains', value: 'a', weight: -1 }, /weight:/],
      [{ type: 'nope', value: 'a' }, /type/],
    ];
    it.each(WRONG)('refuses assertion %j naming the field', async (assertion, field) => {
      const r = await t.gql(EVALSET, { i: { name: 'wrong-assert', rubric: 'r', cases: [{ input: 'q', expected: 'e', assertions: [assertion] }] } });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^input\.cases\.0\.assertions\.0/);
      expect(r.errors![0]!.message).toMatch(field);
    });

    it('refuses duplicate set names (also trimmed) as CONFLICT and stores nothing for a refused case', async () => {
      await must(EVALSET, { i: { name: 'es-dup', cases: [{ input: 'q', assertions: [{ type: 'contains', value: 'a' }] }] } });
      expect(code(await t.gql(EVALSET, { i: { name: ' es-dup ' } }))).toBe('CONFLICT');
      const bad = await t.gql('mutation($c: [EvalCaseInput!]!) { addEvalCases(evalSet: "es-dup", cases: $c) { id } }', {
        c: [
          { input: 'ok', assertions: [{ type: 'contains', value: 'a' }] },
          { input: 'bad', assertions: [] },
        ],
      });
      expect(code(bad)).toBe('BAD_USER_INPUT');
      expect(bad.errors![0]!.message).toMatch(/^cases\.1\.assertions/);
      const s = await must('{ evalSet(name: "es-dup") { cases { input } } }');
      expect(s.evalSet.cases).toHaveLength(1);
      expect(code(await t.gql('mutation { addEvalCases(evalSet: "no-set", cases: []) { id } }'))).toBe('NOT_FOUND');
    });

    it.each(['^(\\w+\\s?)+$', '^(a+)+$'])('refuses the catastrophic regex assertion %s (it would hang an eval run)', async (value) => {
      const r = await t.gql(EVALSET, { i: { name: `redos-${value.length}`, cases: [{ input: 'q', assertions: [{ type: 'regex', value }] }] } });
      expect(code(r)).toBe('BAD_USER_INPUT');
    });
  });

  // ------------------------------------------------------------------ prices

  describe('setModelPrice', () => {
    it('refuses 7 decimals, negatives and huge values naming the field', async () => {
      for (const [p, field] of [
        [{ input: 0.1234567, output: 1 }, /^input\.input:/],
        [{ input: 1, output: -1 }, /^input\.output:/],
        [{ input: 1, output: 1e7 }, /^input\.output:/],
        [{ input: 1, output: 1, cacheRead: 0.0000001 }, /^input\.cacheRead:/],
      ] as const) {
        const r = await t.gql(PRICE, { id: SONNET, p });
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0]!.message).toMatch(field);
      }
    });

    it('refuses NaN-ish strings at the GraphQL layer as a client error', async () => {
      for (const v of ['NaN', 'Infinity', '1e400', '3.0', '']) {
        const r = await t.gql(PRICE, { id: SONNET, p: { input: v, output: 1 } });
        expect(code(r)).toBe('BAD_USER_INPUT');
      }
      const lit = await t.gql(`mutation { setModelPrice(modelId: "${SONNET}", input: { input: NaN, output: 1 }) { id } }`);
      expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(code(lit));
    });

    it('accepts exactly 6 decimals and an inference-profile id; unknown model is NOT_FOUND', async () => {
      const ok = await must(PRICE, { id: SONNET, p: { input: 2.123456, output: 10.000001 } });
      expect(ok.setModelPrice.prices).toEqual({ input: 2.123456, output: 10.000001 });
      const profile = await t.gql(PRICE, { id: SONNET, p: { input: 3, output: 15 } });
      expect(profile.errors).toBeUndefined();
      expect(profile.data!.setModelPrice.prices).toEqual({ input: 3, output: 15 });
      expect(code(await t.gql(PRICE, { id: 'nope.model', p: { input: 1, output: 1 } }))).toBe('NOT_FOUND');
    });

    it('accepts a large price with 6 decimals (999999.999999)', async () => {
      const r = await t.gql(PRICE, { id: LITE, p: { input: 999999.999999, output: 1 } });
      expect(r.errors).toBeUndefined();
      expect(r.data!.setModelPrice.prices.input).toBe(999999.999999);
    });
  });

  // ------------------------------------------------------------------ audit

  describe('auditLog paging', () => {
    it('auditLog(first: 0) answers no entries (or BAD_USER_INPUT), never one', async () => {
      const r = await t.gql('{ auditLog(first: 0) { edges { cursor } } }');
      if (!r.errors) expect(r.data!.auditLog.edges).toHaveLength(0);
      else expect(code(r)).toBe('BAD_USER_INPUT');
    });

    it('a negative first is BAD_USER_INPUT naming first (it silently returns one entry)', async () => {
      const r = await t.gql('{ auditLog(first: -5) { edges { cursor } } }');
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^first:/);
    });

    it('a huge first is capped or refused as a client error; a garbage after cursor is BAD_USER_INPUT naming after', async () => {
      const big = await t.gql('{ auditLog(first: 2147483647) { edges { cursor } pageInfo { hasNextPage } } }');
      if (big.errors) expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(code(big));
      else expect(big.data!.auditLog.edges.length).toBeLessThanOrEqual(500);
      const capped = await must('{ auditLog(first: 500) { edges { cursor } } }');
      expect(capped.auditLog.edges.length).toBeLessThanOrEqual(500);
      for (const after of [
        'garbage',
        '',
        '%%%',
        Buffer.from('2026-01-01T00:00:00Z|not-a-uuid').toString('base64url'),
        Buffer.from('nonsense|00000000-0000-4000-8000-000000000000').toString('base64url'),
      ]) {
        const r = await t.gql('query($a: String) { auditLog(first: 2, after: $a) { edges { cursor } } }', { a: after });
        if (after === '') {
          expect(code(r)).not.toBe('INTERNAL_SERVER_ERROR');
          continue;
        }
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0]!.message).toMatch(/^after:/);
      }
    });

    it('every change is audited with actor, action, entity, before and after', async () => {
      const ci = await t.keyFor('CI', 'ci-auditor');
      await prompt('audited');
      await must('mutation { createPromptVersion(input: { prompt: "audited", system: "x" }) { number } }', {}, ci);
      await must('mutation { promotePromptVersion(input: { prompt: "audited", version: 1, label: "staging" }) { promoted } }', {}, ci);
      const log = await must('{ auditLog(first: 2) { edges { node { actor action entity before after } } } }');
      const [promoteEntry, versionEntry] = log.auditLog.edges.map((e: any) => e.node);
      expect(promoteEntry).toMatchObject({ actor: 'ci-auditor', action: 'promote', entity: 'PromptLabel "audited:staging"', before: null });
      expect(promoteEntry.after).toMatchObject({ name: 'staging', version: 1 });
      expect(versionEntry).toMatchObject({ actor: 'ci-auditor', action: 'create', entity: 'PromptVersion "audited@1"' });
    });

    it('paging with first: 1 visits every entry exactly once, also entries in the same millisecond', async () => {
      // Entries written in one millisecond (clock_timestamp() has microseconds): the cursor carries
      // only milliseconds, so `(at, id) < (cursor_at, cursor_id)` skips those after the first.
      await t.app.dataSource.query(
        `INSERT INTO audit_log (actor, action, entity_type, entity_name, at)
         SELECT 'paging', 'create', 'Probe', 'p' || i, timestamptz '2000-01-01 00:00:00.123' + (i || ' microseconds')::interval
         FROM generate_series(1, 5) AS i`,
      );
      const all = await must('{ auditLog(first: 500) { edges { node { id } } } }');
      const expected = all.auditLog.edges.map((e: any) => e.node.id);
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < expected.length + 5; i++) {
        const page: any = await must('query($a: String) { auditLog(first: 1, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }', { a: after });
        seen.push(...page.auditLog.edges.map((e: any) => e.node.id));
        if (!page.auditLog.pageInfo.hasNextPage) break;
        after = page.auditLog.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
    });

    it('each config mutation writes exactly one audit entry with actor, action, entity, before and after', async () => {
      const last = async () => (await must('{ auditLog(first: 1) { edges { node { actor action entityType entity before after } } } }')).auditLog.edges[0].node;
      const count = async () => (await t.app.dataSource.query('SELECT count(*)::int AS n FROM audit_log'))[0].n as number;
      const step = async (q: string, v: Record<string, unknown>, action: string, entityType: string, hasBefore: boolean, hasAfter: boolean): Promise<any> => {
        const n = await count();
        const d = await must(q, v);
        expect(await count()).toBe(n + 1);
        const e = await last();
        expect(e).toMatchObject({ actor: 'bootstrap-admin', action, entityType });
        expect(e.before === null).toBe(!hasBefore);
        expect(e.after === null).toBe(!hasAfter);
        return d;
      };
      const b = await step('mutation { createBudget(input: { name: "aud-b", scope: GLOBAL, period: DAILY, limitUsd: 1 }) { id } }', {}, 'create', 'Budget', false, true);
      await step('mutation($id: ID!) { updateBudget(id: $id, input: { name: "aud-b", scope: GLOBAL, period: DAILY, limitUsd: 2 }) { id } }', { id: b.createBudget.id }, 'update', 'Budget', true, true);
      await step('mutation($id: ID!) { deleteBudget(id: $id) }', { id: b.createBudget.id }, 'delete', 'Budget', true, false);
      await step(PRICE, { id: 'amazon.nova-micro-v1:0', p: { input: 1, output: 2 } }, 'create', 'ModelPrice', false, true);
      await step(PRICE, { id: 'amazon.nova-micro-v1:0', p: { input: 1, output: 3 } }, 'update', 'ModelPrice', true, true);
      await step('mutation { clearModelPrice(modelId: "amazon.nova-micro-v1:0") { id } }', {}, 'delete', 'ModelPrice', true, false);
      const es = await step(EVALSET, { i: { name: 'aud-es' } }, 'create', 'EvalSet', false, true);
      await step('mutation($id: ID!) { updateEvalSet(id: $id, input: { description: "d" }) { id } }', { id: es.createEvalSet.id }, 'update', 'EvalSet', true, true);
      await step('mutation { addEvalCases(evalSet: "aud-es", cases: [{ input: "q", assertions: [{ type: "contains", value: "a" }] }]) { id } }', {}, 'add_cases', 'EvalSet', true, true);
      await step('mutation($id: ID!) { deleteEvalSet(id: $id) }', { id: es.createEvalSet.id }, 'delete', 'EvalSet', true, false);
      const gp = await step(POLICY, { p: { name: 'aud-gp' } }, 'create', 'GuardrailPolicy', false, true);
      await step(
        'mutation($id: ID!) { updateGuardrailPolicy(id: $id, input: { name: "aud-gp", enabled: false }) { id } }',
        { id: gp.createGuardrailPolicy.id },
        'update',
        'GuardrailPolicy',
        true,
        true,
      );
      await step('mutation($id: ID!) { deleteGuardrailPolicy(id: $id) }', { id: gp.createGuardrailPolicy.id }, 'delete', 'GuardrailPolicy', true, false);
      const rr = await step(RULE, { i: { name: 'aud-rr', priority: 1, condition: {}, targetModelId: SONNET } }, 'create', 'RoutingRule', false, true);
      await step(
        `mutation($id: ID!) { updateRoutingRule(id: $id, input: { name: "aud-rr", priority: 2, condition: {}, targetModelId: "${SONNET}" }) { id } }`,
        { id: rr.createRoutingRule.id },
        'update',
        'RoutingRule',
        true,
        true,
      );
      // A no-op (clearing a price that is not set, promoting to where a label already is) writes nothing.
      const n = await count();
      await must('mutation { clearModelPrice(modelId: "amazon.nova-micro-v1:0") { id } }');
      expect(await count()).toBe(n);
    });

    it('the audit log is ADMIN only', async () => {
      const app = await t.keyFor('APP', 'audit-app');
      expect(code(await t.gql('{ auditLog { edges { cursor } } }', {}, app))).toBe('FORBIDDEN');
      const analyst = await t.keyFor('ANALYST', 'audit-analyst');
      expect(code(await t.gql('{ auditLog(first: 1) { edges { cursor } } }', {}, analyst))).toBe('FORBIDDEN');
      expect((await t.gql('{ auditLog(first: 1) { edges { cursor } } }')).errors).toBeUndefined();
    });
  });

  // ------------------------------------------------------------------ NUL characters (PostgreSQL text/jsonb cannot hold U+0000)

  describe('strings holding U+0000', () => {
    const NUL = 'a\u0000b';
    const WRITES: Array<[string, string, Record<string, unknown>]> = [
      ['createApiKey name', 'mutation($n: String!) { createApiKey(name: $n, role: APP) { secret } }', { n: NUL }],
      ['createPrompt name', 'mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: NUL }],
      ['createPrompt description', 'mutation($n: String!) { createPrompt(input: { name: "nul-desc", description: $n }) { id } }', { n: NUL }],
      ['createRoutingRule condition', RULE, { i: { name: 'nul-rule', priority: 1, targetModelId: SONNET, condition: { keywordsAny: [NUL] } } }],
      ['createGuardrailPolicy wordFilters', POLICY, { p: { name: 'nul-policy', wordFilters: { words: [NUL] } } }],
      ['createGuardrailPolicy blockedMessage', POLICY, { p: { name: 'nul-policy-2', blockedMessage: NUL } }],
      ['createEvalSet case input', EVALSET, { i: { name: 'nul-set', cases: [{ input: NUL, assertions: [{ type: 'contains', value: 'x' }] }] } }],
      ['createBudget name', 'mutation($n: String!) { createBudget(input: { name: $n, scope: GLOBAL, period: DAILY, limitUsd: 1 }) { id } }', { n: NUL }],
    ];
    it.each(WRITES)('%s with a NUL character is BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async (_what, q, v) => {
      const r = await t.gql(q, v);
      expect(r.errors?.length).toBeGreaterThan(0);
      expect(code(r)).toBe('BAD_USER_INPUT');
    });

    it('createPromptVersion with a NUL character in system or a message is BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
      await prompt('nul-version');
      for (const v of [{ system: NUL }, { messages: [{ role: 'USER', content: NUL }] }, { commitMessage: NUL }]) {
        const r = await version('nul-version', v);
        expect(code(r)).toBe('BAD_USER_INPUT');
      }
    });

    it('checkGuardrail with a NUL character in the text works (no write involved)', async () => {
      await must(POLICY, { p: { name: 'nul-check', pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } } });
      const r = await t.gql('query($t: String!) { checkGuardrail(policy: "nul-check", direction: INPUT, text: $t) { action text } }', { t: `x\u0000 a@b.co` });
      expect(r.errors).toBeUndefined();
    });
  });

  // ------------------------------------------------------------------ budgets

  describe('budgets', () => {
    const BUDGET = 'mutation($i: BudgetInput!) { createBudget(input: $i) { id name limitUsd scopeValue alertThresholds downgradeModelId } }';
    function budget(i: Record<string, unknown>): Promise<GqlResult> {
      return t.gql(BUDGET, { i: { scope: 'GLOBAL', period: 'DAILY', limitUsd: 1, ...i } });
    }

    it('refuses scope/scopeValue mismatches, bad thresholds and DOWNGRADE without a model, naming the field', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ name: 'b1', scope: 'PROMPT' }, /^input\.scopeValue:/],
        [{ name: 'b2', scopeValue: 'x' }, /^input\.scopeValue:/],
        [{ name: 'b3', alertThresholds: [0.5, 0.5] }, /^input\.alertThresholds/],
        [{ name: 'b4', alertThresholds: [0] }, /^input\.alertThresholds\.0:/],
        [{ name: 'b5', alertThresholds: [1.5] }, /^input\.alertThresholds\.0:/],
        [{ name: 'b6', onExceed: 'DOWNGRADE' }, /^input\.downgradeModelId:/],
        [{ name: 'b7', downgradeModelId: LITE }, /^input\.downgradeModelId:/],
        [{ name: 'b8', limitUsd: 0 }, /^input\.limitUsd:/],
        [{ name: 'b9', limitUsd: -1 }, /^input\.limitUsd:/],
        [{ name: ' ' }, /^input\.name:/],
      ];
      for (const [i, field] of cases) {
        const r = await budget(i);
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0]!.message).toMatch(field);
      }
      await must(BUDGET, { i: { name: 'b-dup', scope: 'GLOBAL', period: 'DAILY', limitUsd: 1 } });
      expect(code(await budget({ name: ' b-dup ' }))).toBe('CONFLICT');
    });

    it('refuses a downgradeModelId that is not a known model (routing rules refuse unknown models)', async () => {
      const r = await budget({ name: 'bad-downgrade', onExceed: 'DOWNGRADE', downgradeModelId: 'no.such-model-v9' });
      expect(code(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^input\.downgradeModelId:/);
    });

    it('refuses a limitUsd with more than 6 decimals instead of silently rounding it (setModelPrice refuses them)', async () => {
      const r = await budget({ name: 'seven-decimals', limitUsd: 0.0000015 });
      if (!r.errors) expect(r.data!.createBudget.limitUsd).toBe(0.0000015);
      else {
        expect(code(r)).toBe('BAD_USER_INPUT');
        expect(r.errors[0]!.message).toMatch(/^input\.limitUsd:/);
      }
    });
  });

  describe('concurrent writes', () => {
    it('concurrent setModelPrice calls for a model with no override yet all succeed (it is an upsert)', async () => {
      const id = 'amazon.nova-pro-v1:0';
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => t.gql(PRICE, { id, p: { input: n, output: n } })));
      expect(results.map((r) => code(r) ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    });

    it('concurrent revokes of one key are audited once', async () => {
      const d = await must('mutation { createApiKey(name: "revoke-race", role: APP) { apiKey { id } } }');
      const id = d.createApiKey.apiKey.id;
      const results = await Promise.all([1, 2, 3, 4].map(() => t.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id })));
      for (const r of results) expect(r.errors).toBeUndefined();
      const rows = await t.app.dataSource.query("SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = 'revoke'", [id]);
      expect(rows[0].n).toBe(1);
    });

    it('concurrent deletes of one guardrail policy: one succeeds, the others are NOT_FOUND, one audit entry', async () => {
      const d = await must(POLICY, { p: { name: 'delete-race' } });
      const id = d.createGuardrailPolicy.id;
      const results = await Promise.all([1, 2, 3, 4].map(() => t.gql('mutation($id: ID!) { deleteGuardrailPolicy(id: $id) }', { id })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      for (const r of results.filter((x) => x.errors)) expect(code(r)).toBe('NOT_FOUND');
      const rows = await t.app.dataSource.query("SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = 'delete'", [id]);
      expect(rows[0].n).toBe(1);
    });

    it('concurrent deletes of one routing rule: one succeeds, the others are NOT_FOUND', async () => {
      const d = await must(RULE, { i: { name: 'delete-race-rule', priority: 1, condition: {}, targetModelId: SONNET } });
      const id = d.createRoutingRule.id;
      const results = await Promise.all([1, 2, 3, 4].map(() => t.gql('mutation($id: ID!) { deleteRoutingRule(id: $id) }', { id })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      for (const r of results.filter((x) => x.errors)) expect(code(r)).toBe('NOT_FOUND');
    });

    it('concurrent creates of one name: exactly one wins, the others are CONFLICT', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => t.gql('mutation { createPrompt(input: { name: "same-time" }) { id } }')));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      for (const r of results.filter((x) => x.errors)) expect(code(r)).toBe('CONFLICT');
    });
  });

  // ------------------------------------------------------------------ HTTP surface and armor

  describe('HTTP surface', () => {
    it('a body that is not JSON is a 400 client error, not a 500', async () => {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_SECRET}` }, body: '{not json' });
      expect(res.status).toBe(400);
    });

    it('a body of the wrong shape is a 400', async () => {
      for (const body of ['[]', '"x"', '{"query": 5}', '{}']) {
        const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_SECRET}` }, body });
        expect(res.status).toBe(400);
      }
    });

    it('GET /graphql with a query string runs a query (and refuses a mutation)', async () => {
      const q = encodeURIComponent('{ prompts { name } }');
      const res = await fetch(`${t.url}?query=${q}`, { headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'apollo-require-preflight': 'true' } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as GqlResult;
      expect(body.errors).toBeUndefined();
      const m = encodeURIComponent('mutation { createPrompt(input: { name: "via-get" }) { id } }');
      const res2 = await fetch(`${t.url}?query=${m}`, { headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'apollo-require-preflight': 'true' } });
      expect(res2.status).toBe(405);
      expect((await must('{ prompts { name } }')).prompts.map((p: any) => p.name)).not.toContain('via-get');
    });

    it('a query deeper than armor allows is a client error, not a 500', async () => {
      let sel = 'name';
      for (let i = 0; i < 15; i++) sel = `prompt { ${sel} }`;
      const q = `{ prompts { versions { ${sel.replace(/prompt \{/g, 'prompt {')} } } }`;
      const r = await t.gql(q);
      expect(code(r)).not.toBe('INTERNAL_SERVER_ERROR');
      expect(r.errors?.length).toBeGreaterThan(0);
    });

    it('too many aliases or tokens is refused as a client error, not a 500', async () => {
      const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: prompts { name }`).join(' ');
      const r = await t.gql(`{ ${aliases} }`);
      expect(r.errors?.length).toBeGreaterThan(0);
      expect(code(r)).not.toBe('INTERNAL_SERVER_ERROR');
      const tokens = Array.from({ length: 3000 }, () => '__typename').join(' ');
      const r2 = await t.gql(`{ ${tokens} }`);
      expect(r2.errors?.length).toBeGreaterThan(0);
      expect(code(r2)).not.toBe('INTERNAL_SERVER_ERROR');
    });

    it('graphql-ws applies the armor alias limit too (40 aliases are refused over HTTP)', async () => {
      const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: prompts { name }`).join(' ');
      const http = await t.gql(`{ ${aliases} }`);
      expect(http.errors?.length).toBeGreaterThan(0);
      const ws = await wsCollect(t.ws(ADMIN_SECRET), `{ ${aliases} }`).catch((err) => [{ errors: [{ message: String(err) }] }] as GqlResult[]);
      expect(ws[0]!.errors?.length).toBeGreaterThan(0);
    });

    it('graphql-ws applies the armor depth limit too (a query deeper than 12 is refused over HTTP)', async () => {
      let sel = 'name';
      for (let i = 0; i < 8; i++) sel = `versions { prompt { ${sel} } }`;
      const q = `{ prompts { ${sel} } }`;
      const http = await t.gql(q);
      expect(http.errors?.length).toBeGreaterThan(0);
      const ws = await wsCollect(t.ws(ADMIN_SECRET), q).catch((err) => [{ errors: [{ message: String(err) }] }] as GqlResult[]);
      expect(ws[0]!.errors?.length).toBeGreaterThan(0);
    });

    it('/healthz answers ok and /metrics exposes Prometheus text', async () => {
      const base = t.url.replace(/\/graphql$/, '');
      const h = await fetch(`${base}/healthz`);
      expect(h.status).toBe(200);
      expect(await h.json()).toEqual({ status: 'ok', checks: { database: 'ok', migrations: 'ok', modelProvider: 'ok' } });
      expect((await fetch(`${base}/livez`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const m = await fetch(`${base}/metrics`);
      expect(m.status).toBe(200);
      expect(await m.text()).toMatch(/# TYPE \w+/);
    });
  });
});

if (process.env.DATABASE_URL) {
  describe('config caches across two server processes on one PostgreSQL database', () => {
    let t: TestApp;
    let other: ServerProcess | undefined;
    beforeAll(async () => {
      t = await startTestApp();
      other = await startServerProcess(t.app.config.databaseUrl!);
    });
    afterAll(async () => {
      await other?.stop();
      await t?.close();
    });

    /** Polls `check` until it holds, for at most 3 s (NOTIFY is asynchronous). */
    async function eventually(check: () => Promise<boolean>): Promise<boolean> {
      for (const deadline = Date.now() + 3000; Date.now() < deadline;) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return check();
    }

    it('a key revoked on one process is refused on the other', async () => {
      const d = (await t.gql('mutation { createApiKey(name: "x-proc", role: ANALYST) { secret apiKey { id } } }')).data!;
      const { secret, apiKey } = d.createApiKey;
      expect(await eventually(async () => !(await other!.gql('{ guardrailPolicies { name } }', {}, secret)).errors)).toBe(true);
      await t.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id });
      expect(await eventually(async () => code(await other!.gql('{ guardrailPolicies { name } }', {}, secret)) === 'UNAUTHENTICATED')).toBe(true);
    });

    it('a policy changed on one process is used by checkGuardrail on the other', async () => {
      const made = await t.gql('mutation { createGuardrailPolicy(input: { name: "x-policy", wordFilters: { words: ["alpha"] } }) { id } }');
      const id = made.data!.createGuardrailPolicy.id;
      const check = (w: string) => other!.gql(`{ checkGuardrail(policy: "x-policy", direction: INPUT, text: "say ${w}") { action } }`);
      expect(await eventually(async () => (await check('alpha')).data?.checkGuardrail.action === 'BLOCKED')).toBe(true);
      await t.gql('mutation($id: ID!) { updateGuardrailPolicy(id: $id, input: { name: "x-policy", wordFilters: { words: ["beta"] } }) { id } }', { id });
      expect(await eventually(async () => (await check('beta')).data?.checkGuardrail.action === 'BLOCKED')).toBe(true);
      expect((await check('alpha')).data!.checkGuardrail.action).toBe('NONE');
    });

    it('a label moved and a routing rule created on one process route on the other', async () => {
      await t.gql('mutation { createPrompt(input: { name: "x-route" }) { id } }');
      await t.gql(`mutation { createPromptVersion(input: { prompt: "x-route", system: "one", modelId: "${SONNET}" }) { number } }`);
      await t.gql(`mutation { createPromptVersion(input: { prompt: "x-route", system: "two", modelId: "${LITE}" }) { number } }`);
      await t.gql('mutation { promotePromptVersion(input: { prompt: "x-route", version: 1, label: "production" }) { promoted } }');
      const explain = () => other!.gql('{ explainRoute(input: { prompt: "x-route", input: "hello" }) { modelId rule { name } } }');
      expect(await eventually(async () => (await explain()).data?.explainRoute.modelId === SONNET)).toBe(true);
      await t.gql('mutation { promotePromptVersion(input: { prompt: "x-route", version: 2, label: "production" }) { promoted } }');
      expect(await eventually(async () => (await explain()).data?.explainRoute.modelId === LITE)).toBe(true);
      await t.gql(`mutation { createRoutingRule(input: { name: "x-rule", priority: 1, condition: { prompts: ["x-route"] }, targetModelId: "${SONNET}" }) { id } }`);
      expect(await eventually(async () => (await explain()).data?.explainRoute.rule?.name === 'x-rule')).toBe(true);
    });
  });
}
