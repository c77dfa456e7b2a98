import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { fmt, printTable, summarize } from './stats';
import { direct, MODEL, REPLY, round, sdkClient, SYSTEM, type Sample } from './generate-clients';
import { parseGenerateInput, type GenerateInput, type GenerationPipeline } from '../../src/generate';

/**
 * The generate pipeline's overhead: the same streamed generation (same emulator, same reply),
 * once straight from the emulator through the AWS SDK client and once through the whole pipeline
 * (graphql-ws subscription: prompt resolution, input guardrails, assembly, routing, cache lookup,
 * budget reservation, output guardrails, settle, trace). Both are measured in the same run,
 * interleaved, at concurrency 1 and 100.
 */

/** The pipeline called in process (no GraphQL transport): what the control plane itself adds. */
async function inProcess(pipeline: GenerationPipeline, input: string, caller: { apiKeyId: string; apiKeyName: string }): Promise<Sample> {
  const t0 = performance.now();
  let ttft = NaN;
  const req = parseGenerateInput({ prompt: 'bench', input, cache: 'BYPASS', user: 'bench-user' } as GenerateInput);
  for await (const ev of pipeline.run(req, caller)) {
    if (ev.__typename === 'TextDelta' && Number.isNaN(ttft)) ttft = performance.now() - t0;
    if (ev.__typename === 'GenerationFailed') throw new Error(`${ev.code}: ${ev.message}`);
  }
  return { ttft, total: performance.now() - t0 };
}

async function setup(t: TestApp): Promise<void> {
  const must = async (q: string, v?: Record<string, unknown>) => {
    const r = await t.gql(q, v);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  };
  await must('mutation { createPrompt(input: { name: "bench" }) { id } }');
  await must('mutation($s: String!, $m: String!) { createPromptVersion(input: { prompt: "bench", system: $s, modelId: $m }) { number } }', { s: SYSTEM, m: MODEL });
  await must('mutation { promotePromptVersion(input: { prompt: "bench", version: 1, label: "production" }) { promoted } }');
  // A realistic config: a routing rule that does not match, an input and output PII policy.
  await must(`mutation { createRoutingRule(input: { name: "long", priority: 1, condition: { minInputTokens: 100000 }, targetModelId: "amazon.nova-pro-v1:0" }) { id } }`);
  await must(
    `mutation { createGuardrailPolicy(input: { name: "pii", appliesTo: [INPUT, OUTPUT], pii: { entities: [{ type: "EMAIL", action: "ANONYMIZE" }, { type: "CREDIT_DEBIT_CARD_NUMBER", action: "BLOCK" }] } }) { id } }`,
  );
}

/** Runs the worker's clients: `direct` (the SDK to the emulator) or `ws` (a graphql-ws frontend). */
function workerClient(worker: Worker) {
  return (kind: 'direct' | 'ws', concurrency: number): Promise<Sample[]> =>
    new Promise((resolve, reject) => {
      worker.once('message', (m: { samples?: Sample[]; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.samples!)));
      worker.postMessage({ kind, concurrency });
    });
}

function compare(rows: Array<Record<string, string | number>>, concurrency: number, path: string, base: Sample[], other: Sample[]): void {
  for (const metric of ['ttft', 'total'] as const) {
    const b = summarize(base.map((x) => x[metric]));
    const o = summarize(other.map((x) => x[metric]));
    rows.push({
      concurrency,
      metric: `${metric} ms`,
      path,
      n: o.n,
      'direct p50': fmt(b.p50),
      'path p50': fmt(o.p50),
      'overhead p50': fmt(o.p50 - b.p50),
      'ratio p50': fmt(o.p50 / b.p50, 2),
      'direct p99': fmt(b.p99),
      'path p99': fmt(o.p99),
      'overhead p99': fmt(o.p99 - b.p99),
      'ratio p99': fmt(o.p99 / b.p99, 2),
    });
  }
}

/**
 * Two comparisons, each interleaved round by round so the machine's noise hits both sides:
 * - in process: the SDK straight to the emulator vs `GenerationPipeline.run()`, both called from
 *   the server's thread: what the control plane's own steps add;
 * - as remote clients (a worker thread with its own event loop): the SDK straight to the emulator
 *   vs a graphql-ws frontend subscribed to `generate`: what a frontend sees, transport included.
 */
export async function benchGeneration(opts: { iterations?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 300;
  const t = await startTestApp({ LOG_LEVEL: 'silent' });
  const endpoint = t.app.services.models.emulatorUrl;
  if (!endpoint) throw new Error('the bench needs the in-process emulator');
  const input = `Where is Paris?\n#reply: ${REPLY}`;
  let worker: Worker | undefined;
  const sdk = sdkClient(endpoint);
  try {
    await setup(t);
    worker = new Worker(path.join(__dirname, 'generate-client.worker.js'), { workerData: { endpoint, wsUrl: t.wsUrl, key: await t.keyFor('APP'), input } });
    const remote = workerClient(worker);
    const pipeline = t.app.services.generation;
    const caller = { apiKeyId: 'bench', apiKeyName: 'bench' };
    // Warm every path (JIT, sockets, caches).
    for (let i = 0; i < 30; i++) {
      await direct(sdk, input);
      await inProcess(pipeline, input, caller);
      await remote('direct', 1);
      await remote('ws', 1);
    }
    const rows: Array<Record<string, string | number>> = [];
    for (const [concurrency, rounds] of [
      [1, iterations],
      [100, Math.max(3, Math.round(iterations / 50))],
    ] as const) {
      const d: Sample[] = [];
      const p: Sample[] = [];
      const rd: Sample[] = [];
      const rw: Sample[] = [];
      for (let r = 0; r < rounds; r++) {
        d.push(...(await round(concurrency, 1, () => direct(sdk, input))));
        p.push(...(await round(concurrency, 1, () => inProcess(pipeline, input, caller))));
        rd.push(...(await remote('direct', concurrency)));
        rw.push(...(await remote('ws', concurrency)));
      }
      compare(rows, concurrency, 'pipeline in process', d, p);
      compare(rows, concurrency, 'graphql-ws frontend (worker thread)', rd, rw);
    }
    printTable('generate: the same streamed generation straight from the emulator (AWS SDK client) vs through the pipeline', rows);
    return rows;
  } finally {
    if (worker) await worker.terminate();
    sdk.destroy();
    await t.close();
  }
}
