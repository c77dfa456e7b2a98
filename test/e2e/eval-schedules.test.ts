import { startTestApp, type TestApp } from '../helpers/test-app';

const SCHEDULE = 'id name evalSet prompt label modelId every enabled nextRunAt lastFiredAt lastRunId lastError';
const CREATE = `mutation($i: EvalScheduleInput!) { createEvalSchedule(input: $i) { ${SCHEDULE} } }`;
const UPDATE = `mutation($id: ID!, $i: EvalScheduleInput!) { updateEvalSchedule(id: $id, input: $i) { ${SCHEDULE} } }`;
const LIST = `{ evalSchedules { ${SCHEDULE} runs { id status score promptVersion label createdBy scheduleId } } }`;
const TREND = `query { evalScoreTrend(evalSet: "weather-set", prompt: "weather", bucket: DAY) { items runs meanScore promptVersions offlineItems } }`;

async function must(t: TestApp, q: string, v: Record<string, unknown> = {}, key?: string): Promise<Record<string, any>> {
  const r = await t.gql(q, v, key);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

/** Polls the schedules until `done` holds for the named one (waits; asserts no time bound). */
async function waitSchedule(t: TestApp, name: string, done: (s: Record<string, any>) => boolean): Promise<Record<string, any>> {
  for (;;) {
    const s = (await must(t, LIST)).evalSchedules.find((x: any) => x.name === name);
    if (s && done(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`scheduled eval re-runs (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  const valid = { name: 'nightly', evalSet: 'weather-set', prompt: 'weather', every: '1d' };

  beforeAll(async () => {
    // Tests look for due schedules 5 times a second and allow 1-second intervals.
    t = await startTestApp({ EVAL_SCHEDULE_TICK_SECONDS: '0.2', EVAL_SCHEDULE_MIN_INTERVAL_SECONDS: '1' });
    await must(t, 'mutation { createPrompt(input: { name: "weather" }) { id } }');
    for (const reply of ['It is sunny today.', 'No idea.']) {
      await must(t, 'mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: 'weather', system: `Answer.\n#reply: ${reply}` } });
    }
    await must(t, 'mutation { promotePromptVersion(input: { prompt: "weather", version: 1, label: "production" }) { promoted } }');
    await must(t, 'mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', {
      i: { name: 'weather-set', cases: [{ input: 'Weather?', assertions: [{ type: 'icontains', value: 'sunny' }] }] },
    });
  });
  afterAll(() => t.close());

  it.each([
    ['an unknown eval set', { evalSet: 'nope' }, 'input.evalSet'],
    ['an unknown prompt', { prompt: 'nope' }, 'input.prompt'],
    ['a label the prompt does not have', { label: 'canary' }, 'input.label'],
    ['an interval without a unit', { every: '10' }, 'input.every'],
    ['an interval below the minimum', { every: '0s' }, 'input.every'],
    ['an interval above 366 days', { every: '400d' }, 'input.every'],
    ['an unknown model', { modelId: 'no.such-model' }, 'input.modelId'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_what, change, field) => {
    const r = await t.gql(CREATE, { i: { ...valid, ...change } });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.extensions?.field).toBe(field);
  });

  it('is ADMIN-managed and audited', async () => {
    const ci = await t.keyFor('CI');
    expect((await t.gql(CREATE, { i: valid }, ci)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const far = new Date(Date.now() + 86_400_000).toISOString();
    const s = (await must(t, CREATE, { i: { ...valid, name: 'audited', startAt: far } })).createEvalSchedule;
    expect(s).toMatchObject({ label: 'production', every: '1d', enabled: true, nextRunAt: far, lastRunId: null });
    expect((await t.gql(CREATE, { i: { ...valid, name: 'audited' } })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await must(t, UPDATE, { id: s.id, i: { ...valid, name: 'audited', every: '12h', enabled: false } })).updateEvalSchedule).toMatchObject({ every: '12h', enabled: false, nextRunAt: far });
    expect((await must(t, 'mutation($id: ID!) { deleteEvalSchedule(id: $id) }', { id: s.id })).deleteEvalSchedule).toBe(true);
    expect((await t.gql('mutation($id: ID!) { deleteEvalSchedule(id: $id) }', { id: s.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const audit = (await must(t, '{ auditLog(first: 50) { edges { node { action entityType } } } }')).auditLog.edges.map((e: any) => e.node);
    expect(
      audit
        .filter((n: any) => n.entityType === 'EvalSchedule')
        .map((n: any) => n.action)
        .sort(),
    ).toEqual(['create', 'delete', 'update']);
  });

  it('re-runs the set on whatever version the label points at, each interval, without a deploy', async () => {
    const created = (await must(t, CREATE, { i: { ...valid, every: '1s' } })).createEvalSchedule;
    // First firing at the next tick: version 1 under production, which passes.
    const first = await waitSchedule(t, 'nightly', (s) => s.runs.some((r: any) => r.status === 'SUCCEEDED'));
    const run1 = first.runs.find((r: any) => r.status === 'SUCCEEDED');
    expect(run1).toMatchObject({ promptVersion: 1, label: 'production', createdBy: 'schedule:nightly', scheduleId: created.id, score: 1 });
    expect(first.lastFiredAt).not.toBeNull();
    // The label moves (as a provider-side change would, nothing is redeployed): the next firing runs version 2.
    await must(t, 'mutation { promotePromptVersion(input: { prompt: "weather", version: 2, label: "production" }) { promoted } }');
    const later = await waitSchedule(t, 'nightly', (s) => s.runs.some((r: any) => r.promptVersion === 2 && r.status === 'SUCCEEDED'));
    expect(later.runs.find((r: any) => r.promptVersion === 2 && r.status === 'SUCCEEDED')).toMatchObject({ score: 0, createdBy: 'schedule:nightly' });
    await must(t, UPDATE, { id: created.id, i: { ...valid, every: '1s', enabled: false } });
    const [row] = (await must(t, TREND)).evalScoreTrend;
    expect(row.runs).toBeGreaterThanOrEqual(2);
    expect(row.promptVersions).toEqual([1, 2]);
    expect(row.meanScore).toBeGreaterThan(0);
    expect(row.meanScore).toBeLessThan(1);
  });

  it('fires a due schedule once across concurrent ticks (the row claim)', async () => {
    const s = (await must(t, CREATE, { i: { ...valid, name: 'claimed', every: '1d', startAt: new Date(Date.now() + 3_600_000).toISOString() } })).createEvalSchedule;
    const at = new Date(Date.now() + 2 * 3_600_000);
    const svc = t.app.services.evalSchedules;
    const queued = (await Promise.all([svc.tick(at), svc.tick(at), svc.tick(at)])).flat();
    const mine = (await must(t, LIST)).evalSchedules.find((x: any) => x.id === s.id);
    expect(mine.runs).toHaveLength(1);
    expect(queued).toContain(mine.runs[0].id);
    expect(new Date(mine.nextRunAt).getTime()).toBe(at.getTime() + 86_400_000);
  });

  it('records why a firing queued nothing when its eval set was deleted', async () => {
    const set = (await must(t, 'mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', { i: { name: 'short-lived', cases: [{ input: 'x', assertions: [{ type: 'is-json' }] }] } }))
      .createEvalSet;
    const s = (await must(t, CREATE, { i: { ...valid, name: 'orphan', evalSet: 'short-lived', startAt: new Date(Date.now() + 3_600_000).toISOString() } })).createEvalSchedule;
    await must(t, 'mutation($id: ID!) { deleteEvalSet(id: $id) }', { id: set.id });
    await t.app.services.evalSchedules.tick(new Date(Date.now() + 2 * 3_600_000));
    const mine = (await must(t, LIST)).evalSchedules.find((x: any) => x.id === s.id);
    expect(mine.runs).toEqual([]);
    expect(mine.lastError).toBe('eval set "short-lived" no longer exists');
  });
});
