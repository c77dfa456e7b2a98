import { performance } from 'node:perf_hooks';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** The client side of the generate benchmark: the SDK straight to the emulator, and a graphql-ws frontend. */

export const REPLY = 'The capital of France is Paris. It has been the capital for centuries and is known for its museums, cafes and the Seine.';
export const SYSTEM = 'You are a concise geography assistant. Answer in one or two sentences.';
export const MODEL = 'amazon.nova-lite-v1:0';

export interface Sample {
  ttft: number;
  total: number;
}

export async function direct(client: BedrockRuntimeClient, input: string): Promise<Sample> {
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

export function viaPipeline(ws: Client, input: string): Promise<Sample> {
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
