import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { startTestApp } from '../helpers/test-app';
import { scoreCase } from '../../src/evals/assertions/score-case';
import { assertionsSchema } from '../../src/evals/eval-case.schemas';
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
export async function benchOnlineEvals(opts: { iterations?: number; concurrency?: number[] } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 100;
  const rulesOnly = process.env.BENCH_ONLINE_EVAL_ASSERTIONS === 'rules';
  await benchRuleOffload();
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
          // BENCH_ONLINE_EVAL_ASSERTIONS=rules: the rules alone (no judge call), to see what they cost.
          ...(rulesOnly ? [] : [{ type: 'llm-rubric' }]),
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
    for (const concurrency of opts.concurrency ?? [1, 20]) {
      const rounds = concurrency === 1 ? iterations : Math.max(3, Math.round(iterations / 5));
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
          candidate: `online evaluator, sample rate 1 (${rulesOnly ? '4 rules, no judge' : '4 rules + llm-rubric'})`,
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

/** Rule assertions of the benchmark's evaluator, and a JSON-checking set on a 4 KB JSON output. */
const RULE_SETS = {
  "the bench evaluator's rules on its reply": {
    assertions: [
      { type: 'not-contains', value: 'London' },
      { type: 'max-length', value: 2000 },
      { type: 'regex', value: 'Paris' },
      { type: 'latency-below', value: 60_000 },
    ],
    output: REPLY,
  },
  'is-json + json-schema + regex on a 4 KB JSON output': {
    assertions: [
      { type: 'is-json' },
      { type: 'json-schema', value: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'object', required: ['id', 'name'] } } } } },
      { type: 'regex', value: '"name":\\s*"item-9\\d"' },
    ],
    output: JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item-${i}`, note: 'x'.repeat(40) })) }),
  },
};

/**
 * Would scoring the rule assertions on a worker thread take work off the event loop that serves
 * `generate`? The main thread's busy time (event-loop utilization, active ms) per sample: scoring
 * inline, against posting the sample to a worker thread that scores it and posts the scores back
 * (10 samples in flight). The worker only helps if the second is clearly smaller than the first.
 */
export async function benchRuleOffload(samples = Number(process.env.BENCH_RULE_SAMPLES ?? 5000)): Promise<Array<Record<string, string>>> {
  const worker = new Worker(path.join(__dirname, 'rule-scoring.worker.js'));
  const pending = new Map<number, () => void>();
  worker.on('message', (m: { id: number }) => {
    pending.get(m.id)?.();
    pending.delete(m.id);
  });
  const noModel = { judge: () => Promise.reject(new Error('rules only')), similarity: () => Promise.reject(new Error('rules only')) };
  const rows: Array<Record<string, string>> = [];
  try {
    for (const [name, set] of Object.entries(RULE_SETS)) {
      const assertions = assertionsSchema.parse(set.assertions);
      const outcome = { output: set.output, error: null, latencyMs: 900, costUsd: 0.0002 };
      const inline = async () => {
        for (let i = 0; i < samples; i++) await scoreCase({ assertions, expected: null, threshold: null }, outcome, null, noModel);
      };
      let id = 0;
      const offloaded = async () => {
        let next = 0;
        const lane = async () => {
          while (next < samples) {
            next++;
            const n = id++;
            await new Promise<void>((resolve) => {
              pending.set(n, resolve);
              worker.postMessage({ id: n, assertions, ...outcome });
            });
          }
        };
        await Promise.all(Array.from({ length: 10 }, lane));
      };
      // Inline scoring runs wholly on the main thread, in microtasks the event-loop utilization does
      // not see until the loop turns: its busy time is its wall time. The worker's is the ELU's active time.
      const measure = async (f: () => Promise<void>, onMain: boolean) => {
        await f(); // warm-up (JIT, ajv's compiled schema)
        const elu0 = performance.eventLoopUtilization();
        const t0 = performance.now();
        await f();
        const wall = performance.now() - t0;
        const elu = performance.eventLoopUtilization(elu0);
        return { activeUs: ((onMain ? wall : elu.active) * 1000) / samples, wallUs: (wall * 1000) / samples };
      };
      const a = await measure(inline, true);
      const b = await measure(offloaded, false);
      rows.push({ rules: name, candidate: 'inline (today)', 'main-thread busy µs/sample': a.activeUs.toFixed(1), 'wall µs/sample': a.wallUs.toFixed(1) });
      rows.push({ rules: name, candidate: 'worker thread (postMessage both ways)', 'main-thread busy µs/sample': b.activeUs.toFixed(1), 'wall µs/sample': b.wallUs.toFixed(1) });
    }
  } finally {
    await worker.terminate();
  }
  printTable(`rule assertions: the event loop's busy time per scored sample, inline vs on a worker thread (${samples} samples)`, rows);
  return rows;
}
