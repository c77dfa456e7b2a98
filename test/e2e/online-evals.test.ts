import { startTestApp, type TestApp } from '../helpers/test-app';

const EVALUATOR = 'id name prompt label evalSet sampleRate reviewSampleRate assertions filter enabled';
const CREATE = `mutation($i: OnlineEvaluatorInput!) { createOnlineEvaluator(input: $i) { ${EVALUATOR} } }`;
const UPDATE = `mutation($id: ID!, $i: OnlineEvaluatorInput!) { updateOnlineEvaluator(id: $id, input: $i) { ${EVALUATOR} } }`;
const GENERATE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status text } }`;
const STATS = '{ onlineEvalStats { queued dropped scored failed judgeRefused pending } }';
const SCORES = `query($id: ID!) { trace(id: $id) { id scores { name source score passed reason evaluator at } } }`;
const TREND = `query($set: String!, $prompt: String) { evalScoreTrend(evalSet: $set, prompt: $prompt, bucket: DAY) {
  bucket meanScore passRate items runs promptVersions offlineItems offlineMeanScore onlineItems onlineMeanScore onlinePassRate } }`;

async function must(t: TestApp, q: string, v: Record<string, unknown> = {}, key?: string): Promise<Record<string, any>> {
  const r = await t.gql(q, v, key);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

/** Waits (polling, no time bound asserted) until the worker has nothing queued or in flight and `done(stats)` holds, and the traces are written. */
async function settled(t: TestApp, done: (s: Record<string, number>) => boolean): Promise<Record<string, number>> {
  for (;;) {
    const s = (await must(t, STATS)).onlineEvalStats as Record<string, number>;
    if (done(s)) {
      await t.app.services.onlineEvals.worker.drain();
      // Scores can be stored before the trace's batch is: the tests read the trace next.
      await t.app.services.traces.writer.flush();
      return (await must(t, STATS)).onlineEvalStats as Record<string, number>;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A prompt whose production version's system prompt scripts the emulator's reply. */
async function promptReplying(t: TestApp, name: string, reply: string): Promise<void> {
  await must(t, `mutation { createPrompt(input: { name: "${name}" }) { id } }`);
  await must(t, 'mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: name, system: `Answer in JSON.\n#reply: ${reply}` } });
  await must(t, `mutation { promotePromptVersion(input: { prompt: "${name}", version: 1, label: "production" }) { promoted } }`);
}

