import { startTestApp, type TestApp } from '../helpers/test-app';

const CASE_FIELDS = 'id variables messages input context expected assertions tags position';
const SET_FIELDS = `id name description rubric judgeModelId createdAt updatedAt cases { ${CASE_FIELDS} }`;
const CREATE = `mutation($input: EvalSetInput!) { createEvalSet(input: $input) { ${SET_FIELDS} } }`;
const ADD = `mutation($set: String!, $cases: [EvalCaseInput!]!) { addEvalCases(evalSet: $set, cases: $cases) { ${SET_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: EvalSetUpdateInput!) { updateEvalSet(id: $id, input: $input) { ${SET_FIELDS} } }`;
const DELETE = 'mutation($id: ID!) { deleteEvalSet(id: $id) }';
const GET = `query($name: String!) { evalSet(name: $name) { ${SET_FIELDS} } }`;
const LIST = '{ evalSets { name cases { position } } }';
const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';

const capitalCase = {
  variables: { country: 'France' },
  messages: [
    { role: 'USER', content: 'I am planning a trip.' },
    { role: 'ASSISTANT', content: 'Great, where to?' },
  ],
  input: 'What is the capital?',
  context: [{ id: 'wiki-1', text: 'Paris is the capital of France.', score: 0.92, source: 'wikipedia' }],
  expected: 'Paris',
  assertions: [
    { type: 'icontains', value: 'paris', weight: 2 },
    { type: 'similar', threshold: 0.7 },
    { type: 'max-length', value: 200 },
  ],
  tags: ['geo'],
};

