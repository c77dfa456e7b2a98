import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';

const RUN_FIELDS = 'id prompt promptVersion modelId status score passRate costUsd judgeCostUsd caseCount doneCount passedCount error startedAt finishedAt evalSet { name }';
const RESULT_FIELDS = 'id position output traceId scores passed score judgeScore judgeReason error case { id input expected }';
const RUN_EVAL = `mutation($input: RunEvalInput!) { runEval(input: $input) { ${RUN_FIELDS} } }`;
const GET_RUN = `query($id: ID!) { evalRun(id: $id) { ${RUN_FIELDS} results { ${RESULT_FIELDS} } } }`;
const PROGRESS = `subscription($id: ID!) { evalRunProgress(id: $id) { id status doneCount caseCount score passRate } }`;

/** A version whose system prompt scripts the emulator's reply to every case. */
async function version(t: TestApp, prompt: string, reply: string, extra: Record<string, unknown> = {}): Promise<number> {
  const r = await t.gql('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', {
    i: { prompt, system: `You answer questions.\n#reply: ${reply}`, ...extra },
  });
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createPromptVersion.number;
}

async function waitRun(t: TestApp, id: string): Promise<Record<string, any>> {
  const events = await wsCollect(t.ws(), PROGRESS, { id });
  expect(events.every((e) => !e.errors)).toBe(true);
  const r = await t.gql(GET_RUN, { id });
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.evalRun;
}

describe('eval runs', () => {
  let t: TestApp;
  let ci: string;
  beforeAll(async () => {
    t = await startTestApp();
    ci = await t.keyFor('CI');
    await t.gql('mutation { createPrompt(input: { name: "capitals" }) { id } }');
    await t.gql(`mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }`, {
      i: {
        name: 'capitals-set',
        rubric: 'The answer names the capital city.',
        cases: [
          { input: 'Capital of France?', expected: 'Paris', assertions: [{ type: 'icontains', value: 'paris' }, { type: 'llm-rubric' }] },
          { input: 'Capital of France, again?', expected: 'The capital is Paris', assertions: [{ type: 'similar', threshold: 0.3 }, { type: 'not-contains', value: 'London' }] },
        ],
      },
    });
  });
  afterAll(() => t.close());

  it('runs a set on a version through the pipeline and scores every case', async () => {
    const v = await version(t, 'capitals', 'The capital of France is Paris.');
    const r = await t.gql(RUN_EVAL, { input: { evalSet: 'capitals-set', prompt: 'capitals', version: v } }, ci);
    expect(r.errors).toBeUndefined();
    expect(r.data!.runEval).toMatchObject({ status: 'QUEUED', caseCount: 2, doneCount: 0, promptVersion: v, evalSet: { name: 'capitals-set' } });
    const run = await waitRun(t, r.data!.runEval.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', doneCount: 2, passedCount: 2, passRate: 1 });
    expect(run.score).toBeGreaterThan(0.8);
    expect(run.costUsd).toBeGreaterThan(0);
    expect(run.judgeCostUsd).toBeGreaterThan(0);
    expect(run.results).toHaveLength(2);
    expect(run.results[0]).toMatchObject({ position: 0, output: 'The capital of France is Paris.', passed: true, error: null });
    expect(run.results[0].judgeScore).toBeGreaterThanOrEqual(0.8);
    expect(run.results[0].traceId).toBeTruthy();
  });
});