describe(`online evaluators (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let evaluatorId: string;
  const traceIds: string[] = [];

  beforeAll(async () => {
    // REVIEW_SAMPLE_RATE 0: only the evaluator's own review share queues traces here.
    t = await startTestApp({ REVIEW_SAMPLE_RATE: '0' });
    await promptReplying(t, 'capitals', '{"answer": "Paris is the capital of France."}');
    await must(t, 'mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', {
      i: {
        name: 'capitals-set',
        rubric: 'The answer names "Paris".',
        cases: [{ input: 'Capital of France?', assertions: [{ type: 'contains', value: 'Paris' }] }],
      },
    });
  });
  afterAll(() => t.close());

  describe('CRUD and validation', () => {
    const valid = { name: 'capitals-json', prompt: 'capitals', evalSet: 'capitals-set', sampleRate: 1, assertions: [{ type: 'is-json' }] };

    it.each([
      ['an unknown prompt', { prompt: 'nope' }, 'input.prompt'],
      ['an unknown eval set', { evalSet: 'nope' }, 'input.evalSet'],
      ['a sample rate above 1', { sampleRate: 1.5 }, 'input.sampleRate'],
      ['a negative sample rate', { sampleRate: -0.1 }, 'input.sampleRate'],
      ['a review sample rate above 1', { reviewSampleRate: 2 }, 'input.reviewSampleRate'],
      ['an unknown assertion type', { assertions: [{ type: 'is-yaml' }] }, 'input.assertions.0.type'],
      ['an assertion needing an expected answer', { assertions: [{ type: 'equals', value: 'x' }] }, 'input.assertions.0.type'],
      ['an invalid regex', { assertions: [{ type: 'regex', value: '(unclosed' }] }, 'input.assertions.0.value'],
      ['an invalid JSON Schema', { assertions: [{ type: 'json-schema', value: { type: 'objekt' } }] }, 'input.assertions.0.value'],
      ['no assertion', { assertions: [] }, 'input.assertions'],
      ['an unknown filter key', { filter: { route: 'x' } }, 'input.filter'],
      ['a filter with a non-list of tags', { filter: { tags: 'beta' } }, 'input.filter.tags'],
      ['llm-rubric without criteria', { evalSet: null, assertions: [{ type: 'llm-rubric' }] }, 'input.assertions.0.value'],
    ])('refuses %s with BAD_USER_INPUT naming the field', async (_what, change, field) => {
      const r = await t.gql(CREATE, { i: { ...valid, ...change } });
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.extensions?.field).toBe(field);
    });

    it('creates, lists, updates and deletes an evaluator, ADMIN only, every change audited', async () => {
      const app = await t.keyFor('APP');
      const analyst = await t.keyFor('ANALYST');
      expect((await t.gql(CREATE, { i: valid }, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await t.gql(CREATE, { i: valid }, analyst)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const created = (await must(t, CREATE, { i: { ...valid, filter: { tags: ['beta'] } } })).createOnlineEvaluator;
      expect(created).toMatchObject({
        name: 'capitals-json',
        prompt: 'capitals',
        label: null,
        evalSet: 'capitals-set',
        sampleRate: 1,
        reviewSampleRate: null,
        enabled: true,
        filter: { tags: ['beta'] },
      });
      expect(created.assertions).toEqual([{ type: 'is-json', weight: 1 }]);
      expect((await t.gql(CREATE, { i: valid })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect((await must(t, '{ onlineEvaluators { name } }', {}, analyst)).onlineEvaluators).toEqual([{ name: 'capitals-json' }]);
      const updated = (await must(t, UPDATE, { id: created.id, i: { ...valid, label: 'staging', enabled: false } })).updateOnlineEvaluator;
      expect(updated).toMatchObject({ label: 'staging', enabled: false, filter: null });
      expect((await must(t, `mutation($id: ID!) { deleteOnlineEvaluator(id: $id) }`, { id: created.id })).deleteOnlineEvaluator).toBe(true);
      expect((await t.gql(`mutation($id: ID!) { deleteOnlineEvaluator(id: $id) }`, { id: created.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await t.gql(UPDATE, { id: 'not-a-uuid', i: valid })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const audit = (await must(t, '{ auditLog(first: 50) { edges { node { action entityType entityName } } } }')).auditLog.edges.map((e: any) => e.node);
      const actions = audit.filter((n: any) => n.entityType === 'OnlineEvaluator').map((n: any) => n.action);
      expect(actions.sort()).toEqual(['create', 'delete', 'update']);
    });
  });

  describe('scoring sampled production traces', () => {
    beforeAll(async () => {
      const created = await must(t, CREATE, {
        i: {
          name: 'capitals-quality',
          prompt: 'capitals',
          evalSet: 'capitals-set',
          sampleRate: 1,
          reviewSampleRate: 1,
          assertions: [
            { type: 'is-json' },
            { type: 'json-schema', value: { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } } },
            { type: 'regex', value: 'Paris' },
            { type: 'not-contains', value: 'London' },
            { type: 'max-length', value: 500 },
            { type: 'cost-below', value: 1 },
            { type: 'latency-below', value: 600_000 },
            { type: 'llm-rubric' },
          ],
        },
      });
      evaluatorId = created.createOnlineEvaluator.id;
      // Only traces tagged "beta" are looked at by this one, and it fails them (output longer than 5).
      await must(t, CREATE, { i: { name: 'capitals-short', prompt: 'capitals', sampleRate: 1, reviewSampleRate: 0, assertions: [{ type: 'max-length', value: 5 }], filter: { tags: ['beta'] } } });
      // Never matches: another model, and another label.
      await must(t, CREATE, { i: { name: 'other-model', prompt: 'capitals', sampleRate: 1, assertions: [{ type: 'is-json' }], filter: { models: ['amazon.titan-text-lite-v1'] } } });
      await must(t, CREATE, { i: { name: 'staging-only', prompt: 'capitals', label: 'staging', sampleRate: 1, assertions: [{ type: 'is-json' }] } });
      for (const [i, tags] of [[], ['beta'], []].entries()) {
        const r = (await must(t, GENERATE, { i: { prompt: 'capitals', input: `Capital of France? (${i})`, tags, cache: 'BYPASS' } })).generateOnce;
        expect(r.status).toBe('COMPLETED');
        traceIds.push(r.traceId);
      }
      await settled(t, (s) => s.scored + s.failed >= 4);
      await t.app.services.traces.writer.flush();
    });

    it('stores one score per assertion on the trace: RULE for rules, JUDGE with the judge reason for llm-rubric', async () => {
      const trace = (await must(t, SCORES, { id: traceIds[0] })).trace;
      const mine = trace.scores.filter((s: any) => s.evaluator === 'capitals-quality');
      expect(mine.map((s: any) => s.name).sort()).toEqual(['cost-below', 'is-json', 'json-schema', 'latency-below', 'llm-rubric', 'max-length', 'not-contains', 'regex'].sort());
      for (const s of mine.filter((x: any) => x.name !== 'llm-rubric')) expect(s).toMatchObject({ source: 'RULE', score: 1, passed: true });
      const judged = mine.find((s: any) => s.name === 'llm-rubric');
      // The emulator's judge: the rubric's one key term ("Paris") is in the output.
      expect(judged).toMatchObject({ source: 'JUDGE', score: 1, passed: true });
      expect(judged.reason).toContain('1/1 rubric key terms');
      expect(trace.scores.filter((s: any) => s.evaluator !== 'capitals-quality')).toEqual([]);
    });

    it('applies the filter: only the tagged trace is scored by the tag-filtered evaluator, and fails its rule', async () => {
      const tagged = (await must(t, SCORES, { id: traceIds[1] })).trace.scores.filter((s: any) => s.evaluator === 'capitals-short');
      expect(tagged).toEqual([expect.objectContaining({ name: 'max-length', source: 'RULE', score: 0, passed: false })]);
      expect(tagged[0].reason).toMatch(/more than 5/);
      const stats = (await must(t, STATS)).onlineEvalStats;
      // 3 traces x capitals-quality + 1 tagged trace x capitals-short; other-model and staging-only matched none.
      expect(stats).toMatchObject({ queued: 4, scored: 4, failed: 0, dropped: 0, pending: 0 });
    });

    it('sends scored traces to the review queue with the judge score and the eval set', async () => {
      const items = (await must(t, '{ reviewQueue(first: 20) { kind traceId evalSet prompt input output judgeScore judgeReason } }')).reviewQueue;
      const ids = items.map((i: any) => i.traceId);
      expect(ids.sort()).toEqual([...traceIds].sort());
      expect(items[0]).toMatchObject({ kind: 'TRACE', evalSet: 'capitals-set', prompt: 'capitals', judgeScore: 1, output: '{"answer": "Paris is the capital of France."}' });
      expect(items[0].input).toMatch(/Capital of France/);
      expect(items[0].judgeReason).toContain('rubric key terms');
    });

    it("counts a judged trace a person scored in judgeAgreement of the evaluator's eval set", async () => {
      const AGREEMENT = 'query($s: String) { judgeAgreement(evalSet: $s) { n agreement } }';
      expect((await must(t, AGREEMENT, { s: 'capitals-set' })).judgeAgreement.n).toBe(0);
      const [item] = (await must(t, '{ reviewQueue(first: 1) { id traceId judgeScore } }')).reviewQueue;
      await must(t, 'mutation($i: ReviewInput!) { submitReview(input: $i) { id humanScore } }', { i: { item: item.id, score: 0.9 } });
      expect((await must(t, AGREEMENT, { s: 'capitals-set' })).judgeAgreement).toEqual({ n: 1, agreement: 1 });
      const human = (await must(t, SCORES, { id: item.traceId })).trace.scores.filter((s: any) => s.source === 'HUMAN');
      expect(human).toEqual([expect.objectContaining({ score: 0.9, name: 'human' })]);
    });

    it('includes online scores next to offline runs in evalScoreTrend', async () => {
      let [row] = (await must(t, TREND, { set: 'capitals-set', prompt: 'capitals' })).evalScoreTrend;
      expect(row).toMatchObject({ items: 3, runs: 0, onlineItems: 3, offlineItems: 0, promptVersions: [1], offlineMeanScore: null, onlinePassRate: 1 });
      expect(row.onlineMeanScore).toBeCloseTo(1, 10);
      const run = (await must(t, 'mutation { runEval(input: { evalSet: "capitals-set", prompt: "capitals" }) { id } }')).runEval;
      expect((await t.app.services.evalRuns.waitFor(run.id)).status).toBe('SUCCEEDED');
      // The run's own trace (source EVAL) is never sampled by an online evaluator.
      await t.app.services.traces.writer.flush(); // the trace was recorded, so its observers ran
      expect(t.app.services.onlineEvals.worker.stats.queued).toBe(4);
      [row] = (await must(t, TREND, { set: 'capitals-set', prompt: 'capitals' })).evalScoreTrend;
      expect(row).toMatchObject({ items: 4, runs: 1, onlineItems: 3, offlineItems: 1, promptVersions: [1], passRate: 1 });
      expect(row.offlineMeanScore).toBeCloseTo(1, 10);
      expect(row.meanScore).toBeCloseTo(1, 10);
    });

    it('charges judge calls to the online-evals budget scope and skips the judge when that budget has no room', async () => {
      const budget = (
        await must(t, 'mutation($i: BudgetInput!) { createBudget(input: $i) { id } }', {
          i: { name: 'judging', scope: 'API_KEY', scopeValue: 'online-evals', period: 'DAILY', limitUsd: 10 },
        })
      ).createBudget;
      const promptBudget = (
        await must(t, 'mutation($i: BudgetInput!) { createBudget(input: $i) { id } }', { i: { name: 'capitals-spend', scope: 'PROMPT', scopeValue: 'capitals', period: 'DAILY', limitUsd: 10 } })
      ).createBudget;
      const spent = async (id: string) => ((await must(t, '{ budgets { id spentUsd } }')).budgets as Array<{ id: string; spentUsd: number }>).find((b) => b.id === id)!.spentUsd;
      const before = t.app.services.onlineEvals.worker.stats.scored;
      const g1 = (
        await must(t, 'mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status costUsd } }', { i: { prompt: 'capitals', input: 'Capital of France? (budgeted)', cache: 'BYPASS' } })
      ).generateOnce;
      await settled(t, (s) => s.scored >= before + 1);
      await t.app.services.budgets.flushLeases();
      const judging = await spent(budget.id);
      expect(judging).toBeGreaterThan(0);
      // The prompt's budget pays for the generation only (it settles when the request ends): never for the judge.
      let promptSpend = 0;
      while (!(promptSpend > 0)) promptSpend = await spent(promptBudget.id);
      expect(promptSpend).toBeCloseTo(g1.costUsd, 9);

      await must(t, 'mutation($id: ID!, $i: BudgetInput!) { updateBudget(id: $id, input: $i) { id } }', {
        id: budget.id,
        i: { name: 'judging', scope: 'API_KEY', scopeValue: 'online-evals', period: 'DAILY', limitUsd: judging + 0.000001 },
      });
      const refusedBefore = t.app.services.onlineEvals.worker.stats.judgeRefused;
      const g2 = (await must(t, GENERATE, { i: { prompt: 'capitals', input: 'Capital of France? (over budget)', cache: 'BYPASS' } })).generateOnce;
      expect(g2.status).toBe('COMPLETED');
      const s = await settled(t, (x) => x.scored >= before + 2);
      expect(s.judgeRefused).toBe(refusedBefore + 1);
      const scores = (await must(t, SCORES, { id: g2.traceId })).trace.scores.filter((x: any) => x.evaluator === 'capitals-quality');
      // The rules still scored; the judge was left out, not scored 0.
      expect(scores.map((x: any) => x.name)).not.toContain('llm-rubric');
      expect(scores).toHaveLength(7);
      const metrics = await (await fetch(t.url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/genai_cp_online_eval_judge_refused_total \d/);
    });

    it('stops scoring once the evaluator is disabled', async () => {
      const queued = t.app.services.onlineEvals.worker.stats.queued;
      await must(t, UPDATE, {
        id: evaluatorId,
        i: { name: 'capitals-quality', prompt: 'capitals', evalSet: 'capitals-set', sampleRate: 1, assertions: [{ type: 'is-json' }], enabled: false },
      });
      await must(t, GENERATE, { i: { prompt: 'capitals', input: 'Capital of France? (disabled)', cache: 'BYPASS' } });
      await t.app.services.traces.writer.flush(); // the trace was recorded, so its observers ran
      expect(t.app.services.onlineEvals.worker.stats.queued).toBe(queued);
    });
  });
});

describe('online evaluation under load: a full queue drops samples and counts them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ONLINE_EVAL_QUEUE_SIZE: '1', ONLINE_EVAL_CONCURRENCY: '1', REVIEW_SAMPLE_RATE: '0' });
    // The output carries a directive the emulator's judge obeys: each judge call takes 1.5 s.
    await promptReplying(t, 'slow-judge', 'ok\\n#delay-ms: 1500');
    await must(t, CREATE, { i: { name: 'slow', prompt: 'slow-judge', sampleRate: 1, reviewSampleRate: 0, assertions: [{ type: 'llm-rubric', value: 'Says "ok".' }] } });
  });
  afterAll(() => t.close());

  it('answers every request while the judge is busy, drops what does not fit, and counts the drops in stats and /metrics', async () => {
    const n = 8;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => must(t, GENERATE, { i: { prompt: 'slow-judge', input: `q${i}`, cache: 'BYPASS' } })));
    expect(results.map((r) => r.generateOnce.status)).toEqual(Array(n).fill('COMPLETED'));
    const s = await settled(t, (x) => x.queued + x.dropped >= n);
    // One sample in the judge, one waiting: the rest of a burst faster than a judge call is dropped.
    expect(s.dropped).toBeGreaterThanOrEqual(1);
    expect(s.queued + s.dropped).toBe(n);
    expect(s.scored).toBe(s.queued);
    const metrics = await (await fetch(t.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain(`genai_cp_online_eval_samples_total{outcome="dropped"} ${s.dropped}`);
    expect(metrics).toContain(`genai_cp_online_eval_samples_total{outcome="scored"} ${s.scored}`);
    expect(metrics).toMatch(/genai_cp_queue_depth\{queue="online_evals"\} 0/);
  });
});
