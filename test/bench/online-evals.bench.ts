import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startTestApp } from '../helpers/test-app';
import { fmt, printTable, summarize } from './stats';
import { MODEL, REPLY, must, setupPrompt, type Sample } from './generate-clients';
import type { ClientKind, WorkerSetup } from './generate-client.worker';

/**
 * Judging never adds latency to `generate` (`BENCH=online-evals`): two instances of the service on
 * one emulator, side by side, rounds interleaved: `plain` has no online evaluator; `judged` has one
 * at sample rate 1 on the same prompt, with rule assertions and an `llm-rubric` (every request's
 * trace is scored, the judge model called through the emulator). Reports generate's p50 and p99
 * (graphql-ws streaming and HTTP generateOnce, concurrency 1 and 20) and their ratio judged/plain,
 * plus what the worker did (scored, dropped), so the judged rows are known to have judged. Both
 * instances live in this process (as judging lives in the serving process): judging that outlasts a
 * judged round is drained, untimed, before the next round starts.
 */
export async function benchOnlineEvals(opts: { iterations?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 100;
  const plain = await startTestApp({ LOG_LEVEL: 'silent', REVIEW_SAMPLE_RATE: '0' });
  const endpoint = plain.app.services.models.emulatorUrl;
  if (!endpoint) throw new Error('the bench needs the in-process emulator');
  const judged = await startTestApp({ LOG_LEVEL: 'silent', MODEL_PROVIDER: 'emulator', BEDROCK_ENDPOINT: endpoint, REVIEW_SAMPLE_RATE: '0', ONLINE_EVAL_QUEUE_SIZE: '100000' });
  const input = `Where is Paris?\n#reply: ${REPLY}`;
  let worker: Worker | undefined;
  try {
    for (const t of [plain, judged]) await setupPrompt(t);
    await must(judged, 'mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', { i: { name: 'geo', rubric: 'The answer names "Paris" and "France".' } });
    await must(judged, 'mutation($i: OnlineEvaluatorInput!) { createOnlineEvaluator(input: $i) { id } }', {
      i: {
        name: 'geo-quality',
        prompt: 'bench',
        evalSet: 'geo',
        sampleRate: 1,
        assertions: [
          { type: 'not-contains', value: 'London' },
          { type: 'max-length', value: 2000 },
          { type: 'regex', value: 'Paris' },
          { type: 'latency-below', value: 60_000 },
          { type: 'llm-rubric' },
        ],
      },
    });
    const services: WorkerSetup['services'] = {};
    for (const [name, t] of [
      ['plain', plain],
      ['judged', judged],
    ] as const)
      services[name] = { wsUrl: t.wsUrl, httpUrl: t.url, key: await t.keyFor('APP') };
    worker = new Worker(path.join(__dirname, 'generate-client.worker.js'), { workerData: { endpoint, input, services } satisfies WorkerSetup });
    const run = (kind: ClientKind, concurrency: number): Promise<Sample[]> =>
      new Promise((resolve, reject) => {
        worker!.once('message', (m: { samples?: Sample[]; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.samples!)));
        worker!.postMessage({ kind, concurrency });
      });
    for (let i = 0; i < 20; i++) for (const kind of ['ws:plain', 'ws:judged', 'once:plain', 'once:judged'] as const) await run(kind, 1);
    const rows: Array<Record<string, string | number>> = [];
    for (const [concurrency, rounds] of [
      [1, iterations],
      [20, Math.max(3, Math.round(iterations / 5))],
    ] as const) {
      for (const mode of ['ws', 'once'] as const) {
        const a: Sample[] = [];
        const b: Sample[] = [];
        for (let r = 0; r < rounds; r++) {
          // Alternate which goes first, so neither always runs while the other's judging drains.
          const order = r % 2 ? (['judged', 'plain'] as const) : (['plain', 'judged'] as const);
          for (const who of order) {
            (who === 'plain' ? a : b).push(...(await run(`${mode}:${who}`, concurrency)));
            // Both instances share this process: the judged round's leftover judging is finished
            // (untimed) before the next round, so it only ever overlaps its own round's requests.
            if (who === 'judged') await judged.app.services.onlineEvals.worker.drain();
          }
        }
        const pa = summarize(a.map((s) => s.total));
        const pb = summarize(b.map((s) => s.total));
        const label = mode === 'ws' ? 'generate (graphql-ws)' : 'generateOnce (HTTP)';
        rows.push({ mode: label, concurrency, candidate: 'no online evaluator', n: pa.n, 'p50 ms': fmt(pa.p50, 2), 'p99 ms': fmt(pa.p99, 2), 'ratio p50': '1.00', 'ratio p99': '1.00' });
        rows.push({
          mode: label,
          concurrency,
          candidate: 'online evaluator, sample rate 1 (rules + llm-rubric)',
          n: pb.n,
          'p50 ms': fmt(pb.p50, 2),
          'p99 ms': fmt(pb.p99, 2),
          'ratio p50': fmt(pb.p50 / pa.p50, 2),
          'ratio p99': fmt(pb.p99 / pa.p99, 2),
        });
      }
    }
    await judged.app.services.onlineEvals.worker.drain();
    const stats = judged.app.services.onlineEvals.worker.stats;
    printTable(`online evaluation: generate with and without an online evaluator at sample rate 1, ${MODEL}, interleaved`, rows);
    console.log(`\njudged instance's online evaluation worker: ${JSON.stringify(stats)}`);
    return rows;
  } finally {
    if (worker) {
      worker.postMessage({ kind: 'stop' });
      await worker.terminate();
    }
    await judged.close();
    await plain.close();
  }
}
