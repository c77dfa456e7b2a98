import { performance } from 'node:perf_hooks';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Eval runs on the emulator: cases per second of one run at EVAL_CONCURRENCY 1, 4 and 16, for a set
 * scored by rules only and for the same set with an `llm-rubric` assertion (a judge call per case),
 * and the judge's share of the time (summed judge call time over summed generation + judge time).
 * Finally one run of 10,000 cases (rules only, concurrency 16) with the process's heap and RSS before
 * and after: the worker pages cases and results, so memory stays flat.
 */
export async function benchEvals(opts: { cases?: number; bigCases?: number } = {}): Promise<void> {
  const n = opts.cases ?? 200;
  console.log(`\n## evals (emulator, PGlite in memory, ${n} cases per run)`);
  console.log('| concurrency | rules only: cases/s | with judge: cases/s | judge share of case time |');
  console.log('| --- | --- | --- | --- |');
  for (const concurrency of [1, 4, 16]) {
    const t = await startTestApp({ EVAL_CONCURRENCY: String(concurrency) });
    try {
      await setup(t, n);
      const rules = await timeRun(t, 'rules');
      const judged = await timeRun(t, 'judged');
      console.log(`| ${concurrency} | ${rules.rate.toFixed(1)} | ${judged.rate.toFixed(1)} | ${(judged.judgeShare * 100).toFixed(0)}% |`);
    } finally {
      await t.close();
    }
  }
  const big = opts.bigCases ?? 10_000;
  if (big > 0) {
    const t = await startTestApp({ EVAL_CONCURRENCY: '16' });
    try {
      await setup(t, big, false);
      global.gc?.();
      const before = process.memoryUsage();
      const r = await timeRun(t, 'rules');
      global.gc?.();
      const after = process.memoryUsage();
      const mb = (x: number) => `${(x / 1e6).toFixed(0)} MB`;
      console.log(
        `- ${big} cases, concurrency 16: ${r.status} in ${r.seconds.toFixed(1)} s (${r.rate.toFixed(1)} cases/s); heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)}, RSS ${mb(before.rss)} → ${mb(after.rss)}`,
      );
    } finally {
      await t.close();
    }
  }
}

async function setup(t: TestApp, n: number, judged = true): Promise<void> {
  await t.gql('mutation { createPrompt(input: { name: "bench" }) { id } }');
  await t.gql('mutation { createPromptVersion(input: { prompt: "bench", system: "Answer briefly.\\n#reply: The capital of France is Paris." }) { number } }');
  const sets: Array<[string, (i: number) => unknown[]]> = [
    [
      'rules',
      () => [
        { type: 'icontains', value: 'paris' },
        { type: 'max-length', value: 200 },
      ],
    ],
  ];
  if (judged)
    sets.push([
      'judged',
      () => [
        { type: 'icontains', value: 'paris' },
        { type: 'llm-rubric', value: 'Names "Paris".' },
      ],
    ]);
  for (const [name, assertions] of sets) {
    await t.gql('mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', { i: { name } });
    for (let start = 0; start < n; start += 1000) {
      const cases = Array.from({ length: Math.min(1000, n - start) }, (_, i) => ({ input: `Question ${start + i}: what is the capital of France?`, expected: 'Paris', assertions: assertions(i) }));
      const r = await t.gql('mutation($s: String!, $c: [EvalCaseInput!]!) { addEvalCases(evalSet: $s, cases: $c) { id } }', { s: name, c: cases });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    }
  }
}

async function timeRun(t: TestApp, set: string): Promise<{ rate: number; seconds: number; judgeShare: number; status: string }> {
  const t0 = performance.now();
  const r = await t.gql('mutation($s: String!) { runEval(input: { evalSet: $s, prompt: "bench", version: 1 }) { id } }', { s: set });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  const id = r.data!.runEval.id as string;
  const run = await t.app.services.evalRuns.waitFor(id);
  const seconds = (performance.now() - t0) / 1000;
  const [row] = await t.app.dataSource.query('SELECT sum(latency_ms)::float8 AS gen FROM eval_results WHERE run_id = $1', [id]);
  const gen = Number(row?.gen ?? 0);
  return { rate: run.doneCount / seconds, seconds, judgeShare: run.judgeMs / (gen + run.judgeMs || 1), status: run.status };
}
