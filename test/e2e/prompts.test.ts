import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { startTestApp, wsCollect, type GqlResult, type TestApp } from '../helpers/test-app';

const VERSION_FIELDS = 'id number system messages { role content } variables modelId params { maxTokens temperature topP stopSequences } commitMessage createdBy createdAt labels';

const CREATE_PROMPT = 'mutation($input: CreatePromptInput!) { createPrompt(input: $input) { id name description createdAt } }';
const CREATE_VERSION = `mutation($input: CreatePromptVersionInput!) { createPromptVersion(input: $input) { ${VERSION_FIELDS} shareable } }`;
const PROMOTE = 'mutation($input: PromoteInput!) { promotePromptVersion(input: $input) { promoted reason label { name updatedBy version { number } history { fromVersion toVersion by at } } } }';
const ROLLBACK = 'mutation($p: String!, $l: String!) { rollbackPromptLabel(prompt: $p, label: $l) { name updatedBy version { number } history { fromVersion toVersion by kind } } }';

function code(r: GqlResult): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

function ok<T>(r: GqlResult<T>): T {
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

describe('prompts: immutable versions, movable labels', () => {
  let t: TestApp;
  const keys: Record<'APP' | 'ANALYST' | 'CI', string> = { APP: '', ANALYST: '', CI: '' };

  const createPrompt = (name: string, description?: string, key?: string) => t.gql(CREATE_PROMPT, { input: { name, description } }, key);
  const createVersion = (input: Record<string, unknown>, key?: string) => t.gql(CREATE_VERSION, { input }, key);
  const promote = (input: Record<string, unknown>, key?: string) => t.gql(PROMOTE, { input }, key);
  const rollback = (p: string, l: string, key?: string) => t.gql(ROLLBACK, { p, l }, key);

  beforeAll(async () => {
    t = await startTestApp();
    keys.APP = await t.keyFor('APP', 'app-1');
    keys.ANALYST = await t.keyFor('ANALYST', 'bi-1');
    keys.CI = await t.keyFor('CI', 'pipeline-1');
  });
  afterAll(() => t.close());

  it('lets each role do exactly what the table says', async () => {
    ok(await createPrompt('roles'));
    // createPrompt: ADMIN only
    for (const role of ['APP', 'ANALYST', 'CI'] as const) {
      expect(code(await createPrompt(`roles-${role}`, undefined, keys[role]))).toBe('FORBIDDEN');
    }
    // createPromptVersion, promote, rollback: CI and ADMIN
    for (const role of ['APP', 'ANALYST'] as const) {
      expect(code(await createVersion({ prompt: 'roles', system: 'x' }, keys[role]))).toBe('FORBIDDEN');
      expect(code(await promote({ prompt: 'roles', version: 1, label: 'production' }, keys[role]))).toBe('FORBIDDEN');
      expect(code(await rollback('roles', 'production', keys[role]))).toBe('FORBIDDEN');
    }
    expect(ok(await createVersion({ prompt: 'roles', system: 'one' }, keys.CI)).createPromptVersion.createdBy).toBe('pipeline-1');
    ok(await createVersion({ prompt: 'roles', system: 'two' }));
    expect(ok(await promote({ prompt: 'roles', version: 1, label: 'production' }, keys.CI)).promotePromptVersion.promoted).toBe(true);
    ok(await promote({ prompt: 'roles', version: 2, label: 'production' }));
    expect(ok(await rollback('roles', 'production', keys.CI)).rollbackPromptLabel.version.number).toBe(1);
    // Reading: APP, ANALYST, CI and ADMIN
    for (const key of [keys.APP, keys.ANALYST, keys.CI, undefined]) {
      const r = ok(await t.gql('{ prompts { name } prompt(name: "roles") { version(label: "production") { number } } }', {}, key));
      expect(r.prompts.map((p: { name: string }) => p.name)).toContain('roles');
      expect(r.prompt.version.number).toBe(1);
    }
    // No key at all
    for (const q of ['{ prompts { name } }', 'mutation { createPrompt(input: { name: "anon" }) { id } }']) {
      expect(code(await t.gql(q, {}, null))).toBe('UNAUTHENTICATED');
    }
  });

  it('numbers versions 1, 2, 3, keeps every field, finds variables, and offers no way to change a version', async () => {
    const created = ok(await createPrompt('support', 'Customer support answers')).createPrompt;
    expect(created).toMatchObject({ name: 'support', description: 'Customer support answers' });
    const v1 = ok(
      await createVersion({
        prompt: 'support',
        system: 'You answer for {{company}} in {{ language }}.',
        messages: [
          { role: 'USER', content: 'Example: {{example_question}} ({{company}})' },
          { role: 'ASSISTANT', content: 'An answer in {{language}}.' },
        ],
        modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
        params: { maxTokens: 512, temperature: 0.2, topP: 0.9, stopSequences: ['###'] },
        commitMessage: 'first cut',
      }),
    ).createPromptVersion;
    expect(v1).toMatchObject({
      number: 1,
      variables: ['company', 'language', 'example_question'],
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      params: { maxTokens: 512, temperature: 0.2, topP: 0.9, stopSequences: ['###'] },
      commitMessage: 'first cut',
      createdBy: expect.any(String),
      shareable: false,
      labels: ['latest'],
    });
    expect(v1.messages).toEqual([
      { role: 'USER', content: 'Example: {{example_question}} ({{company}})' },
      { role: 'ASSISTANT', content: 'An answer in {{language}}.' },
    ]);
    const v2 = ok(await createVersion({ prompt: 'support', system: 'Shorter, for {{company}}.', params: { temperature: 0 }, shareable: true })).createPromptVersion;
    const v3 = ok(await createVersion({ prompt: 'support', messages: [{ role: 'USER', content: 'no slots' }] })).createPromptVersion;
    expect([v2.number, v3.number]).toEqual([2, 3]);
    expect(v2).toMatchObject({ variables: ['company'], params: { maxTokens: null, temperature: 0, topP: null, stopSequences: null }, shareable: true, messages: [] });
    expect(v3).toMatchObject({ system: null, variables: [], params: null, modelId: null });

    const read = ok(await t.gql(`{ prompt(name: "support") { id name description versions { number system variables labels } version(number: 1) { ${VERSION_FIELDS} shareable } } }`)).prompt;
    expect(read.id).toBe(created.id);
    expect(read.versions.map((v: { number: number }) => v.number)).toEqual([1, 2, 3]);
    expect(read.versions.map((v: { labels: string[] }) => v.labels)).toEqual([[], [], ['latest']]);
    // Version 1 is exactly as created, even after later versions.
    expect(read.version).toEqual({ ...v1, labels: [] });

    // No update or delete operation for versions exists in the schema...
    const schema = ok(await t.gql('{ __schema { mutationType { fields { name } } } }'));
    const mutations: string[] = schema.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    expect(mutations).toEqual(expect.arrayContaining(['createPromptVersion', 'promotePromptVersion', 'rollbackPromptLabel']));
    expect(mutations.filter((m) => /(update|edit|delete|set).*version/i.test(m))).toEqual([]);
    // ...and the database refuses a stray UPDATE too.
    await expect(t.app.dataSource.query(`UPDATE prompt_versions SET system = 'changed' WHERE id = $1`, [v1.id])).rejects.toThrow(/immutable/);
    const again = ok(await t.gql('{ prompt(name: "support") { version(number: 1) { system } } }')).prompt;
    expect(again.version.system).toBe(v1.system);
  });

  it('moves labels, keeps their history newest first, rolls back, and serves latest', async () => {
    ok(await createPrompt('faq'));
    for (const s of ['v1', 'v2', 'v3']) ok(await createVersion({ prompt: 'faq', system: s }, keys.CI));

    const p1 = ok(await promote({ prompt: 'faq', version: 1, label: 'production' }, keys.CI)).promotePromptVersion;
    expect(p1).toMatchObject({ promoted: true, reason: null, label: { name: 'production', updatedBy: 'pipeline-1', version: { number: 1 } } });
    expect(p1.label.history).toEqual([{ fromVersion: null, toVersion: 1, by: 'pipeline-1', at: expect.any(String) }]);
    ok(await promote({ prompt: 'faq', version: 2, label: 'staging' }));
    const p3 = ok(await promote({ prompt: 'faq', version: 3, label: 'production' })).promotePromptVersion;
    expect(p3.label.version.number).toBe(3);
    expect(p3.label.history.map((m: { fromVersion: number | null; toVersion: number }) => [m.fromVersion, m.toVersion])).toEqual([
      [1, 3],
      [null, 1],
    ]);

    // Promoting to where the label already is changes nothing.
    const same = ok(await promote({ prompt: 'faq', version: 3, label: 'production' })).promotePromptVersion;
    expect(same.promoted).toBe(true);
    expect(same.reason).toMatch(/already points at version 3/);
    expect(same.label.history).toHaveLength(2);

    const q = `{ prompt(name: "faq") {
      labels { name updatedBy version { number } history { fromVersion toVersion kind } }
      versions { number labels }
      latest: version(label: "latest") { number system }
      plain: version { number }
      prod: version(label: "production") { number }
      unset: version(label: "canary") { number } } }`;
    const r1 = ok(await t.gql(q, {}, keys.APP)).prompt;
    expect(r1.labels.map((l: { name: string; version: { number: number } }) => [l.name, l.version.number])).toEqual([
      ['production', 3],
      ['staging', 2],
    ]);
    expect(r1.versions).toEqual([
      { number: 1, labels: [] },
      { number: 2, labels: ['staging'] },
      { number: 3, labels: ['latest', 'production'] },
    ]);
    expect(r1.latest).toEqual({ number: 3, system: 'v3' });
    expect(r1.plain).toEqual({ number: 3 });
    expect(r1.prod).toEqual({ number: 3 });
    expect(r1.unset).toBeNull();

    // Rollback: back to the version held before the last move, recorded as a move.
    const rb = ok(await rollback('faq', 'production', keys.CI)).rollbackPromptLabel;
    expect(rb.version.number).toBe(1);
    expect(rb.history.map((m: { fromVersion: number; toVersion: number; kind: string }) => [m.fromVersion, m.toVersion, m.kind])).toEqual([
      [3, 1, 'rollback'],
      [1, 3, 'promote'],
      [null, 1, 'promote'],
    ]);
    // A rollback is a move too: rolling back again returns to 3.
    expect(ok(await rollback('faq', 'production')).rollbackPromptLabel.version.number).toBe(3);

    // A label that was only created has no previous version.
    const none = await rollback('faq', 'staging');
    expect(code(none)).toBe('BAD_USER_INPUT');
    expect(none.errors![0]!.message).toMatch(/no previous version/);
    expect(code(await rollback('faq', 'canary'))).toBe('NOT_FOUND');

    // latest follows new versions without any label move.
    ok(await createVersion({ prompt: 'faq', system: 'v4' }));
    const r2 = ok(await t.gql('{ prompt(name: "faq") { version(label: "latest") { number labels } } }')).prompt;
    expect(r2.version).toEqual({ number: 4, labels: ['latest'] });
  });

  it('answers duplicates with CONFLICT and unknown names with NOT_FOUND', async () => {
    ok(await createPrompt('dup'));
    const dup = await createPrompt('dup');
    expect(code(dup)).toBe('CONFLICT');
    expect(code(await createPrompt('  dup  '))).toBe('CONFLICT');

    const unknown = await t.gql('{ prompt(name: "nope") { id } }');
    expect(code(unknown)).toBe('NOT_FOUND');
    expect(unknown.data?.prompt ?? null).toBeNull();
    expect(code(await createVersion({ prompt: 'nope', system: 'x' }))).toBe('NOT_FOUND');
    expect(code(await promote({ prompt: 'nope', version: 1, label: 'production' }))).toBe('NOT_FOUND');
    expect(code(await rollback('nope', 'production'))).toBe('NOT_FOUND');
    expect(code(await promote({ prompt: 'dup', version: 7, label: 'production' }))).toBe('NOT_FOUND');
    expect(code(await t.gql('{ prompt(name: "dup") { version(number: 7) { id } } }'))).toBe('NOT_FOUND');
    // No versions yet: latest is null, not an error.
    expect(ok(await t.gql('{ prompt(name: "dup") { version { id } versions { id } labels { name } } }')).prompt).toEqual({ version: null, versions: [], labels: [] });
  });

  it('refuses bad input on every operation with BAD_USER_INPUT naming the field, never a 500', async () => {
    ok(await createPrompt('strict'));
    ok(await createVersion({ prompt: 'strict', system: 'ok' }));
    const cases: Array<[string, Promise<GqlResult>, RegExp]> = [
      ['empty prompt name', createPrompt('   '), /^input\.name: must not be empty/],
      ['long prompt name', createPrompt('x'.repeat(101)), /^input\.name:/],
      ['long description', createPrompt('desc', 'd'.repeat(2001)), /^input\.description:/],
      ['version for empty prompt name', createVersion({ prompt: '', system: 'x' }), /^input\.prompt: must not be empty/],
      ['malformed slot in system', createVersion({ prompt: 'strict', system: 'Hi {{ }}' }), /^input\.system: malformed slot/],
      [
        'malformed slot in a message',
        createVersion({
          prompt: 'strict',
          messages: [
            { role: 'USER', content: 'ok' },
            { role: 'ASSISTANT', content: '{{a b}}' },
          ],
        }),
        /^input\.messages\.1\.content: malformed slot/,
      ],
      ['unclosed slot', createVersion({ prompt: 'strict', system: 'Hi {{name' }), /^input\.system: unclosed slot/],
      ['empty message', createVersion({ prompt: 'strict', messages: [{ role: 'USER', content: '' }] }), /^input\.messages\.0\.content: must not be empty/],
      ['maxTokens 0', createVersion({ prompt: 'strict', params: { maxTokens: 0 } }), /^input\.params\.maxTokens: must be positive/],
      ['maxTokens too big', createVersion({ prompt: 'strict', params: { maxTokens: 200001 } }), /^input\.params\.maxTokens: must be at most 200000/],
      ['temperature > 1', createVersion({ prompt: 'strict', params: { temperature: 1.5 } }), /^input\.params\.temperature: must be between 0 and 1/],
      ['negative topP', createVersion({ prompt: 'strict', params: { topP: -0.1 } }), /^input\.params\.topP: must be between 0 and 1/],
      ['five stop sequences', createVersion({ prompt: 'strict', params: { stopSequences: ['a', 'b', 'c', 'd', 'e'] } }), /^input\.params\.stopSequences: at most 4 stop sequences/],
      ['empty stop sequence', createVersion({ prompt: 'strict', params: { stopSequences: [''] } }), /^input\.params\.stopSequences\.0: must not be empty/],
      ['empty modelId', createVersion({ prompt: 'strict', modelId: ' ' }), /^input\.modelId: must not be empty/],
      ['empty label', promote({ prompt: 'strict', version: 1, label: '' }), /^input\.label: must not be empty/],
      ['uppercase label', promote({ prompt: 'strict', version: 1, label: 'Production' }), /^input\.label: must be lowercase/],
      ['label with a space', promote({ prompt: 'strict', version: 1, label: 'my label' }), /^input\.label: must be lowercase/],
      ['latest label', promote({ prompt: 'strict', version: 1, label: 'latest' }), /^input\.label: "latest" is implicit/],
      ['version 0', promote({ prompt: 'strict', version: 0, label: 'production' }), /^input\.version: must be a positive integer/],
      ['empty prompt on promote', promote({ prompt: ' ', version: 1, label: 'production' }), /^input\.prompt: must not be empty/],
      ['gate minScore', promote({ prompt: 'strict', version: 1, label: 'production', gate: { evalSet: 'golden', minScore: 1.5 } }), /^input\.gate\.minScore: must be in 0\.\.1/],
      ['rollback latest', rollback('strict', 'latest'), /^label: "latest" is implicit/],
      ['rollback bad label', rollback('strict', 'BAD'), /^label: must be lowercase/],
      ['rollback empty prompt', rollback('', 'production'), /^prompt: must not be empty/],
      ['read with a bad label', t.gql('{ prompt(name: "strict") { version(label: "Nope!") { id } } }'), /^label: must be lowercase/],
      ['read with number and label', t.gql('{ prompt(name: "strict") { version(number: 1, label: "production") { id } } }'), /^label: give either/],
      ['read empty name', t.gql('{ prompt(name: "") { id } }'), /^name: must not be empty/],
    ];
    for (const [name, pending, message] of cases) {
      const r = await pending;
      expect({ name, code: code(r) }).toEqual({ name, code: 'BAD_USER_INPUT' });
      expect({ name, message: r.errors![0]!.message }).toEqual({ name, message: expect.stringMatching(message) });
    }
    // A wrong enum value or type is refused by GraphQL itself, still not as a server error.
    const badRole = await createVersion({ prompt: 'strict', messages: [{ role: 'SYSTEM', content: 'x' }] });
    expect(code(badRole)).toBe('BAD_USER_INPUT');
    // Nothing of the above was written.
    const after = ok(await t.gql('{ prompt(name: "strict") { versions { number } labels { name } } }')).prompt;
    expect(after).toEqual({ versions: [{ number: 1 }], labels: [] });
  });

  it('audits every change with before and after', async () => {
    const ci = keys.CI;
    ok(await createPrompt('audited', 'for the log'));
    ok(await createVersion({ prompt: 'audited', system: 'a {{x}}' }, ci));
    ok(await createVersion({ prompt: 'audited', system: 'b' }, ci));
    ok(await promote({ prompt: 'audited', version: 1, label: 'production' }, ci));
    ok(await promote({ prompt: 'audited', version: 2, label: 'production' }, ci));
    ok(await rollback('audited', 'production', ci));
    const log = ok(await t.gql('{ auditLog(first: 20) { edges { node { actor action entityType entityName before after } } } }', {}));
    const mine = log.auditLog.edges
      .map((e: { node: Record<string, any> }) => e.node)
      .filter((n: { entityName: string }) => n.entityName?.startsWith('audited'))
      .reverse();
    expect(mine.map((n: Record<string, unknown>) => [n.action, n.entityType, n.entityName, n.actor])).toEqual([
      ['create', 'Prompt', 'audited', 'bootstrap-admin'],
      ['create', 'PromptVersion', 'audited@1', 'pipeline-1'],
      ['create', 'PromptVersion', 'audited@2', 'pipeline-1'],
      ['promote', 'PromptLabel', 'audited:production', 'pipeline-1'],
      ['promote', 'PromptLabel', 'audited:production', 'pipeline-1'],
      ['rollback', 'PromptLabel', 'audited:production', 'pipeline-1'],
    ]);
    expect(mine[0].before).toBeNull();
    expect(mine[0].after).toMatchObject({ name: 'audited', description: 'for the log' });
    expect(mine[1].after).toMatchObject({ number: 1, system: 'a {{x}}', variables: ['x'], prompt: 'audited' });
    expect(mine[3].before).toBeNull();
    expect(mine[3].after).toMatchObject({ name: 'production', version: 1 });
    expect(mine[4].before).toMatchObject({ name: 'production', version: 1 });
    expect(mine[4].after).toMatchObject({ name: 'production', version: 2 });
    expect(mine[5].before).toMatchObject({ version: 2 });
    expect(mine[5].after).toMatchObject({ version: 1 });
  });

  it('gives concurrent createPromptVersion calls distinct, gapless numbers', async () => {
    ok(await createPrompt('race'));
    const n = 12;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => createVersion({ prompt: 'race', system: `v ${i}` }, i % 2 ? keys.CI : undefined)));
    const numbers = results.map((r) => ok(r).createPromptVersion.number as number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // Concurrent promotions of one new label create it once and record every move.
    const moves = await Promise.all([1, 2, 3, 4].map((v) => promote({ prompt: 'race', version: v, label: 'canary' })));
    for (const m of moves) ok(m);
    const label = ok(await t.gql('{ prompt(name: "race") { labels { name history { fromVersion toVersion } } } }')).prompt.labels;
    expect(label).toHaveLength(1);
    expect(label[0].history).toHaveLength(4);
    expect(label[0].history.at(-1).fromVersion).toBeNull();
  });

  it('serves a prompt over graphql-ws', async () => {
    ok(await createPrompt('ws-prompt'));
    ok(await createVersion({ prompt: 'ws-prompt', system: 'hello {{who}}' }));
    ok(await promote({ prompt: 'ws-prompt', version: 1, label: 'production' }));
    const [r] = await wsCollect(t.ws(keys.APP), '{ prompt(name: "ws-prompt") { name version(label: "production") { number variables labels } } }');
    expect(r!.errors).toBeUndefined();
    expect(r!.data!.prompt).toEqual({ name: 'ws-prompt', version: { number: 1, variables: ['who'], labels: ['latest', 'production'] } });
    const [denied] = await wsCollect(t.ws(keys.APP), 'mutation { createPromptVersion(input: { prompt: "ws-prompt", system: "x" }) { number } }');
    expect(denied!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('resolves nested fields of a list with a fixed number of queries, not one per row', async () => {
    const query = '{ prompts { name versions { number labels prompt { name } } labels { name version { number } history { toVersion } } version(label: "latest") { number } } }';
    const countQueries = async (): Promise<number> => {
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
      try {
        ok(await t.gql(query, {}, keys.ANALYST));
        return spy.mock.calls.filter(([sql]) => /prompt|label_moves/.test(String(sql))).length;
      } finally {
        spy.mockRestore();
      }
    };
    const seed = async (name: string) => {
      ok(await createPrompt(name));
      ok(await createVersion({ prompt: name, system: 'one' }));
      ok(await createVersion({ prompt: name, system: 'two' }));
      ok(await promote({ prompt: name, version: 1, label: 'production' }));
    };
    await seed('nplus1-a');
    const before = await countQueries();
    for (const n of ['nplus1-b', 'nplus1-c', 'nplus1-d', 'nplus1-e']) await seed(n);
    const after = await countQueries();
    expect(before).toBeGreaterThan(0);
    expect(after).toBe(before);
  });
});
