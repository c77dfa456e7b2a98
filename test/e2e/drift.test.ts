import { countTokens } from '../../src/providers/index';
import type { TraceRecord } from '../../src/traces';
import { traceRecord } from '../fixtures/traces';
import { startTestApp, type TestApp } from '../helpers/test-app';

const DRIFT = `query($f: TraceFilter, $w: TimeRangeInput!, $b: TimeRangeInput!) {
  drift(filter: $f, window: $w, baseline: $b) { drifted windowCount baselineCount
    features { name statistic method threshold drifted insufficientData note windowSamples baselineSamples } } }`;

type Feature = { name: string; statistic: number | null; method: string; threshold: number | null; drifted: boolean; insufficientData: boolean; note: string | null };

/** Short English support questions: 5 openings x 8 subjects. */
const OPENINGS = ['How do I reset my', 'Where can I see my', 'Can I change my', 'Why was I charged for my', 'How can I update my'];
const SUBJECTS = ['password', 'invoice', 'plan', 'account', 'email address', 'refund', 'subscription', 'login'];
const english = (i: number) => `${OPENINGS[i % 5]} ${SUBJECTS[Math.floor(i / 5) % 8]}?`;

/** Long French questions about cooking. */
const DISHES = [
  'une tarte aux pommes',
  'un boeuf bourguignon',
  'une quiche lorraine',
  'un gratin dauphinois',
  'une ratatouille',
  'des crêpes bretonnes',
  'un clafoutis aux cerises',
  'une soupe à l’oignon',
];
const french = (i: number) =>
  `Bonjour, je voudrais préparer ${DISHES[i % 8]} pour le dîner de ce soir avec toute ma famille. Pouvez-vous m’expliquer la recette étape par étape, ` +
  `combien de temps il faut la cuire au four, quels ingrédients acheter au marché et comment la servir pour qu’elle soit bien dorée et fondante ? ` +
  `Nous serons ${4 + (i % 5)} personnes à table et certains invités ne mangent pas de porc.`;

/**
 * A production trace as the pipeline writes it for `input`: the input stage tokens, the retrieved
 * chunks with their scores (and those dropped, in the prompt_assembly span), the model and rule.
 */
function trafficTrace(at: Date, input: string, o: { scores: number[]; dropped: number; modelId: string; rule: string | null; latencyMs: number; outputTokens: number }): TraceRecord {
  const context = o.scores.map((score, i) => ({ id: `c${i}`, text: `chunk ${i}`, score }));
  return traceRecord({
    createdAt: at,
    modelId: o.modelId,
    routeRule: o.rule,
    routedBy: o.rule,
    request: { prompt: 'support', input, context, tags: [] },
    usage: {
      inputTokens: 10 + countTokens(input),
      outputTokens: o.outputTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      byStage: { system: 10, context: 0, history: 0, input: countTokens(input), output: o.outputTokens },
    },
    latencyMs: o.latencyMs,
    spans: [
      {
        name: 'prompt_assembly',
        startedAt: at,
        durationMs: 0.2,
        attributes: { contextKept: context.slice(o.dropped).map((c) => c.id), contextDropped: context.slice(0, o.dropped).map((c) => ({ id: c.id, reason: 'below_min_score', score: c.score })) },
      },
    ],
  });
}

