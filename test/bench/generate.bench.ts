import { performance } from 'node:perf_hooks';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { fmt, printTable, summarize } from './stats';
import { parseGenerateInput, type GenerateInput, type GenerationPipeline } from '../../src/generate';

/**
 * The generate pipeline's overhead: the same streamed generation (same emulator, same reply),
 * once straight from the emulator through the AWS SDK client and once through the whole pipeline
 * (graphql-ws subscription: prompt resolution, input guardrails, assembly, routing, cache lookup,
 * budget reservation, output guardrails, settle, trace). Both are measured in the same run,
 * interleaved, at concurrency 1 and 100.
 */

const REPLY = 'The capital of France is Paris. It has been the capital for centuries and is known for its museums, cafes and the Seine.';
const SYSTEM = 'You are a concise geography assistant. Answer in one or two sentences.';
const MODEL = 'amazon.nova-lite-v1:0';

interface Sample {
  ttft: number;
  total: number;
}

async function direct(client: BedrockRuntimeClient, input: string): Promise<Sample> {
  const t0 = performance.now();
  let ttft = NaN;
  const out = await client.send(
    new ConverseStreamCommand({
      modelId: MODEL,
      system: [{ text: SYSTEM }],
      messages: [{ role: 'user', content: [{ text: input }] }],
      inferenceConfig: { maxTokens: 512 },
    }),
  );
  for await (const ev of out.stream!) {
    if (ev.contentBlockDelta && Number.isNaN(ttft)) ttft = performance.now() - t0;
  }
  return { ttft, total: performance.now() - t0 };
}

function viaPipeline(ws: Client, input: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttft = NaN;
    ws.subscribe(
      {
        query: `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on TextDelta { text } ... on GenerationFailed { code message } } }`,
        variables: { i: { prompt: 'bench', input, cache: 'BYPASS', user: 'bench-user' } },
      },
      {
        next: (r) => {
          const ev = (r.data as { generate?: { __typename: string; code?: string; message?: string } } | undefined)?.generate;
          if (ev?.__typename === 'TextDelta' && Number.isNaN(ttft)) ttft = performance.now() - t0;
          if (ev?.__typename === 'GenerationFailed') reject(new Error(`${ev.code}: ${ev.message}`));
          if (r.errors) reject(new Error(JSON.stringify(r.errors)));
        },
        error: reject,
        complete: () => resolve({ ttft, total: performance.now() - t0 }),
      },
    );
  });
}

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
  await must(
    `mutation { createRoutingRule(input: { name: "long", priority: 1, condition: { minInputTokens: 100000 }, targetModelId: "amazon.nova-pro-v1:0" }) { id } }`,
  );
  await must(
    `mutation { createGuardrailPolicy(input: { name: "pii", appliesTo: [INPUT, OUTPUT], pii: { entities: [{ type: "EMAIL", action: "ANONYMIZE" }, { type: "CREDIT_DEBIT_CARD_NUMBER", action: "BLOCK" }] } }) { id } }`,
  );
}

async function round(concurrency: number, rounds: number, run: () => Promise<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let r = 0; r < rounds; r++) out.push(...(await Promise.all(Array.from({ length: concurrency }, run))));
  return out;
}

export async function benchGeneration(opts: { iterations?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 300;
  const t = await startTestApp({ LOG_LEVEL: 'silent' });
  try {
    await setup(t);
    const endpoint = t.app.services.models.emulatorUrl;
    if (!endpoint) throw new Error('the bench needs the in-process emulator');
    const sdk = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 200 } }),
    });
    const ws = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${await t.keyFor('APP')}` }, lazy: false });
    const input = `Where is Paris?\n#reply: ${REPLY}`;
    // Warm both paths (JIT, sockets, caches).
    for (let i = 0; i < 30; i++) {
      await direct(sdk, input);
      await inProcess(t.app.services.generation, input, { apiKeyId: 'bench', apiKeyName: 'bench' });
      await viaPipeline(ws, input);
    }
    const pipeline = t.app.services.generation;
    const caller = { apiKeyId: 'bench', apiKeyName: 'bench' };
    const rows: Array<Record<string, string | number>> = [];
    for (const [concurrency, rounds] of [
      [1, iterations],
      [100, Math.max(3, Math.round(iterations / 50))],
    ] as const) {
      const d: Sample[] = [];
      const p: Sample[] = [];
      const w: Sample[] = [];
      // Interleaved so that the machine's noise hits every side alike.
      for (let r = 0; r < rounds; r++) {
        d.push(...(await round(concurrency, 1, () => direct(sdk, input))));
        p.push(...(await round(concurrency, 1, () => inProcess(pipeline, input, caller))));
        w.push(...(await round(concurrency, 1, () => viaPipeline(ws, input))));
      }
      for (const metric of ['ttft', 'total'] as const) {
        const base = summarize(d.map((x) => x[metric]));
        for (const [name, samples] of [
          ['pipeline in process', p],
          ['pipeline over graphql-ws', w],
        ] as const) {
          const s = summarize(samples.map((x) => x[metric]));
          rows.push({
            concurrency,
            metric: `${metric} ms`,
            path: name,
            n: s.n,
            'direct p50': fmt(base.p50),
            'path p50': fmt(s.p50),
            'overhead p50': fmt(s.p50 - base.p50),
            'ratio p50': fmt(s.p50 / base.p50, 2),
            'direct p99': fmt(base.p99),
            'path p99': fmt(s.p99),
            'overhead p99': fmt(s.p99 - base.p99),
            'ratio p99': fmt(s.p99 / base.p99, 2),
          });
        }
      }
    }
    await ws.dispose();
    sdk.destroy();
    printTable('generate: the same streamed generation straight from the emulator (AWS SDK client) vs through the pipeline', rows);
    return rows;
  } finally {
    await t.close();
  }
}
