import type { DataSource } from 'typeorm';
import { judgeAgreement } from '../../src/review/agreement';
import { startTestApp, type TestApp } from '../helpers/test-app';

const ITEM = 'id kind traceId evalResultId evalSet prompt input output context judgeScore judgeReason humanScore claimedBy claimedUntil createdAt';
const QUEUE = `query($first: Int) { reviewQueue(first: $first) { ${ITEM} } }`;
const SUBMIT = `mutation($input: ReviewInput!) { submitReview(input: $input) { id humanScore label comment claimedBy } }`;
const AGREEMENT = `query($set: String, $bucket: TimeBucket) { judgeAgreement(evalSet: $set, bucket: $bucket) { n agreement cohensKappa pearson buckets { bucket n agreement cohensKappa pearson } } }`;

// The fixed set of test/unit/review/agreement.test.ts: agreement 0.7, kappa 0.4, r = 0.63 / sqrt(0.745 x 1.1).
const JUDGE = [0.9, 0.8, 0.7, 0.6, 0.2, 0.1, 0.3, 0.9, 0.4, 0.6];
const HUMAN = [1.0, 0.7, 0.4, 0.8, 0.0, 0.3, 0.6, 0.9, 0.2, 0.1];
const DAY = 86_400_000;

/** An eval set with one finished run of 10 results carrying judge scores; the first 5 made two days ago. */
async function seedEvalResults(ds: DataSource): Promise<{ runId: string; resultIds: string[] }> {
  const [set] = await ds.query(`INSERT INTO eval_sets (name) VALUES ('support-set') RETURNING id`);
  const [run] = await ds.query(
    `INSERT INTO eval_runs (eval_set_id, prompt, prompt_version, prompt_version_id, model_id, status, case_count, set_hash)
     VALUES ($1, 'support', 1, gen_random_uuid(), 'm', 'SUCCEEDED', 10, 'h') RETURNING id`,
    [set.id],
  );
  const resultIds: string[] = [];
  for (let i = 0; i < JUDGE.length; i++) {
    const [c] = await ds.query(`INSERT INTO eval_cases (eval_set_id, input, context, assertions, position) VALUES ($1, $2, $3, '[]', $4) RETURNING id`, [
      set.id,
      `question ${i}`,
      JSON.stringify([{ text: `chunk ${i}` }]),
      i,
    ]);
    const at = new Date(Date.now() - (i < 5 ? 2 * DAY : 60_000) + i * 1000);
    const [r] = await ds.query(
      `INSERT INTO eval_results (run_id, case_id, position, output, scores, passed, score, judge_score, judge_reason, created_at)
       VALUES ($1, $2, $3, $4, '{}', $5, $6, $6, $7, $8) RETURNING id`,
      [run.id, c.id, i, `answer ${i}`, JUDGE[i]! >= 0.5, JUDGE[i], `judge reason ${i}`, at.toISOString()],
    );
    resultIds.push(r.id);
  }
  return { runId: run.id, resultIds };
}