describe('eval sets', () => {
  let t: TestApp;
  let ci: string;
  beforeAll(async () => {
    t = await startTestApp();
    ci = await t.keyFor('CI');
  });
  afterAll(() => t.close());

  const create = (input: Record<string, unknown>, key: string | undefined = ci) => t.gql(CREATE, { input }, key);

  it('lets CI create a set with cases, stored in order with defaults filled', async () => {
    const r = await create({
      name: 'capitals',
      description: 'Capital cities',
      rubric: 'The answer names the right city and nothing else.',
      judgeModelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      cases: [capitalCase, { input: 'Capital of Spain?', assertions: [{ type: 'contains', value: 'Madrid' }, { type: 'llm-rubric' }] }],
    });
    expect(r.errors).toBeUndefined();
    const set = r.data!.createEvalSet;
    expect(set).toMatchObject({ name: 'capitals', description: 'Capital cities', judgeModelId: 'anthropic.claude-3-haiku-20240307-v1:0' });
    expect(set.cases).toHaveLength(2);
    expect(set.cases[0]).toMatchObject({
      position: 0,
      variables: { country: 'France' },
      messages: capitalCase.messages,
      context: capitalCase.context,
      expected: 'Paris',
      tags: ['geo'],
      assertions: [
        { type: 'icontains', value: 'paris', weight: 2 },
        { type: 'similar', threshold: 0.7, weight: 1 },
        { type: 'max-length', value: 200, weight: 1 },
      ],
    });
    expect(set.cases[1]).toMatchObject({
      position: 1,
      variables: {},
      messages: [],
      context: [],
      expected: null,
      tags: [],
      assertions: [
        { type: 'contains', value: 'Madrid', weight: 1 },
        { type: 'llm-rubric', threshold: 0.5, weight: 1 },
      ],
    });
  });

  it('lets ANALYST and CI read sets, refuses APP, and keeps update and delete for ADMIN', async () => {
    for (const key of [await t.keyFor('ANALYST'), ci]) {
      const one = await t.gql(GET, { name: 'capitals' }, key);
      expect(one.errors).toBeUndefined();
      expect(one.data!.evalSet.cases).toHaveLength(2);
      const all = await t.gql(LIST, {}, key);
      expect(all.data!.evalSets.map((s: { name: string }) => s.name)).toContain('capitals');
    }
    const app = await t.keyFor('APP');
    expect((await t.gql(LIST, {}, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await create({ name: 'by-app', cases: [] }, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await create({ name: 'by-analyst' }, await t.keyFor('ANALYST'))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const id = (await t.gql(GET, { name: 'capitals' })).data!.evalSet.id;
    expect((await t.gql(UPDATE, { id, input: { description: 'x' } }, ci)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(DELETE, { id }, ci)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(LIST, {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('appends cases after the existing ones', async () => {
    const r = await t.gql(
      ADD,
      {
        set: 'capitals',
        cases: [
          { input: 'Capital of Italy?', assertions: [{ type: 'starts-with', value: 'Rome' }] },
          { input: 'Capital of Peru?', assertions: [{ type: 'regex', value: '^lima', flags: 'i' }] },
        ],
      },
      ci,
    );
    expect(r.errors).toBeUndefined();
    const cases = r.data!.addEvalCases.cases;
    expect(cases.map((c: { position: number }) => c.position)).toEqual([0, 1, 2, 3]);
    expect(cases[3].assertions).toEqual([{ type: 'regex', value: '^lima', flags: 'i', weight: 1 }]);
    expect(new Date(r.data!.addEvalCases.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(r.data!.addEvalCases.createdAt).getTime());
  });

  it('keeps positions distinct under concurrent appends', async () => {
    await create({ name: 'concurrent' });
    const one = (i: number) => t.gql(ADD, { set: 'concurrent', cases: [{ input: `q${i}`, assertions: [{ type: 'is-json' }] }] }, ci);
    const results = await Promise.all([0, 1, 2, 3, 4].map(one));
    for (const r of results) expect(r.errors).toBeUndefined();
    const got = await t.gql(GET, { name: 'concurrent' });
    expect(got.data!.evalSet.cases.map((c: { position: number }) => c.position)).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([
    [{ assertions: [{ type: 'contains', value: 'a' }, { type: 'contains' }] }, 'assertions.1.value'],
    [{ assertions: [{ type: 'equals', value: 1 }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'icontains', value: '' }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'not-contains', value: ['a'] }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'regex', value: '[z-a]' }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'starts-with', value: null }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'is-json', value: '{}' }] }, 'assertions.0'],
    [{ assertions: [{ type: 'json-schema', value: [] }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'max-length', value: -5 }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'llm-rubric', threshold: 3 }] }, 'assertions.0.threshold'],
    [{ assertions: [{ type: 'similar' }] }, 'expected'],
    [{ expected: 'x', assertions: [{ type: 'similar', threshold: 'high' }] }, 'assertions.0.threshold'],
    [{ assertions: [{ type: 'cost-below', value: -0.01 }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'latency-below' }] }, 'assertions.0.value'],
    [{ assertions: [{ type: 'contains', value: 'a', weight: -2 }] }, 'assertions.0.weight'],
    [{ assertions: [{ type: 'guess' }] }, 'assertions.0.type'],
    [{ assertions: [] }, 'assertions'],
    [{ assertions: 'contains' }, 'assertions'],
    [{ variables: { a: 1 }, assertions: [{ type: 'is-json' }] }, 'variables.a'],
    [{ variables: 'a=1', assertions: [{ type: 'is-json' }] }, 'variables'],
    [{ messages: [{ role: 'SYSTEM', content: 'x' }], assertions: [{ type: 'is-json' }] }, 'messages.0.role'],
    [{ messages: { role: 'USER' }, assertions: [{ type: 'is-json' }] }, 'messages'],
    [{ context: [{ id: '', text: 'x' }], assertions: [{ type: 'is-json' }] }, 'context.0.id'],
    [{ context: [{ id: 'a', text: 'x', url: 'u' }], assertions: [{ type: 'is-json' }] }, 'context.0'],
  ])('refuses case %j naming cases.0.%s, on create and on add', async (badCase, suffix) => {
    const created = await create({ name: 'never-created', cases: [badCase] });
    expect(created.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(created.errors?.[0]?.extensions?.field).toBe(`input.cases.0.${suffix}`);
    const added = await t.gql(ADD, { set: 'capitals', cases: [badCase] }, ci);
    expect(added.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(added.errors?.[0]?.extensions?.field).toBe(`cases.0.${suffix}`);
  });

  it('refuses an llm-rubric without a value in a set without a rubric, and bad set fields', async () => {
    await create({ name: 'no-rubric' });
    const r = await t.gql(ADD, { set: 'no-rubric', cases: [{ assertions: [{ type: 'is-json' }, { type: 'llm-rubric' }] }] }, ci);
    expect(r.errors?.[0]?.extensions?.field).toBe('cases.0.assertions.1.value');
    const ok = await t.gql(ADD, { set: 'no-rubric', cases: [{ assertions: [{ type: 'llm-rubric', value: 'is polite' }] }] }, ci);
    expect(ok.errors).toBeUndefined();
    expect((await create({ name: '' })).errors?.[0]?.extensions?.field).toBe('input.name');
    expect((await create({ name: 'x', judgeModelId: ' ' })).errors?.[0]?.extensions?.field).toBe('input.judgeModelId');
    expect((await create({ name: 'x', judgeModelId: 'acme.judge-v1' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.judgeModelId' });
    expect((await t.gql(ADD, { set: 'no-rubric', cases: [] }, ci)).errors?.[0]?.extensions?.field).toBe('cases');
  });

  it('writes nothing when one case of many is bad', async () => {
    const before = (await t.gql(GET, { name: 'capitals' })).data!.evalSet.cases.length;
    const r = await t.gql(ADD, { set: 'capitals', cases: [{ assertions: [{ type: 'is-json' }] }, { assertions: [{ type: 'nope' }] }] }, ci);
    expect(r.errors?.[0]?.extensions?.field).toBe('cases.1.assertions.0.type');
    expect((await t.gql(GET, { name: 'capitals' })).data!.evalSet.cases.length).toBe(before);
    expect((await create({ name: 'half', cases: [{ assertions: [{ type: 'is-json' }] }, { assertions: [] }] })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(GET, { name: 'half' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('answers a taken name with CONFLICT, on create and on rename', async () => {
    expect((await create({ name: 'capitals' })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const other = await create({ name: 'to-rename' });
    const renamed = await t.gql(UPDATE, { id: other.data!.createEvalSet.id, input: { name: 'capitals' } });
    expect(renamed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('answers unknown names and ids with NOT_FOUND and a malformed id with BAD_USER_INPUT', async () => {
    expect((await t.gql(GET, { name: 'missing' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const add = await t.gql(ADD, { set: 'missing', cases: [{ assertions: [{ type: 'is-json' }] }] }, ci);
    expect(add.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(UPDATE, { id: UNKNOWN_ID, input: { description: 'x' } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(DELETE, { id: UNKNOWN_ID })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(DELETE, { id: 'nope' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('updates settings: omitted fields stay, null clears, and a rubric still relied on cannot be cleared', async () => {
    const id = (await t.gql(GET, { name: 'capitals' })).data!.evalSet.id;
    const r = await t.gql(UPDATE, { id, input: { description: null, judgeModelId: 'amazon.nova-pro-v1:0' } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.updateEvalSet).toMatchObject({ name: 'capitals', description: null, judgeModelId: 'amazon.nova-pro-v1:0', rubric: expect.stringContaining('right city') });
    // Case 1 has an llm-rubric assertion without its own value.
    const clear = await t.gql(UPDATE, { id, input: { rubric: null } });
    expect(clear.errors?.[0]?.extensions?.field).toBe('input.rubric');
    expect(clear.errors?.[0]?.message).toContain('case 1');
    const renamed = await t.gql(UPDATE, { id, input: { name: 'world-capitals', rubric: 'Names the city.' } });
    expect(renamed.data!.updateEvalSet).toMatchObject({ name: 'world-capitals', rubric: 'Names the city.' });
    expect(renamed.data!.updateEvalSet.cases).toHaveLength(4);
  });

  it('deletes a set with its cases', async () => {
    const made = await create({ name: 'doomed', cases: [{ assertions: [{ type: 'is-json' }] }] });
    const id = made.data!.createEvalSet.id;
    expect((await t.gql(DELETE, { id })).data!.deleteEvalSet).toBe(true);
    expect((await t.gql(GET, { name: 'doomed' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const rows = await t.app.dataSource.query('SELECT count(*)::int AS n FROM eval_cases WHERE eval_set_id = $1', [id]);
    expect(rows[0].n).toBe(0);
  });

  it('audits create, add_cases, update and delete, in the transaction of the change', async () => {
    const made = await create({ name: 'audited', cases: [{ input: 'a', assertions: [{ type: 'is-json' }] }] });
    const id = made.data!.createEvalSet.id;
    await t.gql(ADD, { set: 'audited', cases: [{ input: 'b', assertions: [{ type: 'is-json' }] }] }, ci);
    await t.gql(UPDATE, { id, input: { description: 'now described' } });
    await t.gql(DELETE, { id });
    const log = await t.gql('{ auditLog(first: 300) { edges { node { actor action entityType entityId entityName before after } } } }');
    const mine = log.data!.auditLog.edges.map((e: { node: any }) => e.node).filter((n: { entityId: string }) => n.entityId === id);
    expect(mine.map((n: { action: string }) => n.action)).toEqual(['delete', 'update', 'add_cases', 'create']);
    for (const n of mine) expect(n).toMatchObject({ entityType: 'EvalSet', entityName: 'audited' });
    const [del, upd, add, crt] = mine;
    expect(crt.actor).toMatch(/^ci-key/);
    expect(crt.after).toMatchObject({ name: 'audited', cases: [{ input: 'a', position: 0 }] });
    expect(add.before).toEqual({ caseCount: 1 });
    expect(add.after).toMatchObject({ caseCount: 2, added: [{ input: 'b', position: 1 }] });
    expect(upd.before).toMatchObject({ description: null });
    expect(upd.after).toMatchObject({ description: 'now described' });
    expect(del.before).toMatchObject({ name: 'audited', caseCount: 2 });
  });
});