describe('drift', () => {
  let t: TestApp;
  const at = (d: number, i: number) => new Date(Date.UTC(2026, 2, d, 0, 0, i));
  const range = (d: number) => ({ from: at(d, 0).toISOString(), to: new Date(Date.UTC(2026, 2, d + 1)).toISOString() });
  const N = 40;

  beforeAll(async () => {
    t = await startTestApp();
    const w = t.app.services.traces.writer;
    const ids: Array<[string, number]> = [];
    const add = (r: TraceRecord, score: number) => {
      w.enqueue(r);
      ids.push([r.id!, score]);
    };
    for (let i = 0; i < N; i++) {
      // March 1 and March 5: the same traffic (the same 40 questions, in another order): short English
      // support questions, well-matched chunks, the default model, judged well.
      const j = (i * 17) % N;
      const english1 = { scores: [0.9, 0.85, 0.8], dropped: 0, modelId: 'amazon.nova-micro-v1:0', rule: null, latencyMs: 100 + (i % 10) * 5, outputTokens: 20 + (i % 7) };
      add(trafficTrace(at(1, i), english(i), english1), 0.8 + (i % 5) * 0.03);
      add(trafficTrace(at(5, i), english(j), { ...english1, latencyMs: 100 + (j % 10) * 5, outputTokens: 20 + (j % 7) }), 0.8 + (j % 5) * 0.03);
      // March 2: long French questions about cooking, routed to a bigger model by a rule, chunks that
      // match poorly (a stale knowledge base: low scores, two of three dropped), judged poorly.
      add(
        trafficTrace(at(2, i), french(i), { scores: [0.3, 0.25, 0.6], dropped: 2, modelId: 'amazon.nova-pro-v1:0', rule: 'long-inputs', latencyMs: 300 + (i % 10) * 5, outputTokens: 200 + (i % 7) }),
        0.3 + (i % 5) * 0.03,
      );
      // Eval traffic on March 5: not counted unless the filter asks for it.
      w.enqueue(traceRecord({ createdAt: at(5, i), latencyMs: 5000, source: 'EVAL' }));
    }
    await w.flush();
    // Online scores of the production traces (as an online evaluator's judge records them).
    for (const [id, score] of ids) {
      await t.app.dataSource.query(`INSERT INTO trace_scores (trace_id, name, source, score) VALUES ($1, 'helpfulness', 'JUDGE', $2)`, [id, score]);
    }
  });
  afterAll(() => t?.close());

  const featuresOf = (rep: { features: Feature[] }) => Object.fromEntries(rep.features.map((x) => [x.name, x])) as Record<string, Feature>;

  it('detects drift to long French cooking questions: input length, language and topic, routing, retrieval and outcomes', async () => {
    const r = await t.gql(DRIFT, { w: range(2), b: range(1) }, await t.keyFor('ANALYST'));
    expect(r.errors).toBeUndefined();
    const rep = r.data!.drift;
    expect(rep).toMatchObject({ drifted: true, windowCount: N, baselineCount: N });
    const f = featuresOf(rep);
    expect(f.inputLength).toMatchObject({ method: 'psi', drifted: true, threshold: 0.2 });
    // All English against all French: disjoint mixes, Jensen–Shannon divergence 1.
    expect(f.inputLanguage).toMatchObject({ method: 'jensen-shannon', drifted: true, threshold: 0.1 });
    expect(f.inputLanguage!.statistic).toBeCloseTo(1, 10);
    // Hashed bag-of-words embeddings of unrelated texts in unrelated languages: centroids far apart,
    // and every window input outside the baseline's clusters.
    expect(f.inputTopicCentroid).toMatchObject({ method: 'centroid-cosine', drifted: true });
    expect(f.inputTopicCentroid!.statistic!).toBeGreaterThan(0.5);
    expect(f.inputTopicOutliers).toMatchObject({ method: 'outlier-share', drifted: true, statistic: 1 });
    expect(f.modelId).toMatchObject({ method: 'jensen-shannon', drifted: true, statistic: 1 });
    expect(f.routeRule).toMatchObject({ method: 'jensen-shannon', drifted: true, statistic: 1 });
    expect(f.contextScore).toMatchObject({ method: 'ks', drifted: true, statistic: 1 });
    // 80 of 120 chunks dropped against 0 of 120: z = (2/3) / √(1/3 · 2/3 · 2/120) = 10.954
    expect(f.contextDropped).toMatchObject({ method: 'two-proportion-z', drifted: true, windowSamples: 120, baselineSamples: 120 });
    expect(f.contextDropped!.statistic).toBeCloseTo(2 / 3 / Math.sqrt((1 / 3) * (2 / 3) * (2 / 120)), 10);
    expect(f.outputLength).toMatchObject({ method: 'psi', drifted: true });
    expect(f.evalScoreOnline).toMatchObject({ method: 'welch-t', drifted: true });
    expect(f.evalScoreOnline!.statistic!).toBeLessThan(0);
    expect(f.latencyMs).toMatchObject({ method: 'ks', drifted: true, statistic: 1 });
    // Same rates in both: no verdict of drift, and eval runs had no results (too few samples, said so).
    expect(f.errorRate).toMatchObject({ method: 'two-proportion-z', drifted: false, statistic: 0 });
    expect(f.guardrailTriggerRate).toMatchObject({ drifted: false, statistic: 0 });
    expect(f.evalScoreRuns).toMatchObject({ drifted: false, insufficientData: true, statistic: null });
    expect(f.evalScoreRuns!.note).toMatch(/too few samples/);
  });

  it('finds no drift between two windows of the same traffic, counting production traffic only by default', async () => {
    const r = await t.gql(DRIFT, { w: range(5), b: range(1) });
    expect(r.errors).toBeUndefined();
    const f = featuresOf(r.data!.drift);
    expect(Object.values(f).filter((x) => x.drifted)).toEqual([]);
    expect(r.data!.drift).toMatchObject({ drifted: false, windowCount: N });
    for (const name of [
      'inputLength',
      'inputLanguage',
      'inputTopicCentroid',
      'inputTopicOutliers',
      'modelId',
      'routeRule',
      'contextScore',
      'contextDropped',
      'errorRate',
      'outputLength',
      'evalScoreOnline',
    ]) {
      expect(f[name]).toMatchObject({ insufficientData: false });
    }
    expect(f.inputTopicCentroid!.statistic!).toBeLessThan(1e-6);
    const evalToo = await t.gql(DRIFT, { w: range(5), b: range(1), f: { source: 'EVAL' } });
    expect(evalToo.data!.drift).toMatchObject({ windowCount: N, baselineCount: 0, drifted: false });
    expect(featuresOf(evalToo.data!.drift).latencyMs).toMatchObject({ insufficientData: true, statistic: null });
  });

  it('embeds each input once: a second report reads the cached embeddings', async () => {
    const before = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM drift_input_embeddings`);
    await t.gql(DRIFT, { w: range(2), b: range(1) });
    const after = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM drift_input_embeddings`);
    expect(before[0].n).toBe(3 * N);
    expect(after[0].n).toBe(3 * N);
  });

  it('refuses empty, reversed and overlapping ranges naming the field', async () => {
    const reversed = await t.gql(DRIFT, { w: { from: range(2).to, to: range(2).from }, b: range(1) });
    expect(reversed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'window.from' });
    const empty = await t.gql(DRIFT, { w: range(2), b: { from: range(1).from, to: range(1).from } });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'baseline.from' });
    const overlap = await t.gql(DRIFT, { w: range(2), b: { from: range(1).from, to: at(2, 30).toISOString() } });
    expect(overlap.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'baseline' });
  });
});