describe(`human review and judge agreement (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let seeded: { runId: string; resultIds: string[] };
  let traceIds: string[];

  beforeAll(async () => {
    t = await startTestApp({ REVIEW_SAMPLE_RATE: '1', REVIEW_EVAL_SAMPLE_RATE: '1' });
    alice = await t.keyFor('ANALYST', 'alice');
    bob = await t.keyFor('ANALYST', 'bob');
    const must = async (q: string, v: Record<string, unknown> = {}) => {
      const r = await t.gql(q, v);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data!;
    };
    await must('mutation { createPrompt(input: { name: "support" }) { id } }');
    await must('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: 'support', system: 'Answer briefly.' } });
    await must('mutation { promotePromptVersion(input: { prompt: "support", version: 1, label: "production" }) { promoted } }');
    seeded = await seedEvalResults(t.app.dataSource);
    traceIds = [];
    for (const q of ['How do I reset my password?', 'Where is my invoice?']) {
      const d = await must(`mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status } }`, { i: { prompt: 'support', input: q, cache: 'BYPASS' } });
      traceIds.push(d.generateOnce.traceId);
    }
    await t.app.services.traces.writer.flush();
    // Sampling leaves rows younger than 2 s for the next pass (the trace writer batches).
    await new Promise((r) => setTimeout(r, 2200));
  });
  afterAll(() => t?.close());

  it('serves sampled eval results and traces oldest first, claimed so two reviewers never get the same item', async () => {
    const a = (await t.gql(QUEUE, { first: 4 }, alice)).data!.reviewQueue;
    const b = (await t.gql(QUEUE, { first: 4 }, bob)).data!.reviewQueue;
    expect(a).toHaveLength(4);
    expect(b).toHaveLength(4);
    const ids = new Set([...a, ...b].map((i: { id: string }) => i.id));
    expect(ids.size).toBe(8);
    // Oldest first: the eval results of two days ago, in order.
    expect(a.map((i: { evalResultId: string }) => i.evalResultId)).toEqual(seeded.resultIds.slice(0, 4));
    expect(a[0]).toMatchObject({
      kind: 'EVAL_RESULT',
      evalSet: 'support-set',
      prompt: 'support',
      input: 'question 0',
      output: 'answer 0',
      context: [{ text: 'chunk 0' }],
      judgeScore: 0.9,
      judgeReason: 'judge reason 0',
      humanScore: null,
      claimedBy: 'alice',
    });
    expect(new Date(a[0].claimedUntil).getTime()).toBeGreaterThan(Date.now() + 800_000);
    // Alice asking again gets the items she holds; Bob cannot take them.
    expect((await t.gql(QUEUE, { first: 4 }, alice)).data!.reviewQueue.map((i: { id: string }) => i.id)).toEqual(a.map((i: { id: string }) => i.id));
    const steal = await t.gql(SUBMIT, { input: { item: a[0].id, score: 1 } }, bob);
    expect(steal.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(steal.errors?.[0]?.message).toMatch(/claimed by alice/);
    // The rest: the last 2 eval results and the 2 production traces.
    const rest = (await t.gql(QUEUE, { first: 10 }, bob)).data!.reviewQueue;
    expect(
      rest
        .filter((i: { kind: string }) => i.kind === 'TRACE')
        .map((i: { traceId: string }) => i.traceId)
        .sort(),
    ).toEqual([...traceIds].sort());
    const trace = rest.find((i: { traceId: string; kind: string }) => i.kind === 'TRACE' && i.traceId === traceIds[0]);
    expect(trace).toMatchObject({ prompt: 'support', input: 'How do I reset my password?', judgeScore: null, claimedBy: 'bob' });
    expect(trace.output.length).toBeGreaterThan(0);
  });

  it('submitReview records the human score on the item, the eval result (humanScore) and the trace (Trace.scores)', async () => {
    const items = [...(await t.gql(QUEUE, { first: 100 }, alice)).data!.reviewQueue, ...(await t.gql(QUEUE, { first: 100 }, bob)).data!.reviewQueue];
    expect(items).toHaveLength(12);
    for (const item of items) {
      const key = item.claimedBy === 'alice' ? alice : bob;
      const score = item.kind === 'EVAL_RESULT' ? HUMAN[seeded.resultIds.indexOf(item.evalResultId)] : 0.25;
      const r = await t.gql(SUBMIT, { input: { item: item.id, score, label: item.kind === 'TRACE' ? 'off-topic' : null, comment: 'checked' } }, key);
      expect(r.errors).toBeUndefined();
      expect(r.data!.submitReview).toMatchObject({ humanScore: score, comment: 'checked', claimedBy: null });
    }
    expect((await t.gql(QUEUE, { first: 100 }, alice)).data!.reviewQueue).toEqual([]);
    const again = await t.gql(SUBMIT, { input: { item: items[0].id, score: 0 } }, alice);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const run = await t.gql(`query($id: ID!) { evalRun(id: $id) { results(first: 20) { humanScore judgeScore } } }`, { id: seeded.runId });
    expect(run.errors).toBeUndefined();
    expect(run.data!.evalRun.results.map((r: { humanScore: number }) => r.humanScore)).toEqual(HUMAN);

    const trace = await t.gql(`query($id: ID!) { trace(id: $id) { scores { name source score passed reason evaluator at } } }`, { id: traceIds[0] });
    expect(trace.errors).toBeUndefined();
    expect(trace.data!.trace.scores).toEqual([
      { name: 'off-topic', source: 'HUMAN', score: 0.25, passed: false, reason: 'checked', evaluator: expect.stringMatching(/^(alice|bob)$/), at: expect.any(String) },
    ]);
  });

  it('judgeAgreement equals the hand-computed values, overall and per day', async () => {
    const r = await t.gql(AGREEMENT, { set: 'support-set', bucket: 'DAY' }, alice);
    expect(r.errors).toBeUndefined();
    const a = r.data!.judgeAgreement;
    expect(a.n).toBe(10);
    expect(a.agreement).toBeCloseTo(0.7, 10);
    expect(a.cohensKappa).toBeCloseTo(0.4, 10);
    expect(a.pearson).toBeCloseTo(0.63 / Math.sqrt(0.745 * 1.1), 10);
    expect(a.buckets.map((b: { n: number }) => b.n)).toEqual([5, 5]);
    const half = (from: number) => judgeAgreement(JUDGE.slice(from, from + 5).map((j, i) => ({ judge: j, human: HUMAN[from + i]! })));
    expect(a.buckets[0]).toMatchObject(half(0));
    expect(a.buckets[1]).toMatchObject(half(5));
    // All eval sets (one here); no bucket -> no buckets.
    const all = (await t.gql(AGREEMENT, {}, alice)).data!.judgeAgreement;
    expect(all).toMatchObject({ n: 10, buckets: [] });
  });

  it('validates input and roles', async () => {
    const unknown = await t.gql(AGREEMENT, { set: 'nope' }, alice);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const app = await t.keyFor('APP', 'some-app');
    expect((await t.gql(QUEUE, { first: 1 }, app)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ item: 'x', score: 1 }, /^input\.item:/],
      [{ item: '00000000-0000-4000-8000-000000000000', score: 1.5 }, /^input\.score:/],
      [{ item: '00000000-0000-4000-8000-000000000000', score: 1, label: 'x'.repeat(101) }, /^input\.label:/],
    ];
    for (const [input, message] of cases) {
      const r = await t.gql(SUBMIT, { input }, alice);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toMatch(message);
    }
    expect((await t.gql(SUBMIT, { input: { item: '00000000-0000-4000-8000-000000000000', score: 1 } }, alice)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(QUEUE, { first: 0 }, alice)).errors?.[0]?.message).toMatch(/^first:/);
  });
});
