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
          {
            input: 'Capital of France, again?',
            expected: 'The capital is Paris',
            assertions: [
              { type: 'similar', threshold: 0.3 },
              { type: 'not-contains', value: 'London' },
            ],
          },
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
    const page = async (after: number | null) =>
      (await t.gql('query($id: ID!, $after: Int) { evalRun(id: $id) { results(first: 1, after: $after) { position } } }', { id: run.id, after }, ci)).data!.evalRun.results;
    expect(await page(null)).toEqual([{ position: 0 }]);
    expect(await page(0)).toEqual([{ position: 1 }]);
    expect(await page(1)).toEqual([]);
  });

  it('emits progress after each case, in order, and completes when the run ends', async () => {
    const v = await version(t, 'capitals', 'Paris');
    const r = await t.gql(RUN_EVAL, { input: { evalSet: 'capitals-set', prompt: 'capitals', version: v } }, ci);
    const events = await wsCollect(t.ws(ci), PROGRESS, { id: r.data!.runEval.id });
    const runs = events.map((e) => e.data!.evalRunProgress);
    const done = runs.map((x) => x.doneCount);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // Each event is a step forward: one more finished case, the run starting (QUEUED → RUNNING, when
    // the subscription came before the worker claimed it), or (last) the run ending.
    for (let i = 1; i < runs.length; i++) {
      const ended = i === runs.length - 1 && runs[i].status === 'SUCCEEDED';
      const started = runs[i - 1].status === 'QUEUED' && runs[i].status === 'RUNNING';
      expect(runs[i].doneCount > runs[i - 1].doneCount || started || (ended && runs[i - 1].status !== 'SUCCEEDED')).toBe(true);
    }
    expect(runs.at(-1)).toMatchObject({ status: 'SUCCEEDED', doneCount: 2 });
  });

  it('tells eval traffic apart: traces carry source EVAL and the run, analytics count production by default', async () => {
    const [run] = (await t.gql('{ evalRuns(prompt: "capitals", first: 1) { id } }', {}, ci)).data!.evalRuns;
    // Traces are written in batches off the hot path: read them once the writer has flushed.
    await t.app.services.traces.writer.flush();
    const tr = await t.gql('query($id: ID!) { traces(filter: { evalRun: $id }) { edges { node { source evalRunId prompt } } } }', { id: run.id });
    expect(tr.errors).toBeUndefined();
    expect(tr.data!.traces.edges).toHaveLength(2);
    expect(tr.data!.traces.edges[0].node).toMatchObject({ source: 'EVAL', evalRunId: run.id, prompt: 'capitals' });
    const cost = async (filter: Record<string, unknown>) => (await t.gql('query($f: TraceFilter) { costBreakdown(filter: $f, groupBy: [PROMPT]) { requests } }', { f: filter })).data!.costBreakdown;
    expect(await cost({ prompt: 'capitals' })).toEqual([]);
    expect((await cost({ prompt: 'capitals', source: 'EVAL' }))[0].requests).toBeGreaterThanOrEqual(2);
  });

  it('records a judge answer that cannot be parsed as a judge error, after one retry', async () => {
    await t.gql(`mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }`, {
      i: { name: 'broken-judge', rubric: 'Grade it.\n#judge: malformed', cases: [{ input: 'q', assertions: [{ type: 'llm-rubric' }] }] },
    });
    const v = await version(t, 'capitals', 'Paris');
    const r = await t.gql(RUN_EVAL, { input: { evalSet: 'broken-judge', prompt: 'capitals', version: v } }, ci);
    const run = await waitRun(t, r.data!.runEval.id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.results[0]).toMatchObject({ passed: false, score: 0, judgeScore: null });
    expect(run.results[0].judgeReason).toMatch(/cannot be parsed.*after a retry/);
    expect(run.results[0].scores[0]).toMatchObject({ type: 'llm-rubric', passed: false, error: expect.stringContaining('judge') });
    expect(run.judgeCostUsd).toBeGreaterThan(0);
  });

  it('records a failed generation as a case scoring 0 with its error', async () => {
    await t.gql(`mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }`, {
      i: {
        name: 'failing',
        cases: [
          { input: '#error: ThrottlingException', assertions: [{ type: 'not-contains', value: 'x' }] },
          { input: 'ok', assertions: [{ type: 'contains', value: 'Paris' }] },
        ],
      },
    });
    const v = await version(t, 'capitals', 'Paris');
    const run = await waitRun(t, (await t.gql(RUN_EVAL, { input: { evalSet: 'failing', prompt: 'capitals', version: v } }, ci)).data!.runEval.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', doneCount: 2, passedCount: 1, score: 0.5 });
    expect(run.results[0]).toMatchObject({ output: null, passed: false, score: 0 });
    expect(run.results[0].error).toContain('ThrottlingException');
  });

  it('cancels a running run: CANCELLED, its remaining cases never run', async () => {
    const slow = Array.from({ length: 12 }, (_, i) => ({ input: `#delay-ms: 400\ncase ${i}`, assertions: [{ type: 'contains', value: 'Paris' }] }));
    await t.gql(`mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }`, { i: { name: 'slow', cases: slow } });
    const v = await version(t, 'capitals', 'Paris');
    const id = (await t.gql(RUN_EVAL, { input: { evalSet: 'slow', prompt: 'capitals', version: v } }, ci)).data!.runEval.id;
    await new Promise((r) => setTimeout(r, 600));
    const c = await t.gql(`mutation($id: ID!) { cancelEvalRun(id: $id) { status error } }`, { id }, ci);
    expect(c.errors).toBeUndefined();
    expect(c.data!.cancelEvalRun.status).toBe('CANCELLED');
    await new Promise((r) => setTimeout(r, 1000));
    const run = (await t.gql(GET_RUN, { id })).data!.evalRun;
    expect(run.status).toBe('CANCELLED');
    expect(run.error).toMatch(/cancelled by/);
    expect(run.doneCount).toBeLessThan(12);
    expect(run.results.length).toBe(run.doneCount);
  });

  it('refuses bad input before any model call, naming the field', async () => {
    await t.gql(`mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }`, { i: { name: 'empty' } });
    const code = async (input: Record<string, unknown>) => {
      const r = await t.gql(RUN_EVAL, { input }, ci);
      return [r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.field ?? r.errors?.[0]?.message];
    };
    expect(await code({ evalSet: 'nope', prompt: 'capitals', version: 1 })).toEqual(['NOT_FOUND', expect.stringContaining('nope')]);
    expect(await code({ evalSet: 'capitals-set', prompt: 'nope', version: 1 })).toEqual(['NOT_FOUND', expect.stringContaining('nope')]);
    expect(await code({ evalSet: 'capitals-set', prompt: 'capitals', version: 999 })).toEqual(['NOT_FOUND', expect.any(String)]);
    expect(await code({ evalSet: 'capitals-set', prompt: 'capitals', label: 'nolabel' })).toEqual(['NOT_FOUND', expect.any(String)]);
    expect(await code({ evalSet: 'empty', prompt: 'capitals', version: 1 })).toEqual(['BAD_USER_INPUT', 'input.evalSet']);
    expect(await code({ evalSet: 'capitals-set', prompt: 'capitals', version: 1, modelId: 'no.such-model' })).toEqual(['BAD_USER_INPUT', 'input.modelId']);
    const app = await t.keyFor('APP');
    expect((await t.gql(RUN_EVAL, { input: { evalSet: 'capitals-set', prompt: 'capitals', version: 1 } }, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

const PROMOTE = `mutation($i: PromoteInput!) { promotePromptVersion(input: $i) {
  promoted reason evalRun { id status score passRate promptVersion }
  label { name version { number } history { fromVersion toVersion evalRun { id } } } } }`;

describe('gated promotion', () => {
  let t: TestApp;
  let ci: string;
  let good: number;
  let bad: number;
  let mid: number;
  let firstRun: string;
  beforeAll(async () => {
    t = await startTestApp();
    ci = await t.keyFor('CI');
    await t.gql('mutation { createPrompt(input: { name: "math" }) { id } }');
    await t.gql(`mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }`, {
      i: {
        name: 'math-set',
        rubric: 'The answer is a JSON object with the right "answer".',
        cases: [
          { input: '2+2?', expected: '4', assertions: [{ type: 'is-json' }, { type: 'json-schema', value: { type: 'object', required: ['answer'], properties: { answer: { const: 4 } } } }] },
          { input: 'two plus two?', expected: '{"answer": 4}', assertions: [{ type: 'contains', value: '4' }, { type: 'llm-rubric' }] },
          {
            input: 'And 2*2?',
            assertions: [
              { type: 'regex', value: '\\b4\\b' },
              { type: 'max-length', value: 40 },
            ],
          },
        ],
      },
    });
    good = await version(t, 'math', '{"answer": 4}');
    bad = await version(t, 'math', 'I think it is five.');
    mid = await version(t, 'math', '{"answer": 4, "note": "approximately, give or take a few units of error here"}');
  });
  afterAll(() => t.close());

  it('promotes a version that passes, recording the run in the label history and the audit log', async () => {
    const r = await t.gql(PROMOTE, { i: { prompt: 'math', version: good, label: 'production', gate: { evalSet: 'math-set', minScore: 0.8 } } }, ci);
    expect(r.errors).toBeUndefined();
    const p = r.data!.promotePromptVersion;
    expect(p).toMatchObject({ promoted: true, evalRun: { status: 'SUCCEEDED', promptVersion: good }, label: { version: { number: good } } });
    expect(p.evalRun.score).toBeGreaterThanOrEqual(0.8);
    expect(p.reason).toMatch(/passed the gate/);
    expect(p.label.history[0]).toMatchObject({ toVersion: good, evalRun: { id: p.evalRun.id } });
    firstRun = p.evalRun.id;
    const audit = await t.gql('{ auditLog(first: 5) { edges { node { action after } } } }');
    const entry = audit.data!.auditLog.edges.map((e: { node: { action: string; after: Record<string, unknown> } }) => e.node).find((n: { action: string }) => n.action === 'promote');
    expect(entry.after).toMatchObject({ evalRun: firstRun, gate: { evalSet: 'math-set', minScore: 0.8 } });
  });

  it('refuses a version that fails, with its run and a reason naming the score and the failed cases', async () => {
    const r = await t.gql(PROMOTE, { i: { prompt: 'math', version: bad, label: 'production', gate: { evalSet: 'math-set', minScore: 0.8 } } }, ci);
    const p = r.data!.promotePromptVersion;
    expect(p.promoted).toBe(false);
    expect(p.evalRun).toMatchObject({ status: 'SUCCEEDED', promptVersion: bad });
    expect(p.reason).toMatch(/score 0\.\d+ is below minScore 0\.800/);
    expect(p.reason).toMatch(/#0 \(score/);
    expect(p.label.version.number).toBe(good);
  });

  it('reuses a finished run of the same version, set content and model', async () => {
    const r = await t.gql(PROMOTE, { i: { prompt: 'math', version: good, label: 'staging', gate: { evalSet: 'math-set', minScore: 0.8 } } }, ci);
    expect(r.data!.promotePromptVersion).toMatchObject({ promoted: true, evalRun: { id: firstRun } });
    const runs = await t.gql('{ evalRuns(evalSet: "math-set", prompt: "math") { id promptVersion } }', {}, ci);
    expect(runs.data!.evalRuns.filter((x: { promptVersion: number }) => x.promptVersion === good)).toHaveLength(1);
    const again = await t.gql(RUN_EVAL, { input: { evalSet: 'math-set', prompt: 'math', version: good, reuse: true } }, ci);
    expect(again.data!.runEval).toMatchObject({ id: firstRun, status: 'SUCCEEDED' });
    const fresh = await t.gql(RUN_EVAL, { input: { evalSet: 'math-set', prompt: 'math', version: good, reuse: true, modelId: 'amazon.nova-lite-v1:0' } }, ci);
    expect(fresh.data!.runEval.id).not.toBe(firstRun);
    await waitRun(t, fresh.data!.runEval.id);
  });

  it('refuses with maxRegression a candidate that is worse than the version the label points at', async () => {
    const loose = { evalSet: 'math-set', minScore: 0.3 };
    const ok = await t.gql(PROMOTE, { i: { prompt: 'math', version: mid, label: 'canary', gate: loose } }, ci);
    expect(ok.data!.promotePromptVersion.promoted).toBe(true);
    const r = await t.gql(PROMOTE, { i: { prompt: 'math', version: mid, label: 'production', gate: { ...loose, maxRegression: 0.05 } } }, ci);
    const p = r.data!.promotePromptVersion;
    expect(p.promoted).toBe(false);
    expect(p.reason).toMatch(new RegExp(`below version ${good}'s .*more than maxRegression 0\\.050`));
    expect(p.reason).toMatch(/regressions: case #/);
    const cmp = await t.gql(
      'query($b: ID!, $c: ID!) { compareEvalRuns(base: $b, candidate: $c) { scoreDelta regressions cases { position baseScore candidateScore delta } } }',
      { b: firstRun, c: p.evalRun.id },
      ci,
    );
    expect(cmp.errors).toBeUndefined();
    const cases = cmp.data!.compareEvalRuns.cases;
    expect(cmp.data!.compareEvalRuns.regressions).toBeGreaterThan(0);
    expect(cases[0].delta).toBeLessThan(0);
    expect(cases.map((c: { delta: number }) => c.delta)).toEqual([...cases.map((c: { delta: number }) => c.delta)].sort((a, b) => a - b));
  });

  it('answers evalScoreTrend per bucket over the finished runs of a set', async () => {
    const r = await t.gql('{ evalScoreTrend(evalSet: "math-set", prompt: "math", bucket: DAY) { bucket meanScore passRate items runs promptVersions } }', {}, await t.keyFor('ANALYST'));
    expect(r.errors).toBeUndefined();
    const [row] = r.data!.evalScoreTrend;
    expect(row.runs).toBeGreaterThanOrEqual(3);
    expect(row.items).toBe(row.runs * 3);
    expect(row.promptVersions).toEqual(expect.arrayContaining([good, bad, mid]));
    expect(row.meanScore).toBeGreaterThan(0);
    expect(row.meanScore).toBeLessThan(1);
    expect((await t.gql('{ evalScoreTrend(evalSet: "nope") { runs } }')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses bad gates naming the field, and APP may not promote', async () => {
    const err = async (gate: Record<string, unknown>, key = ci) => {
      const r = await t.gql(PROMOTE, { i: { prompt: 'math', version: bad, label: 'production', gate } }, key);
      return [r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.field];
    };
    expect(await err({ evalSet: 'math-set', minScore: 1.5 })).toEqual(['BAD_USER_INPUT', 'input.gate.minScore']);
    expect(await err({ evalSet: 'math-set', minScore: 0.5, maxRegression: -1 })).toEqual(['BAD_USER_INPUT', 'input.gate.maxRegression']);
    expect(await err({ evalSet: 'math-set', minScore: 0.5, modelId: 'nope' })).toEqual(['BAD_USER_INPUT', 'input.gate.modelId']);
    expect((await err({ evalSet: 'no-set', minScore: 0.5 }))[0]).toBe('NOT_FOUND');
    expect((await err({ evalSet: 'math-set', minScore: 0.5 }, await t.keyFor('APP')))[0]).toBe('FORBIDDEN');
  });
});
