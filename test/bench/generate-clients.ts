import { performance } from 'node:perf_hooks';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from '../helpers/test-app';

/** The client side of the generate benchmark: the SDK straight to the emulator, the service over graphql-ws and HTTP, Portkey. */

export const REPLY = 'The capital of France is Paris. It has been the capital for centuries and is known for its museums, cafes and the Seine.';
export const SYSTEM = 'You are a concise geography assistant. Answer in one or two sentences.';
export const MODEL = 'amazon.nova-lite-v1:0';

/** Ten retrieved chunks, as a RAG frontend sends them (the full-pipeline candidate screens each for injection). */
export const CHUNKS = Array.from({ length: 10 }, (_, i) => ({
  id: `doc-${i}`,
  text:
    `Paris guide, part ${i + 1}. The city sits on the Seine in northern France and has been the seat of government since the Middle Ages. ` +
    'Its museums include the Louvre and the Musee d Orsay; its cafes line the boulevards laid out in the nineteenth century. '.repeat(3),
  score: 0.9 - i * 0.01,
}));

/**
 * The chunks of one request: the same ten every time, or with BENCH_FRESH_CHUNKS=1 ten never sent
 * before (a request number in each), for every party alike: a retrieved chunk the service already
 * found clean is not checked again (guardrails' CleanChunks), so this shows the cost of chunks it
 * has not seen.
 */
let chunkRequests = 0;
export function requestChunks(): typeof CHUNKS {
  if (process.env.BENCH_FRESH_CHUNKS !== '1') return CHUNKS;
  const n = ++chunkRequests;
  return CHUNKS.map((c) => ({ ...c, text: `${c.text}(request ${n})` }));
}

export interface Sample {
  ttft: number;
  total: number;
}

/** What the floor sends: the same system prompt, the chunks and the input in one user message. */
function floorMessages(input: string) {
  const context = requestChunks()
    .map((c) => c.text)
    .join('\n\n');
  return { modelId: MODEL, system: [{ text: SYSTEM }], messages: [{ role: 'user' as const, content: [{ text: `${context}\n\n${input}` }] }], inferenceConfig: { maxTokens: 512 } };
}

export async function direct(client: BedrockRuntimeClient, input: string): Promise<Sample> {
  const t0 = performance.now();
  let ttft = NaN;
  const out = await client.send(new ConverseStreamCommand(floorMessages(input)));
  for await (const ev of out.stream!) {
    if (ev.contentBlockDelta && Number.isNaN(ttft)) ttft = performance.now() - t0;
  }
  return { ttft, total: performance.now() - t0 };
}

/** The floor of the non-streaming path: Converse straight to the emulator. */
export async function directOnce(client: BedrockRuntimeClient, input: string): Promise<Sample> {
  const t0 = performance.now();
  const out = await client.send(new ConverseCommand(floorMessages(input)));
  if (!out.output?.message?.content?.length) throw new Error('empty answer');
  const total = performance.now() - t0;
  return { ttft: total, total };
}

/** The `generate` subscription for `prompt`, with the chunks. */
export function viaPipeline(ws: Client, input: string, prompt = 'bench'): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttft = NaN;
    ws.subscribe(
      {
        query: `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on TextDelta { text } ... on GenerationFailed { code message } } }`,
        variables: { i: { prompt, input, context: requestChunks(), cache: 'BYPASS', user: 'bench-user' } },
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

/** `generateOnce` over HTTP. */
export async function viaOnce(httpUrl: string, key: string, input: string, prompt = 'bench'): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: 'mutation($i: GenerateInput!) { generateOnce(input: $i) { status text error { code message } } }',
      variables: { i: { prompt, input, context: requestChunks(), cache: 'BYPASS', user: 'bench-user' } },
    }),
  });
  const body = (await res.json()) as { data?: { generateOnce?: { status: string; text: string; error?: { code: string; message: string } } }; errors?: unknown };
  const g = body.data?.generateOnce;
  if (!g || g.status !== 'COMPLETED') throw new Error(JSON.stringify(body.errors ?? g?.error));
  const total = performance.now() - t0;
  return { ttft: total, total };
}

/**
 * Portkey's gateway (`@portkey-ai/gateway`) in front of the same emulator: its OpenAI-compatible chat
 * endpoint with the Bedrock provider, the emulator as the custom host.
 */
export async function viaPortkey(gatewayUrl: string, emulatorUrl: string, input: string, stream: boolean): Promise<Sample> {
  const t0 = performance.now();
  const context = requestChunks()
    .map((c) => c.text)
    .join('\n\n');
  const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-portkey-provider': 'bedrock',
      'x-portkey-aws-access-key-id': 'bench',
      'x-portkey-aws-secret-access-key': 'bench',
      'x-portkey-aws-region': 'us-east-1',
      'x-portkey-custom-host': emulatorUrl,
    },
    body: JSON.stringify({
      model: MODEL,
      stream,
      max_tokens: 512,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: `${context}\n\n${input}` },
      ],
    }),
  });
  if (!res.ok) throw new Error(`portkey ${res.status}: ${await res.text()}`);
  let ttft = NaN;
  if (stream) {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (Number.isNaN(ttft) && value && Buffer.from(value).includes('"content"')) ttft = performance.now() - t0;
    }
  } else {
    const body = (await res.json()) as { choices?: Array<{ message?: { content?: string } }> };
    if (!body.choices?.[0]?.message?.content) throw new Error(`portkey: no answer ${JSON.stringify(body).slice(0, 300)}`);
  }
  const total = performance.now() - t0;
  return { ttft: stream ? ttft : total, total };
}

export async function round(concurrency: number, rounds: number, run: () => Promise<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let r = 0; r < rounds; r++) out.push(...(await Promise.all(Array.from({ length: concurrency }, run))));
  return out;
}

/** A keep-alive SDK client to the emulator, as a well-configured caller would have. */
export function sdkClient(endpoint: string): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 200 } }),
  });
}

export function wsClient(url: string, key: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, lazy: false });
}

/** Runs a GraphQL operation against a test app, throwing on any error. */
export async function must(t: Pick<TestApp, 'gql'>, q: string, v?: Record<string, unknown>): Promise<void> {
  const r = await t.gql(q, v);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
}

/** Creates the prompt "bench" (SYSTEM on MODEL) and promotes version 1 to "production". */
export async function setupPrompt(t: Pick<TestApp, 'gql'>): Promise<void> {
  await must(t, 'mutation { createPrompt(input: { name: "bench" }) { id } }');
  await must(t, 'mutation($s: String!, $m: String!) { createPromptVersion(input: { prompt: "bench", system: $s, modelId: $m }) { number } }', { s: SYSTEM, m: MODEL });
  await must(t, 'mutation { promotePromptVersion(input: { prompt: "bench", version: 1, label: "production" }) { promoted } }');
}
