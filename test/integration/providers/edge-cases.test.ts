import { once } from 'node:events';
import { BedrockClient, ListFoundationModelsCommand } from '@aws-sdk/client-bedrock';
import {
  ApplyGuardrailCommand,
  BedrockRuntimeClient,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  type ContentBlock,
  type ConverseStreamOutput,
  type SystemContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { BedrockProvider } from '../../../src/providers/bedrock/bedrock.provider';
import { startEmulator, type EmulatorStreamEnd, type RunningEmulator } from '../../../src/providers/emulator/emulator.server';
import { BEDROCK_ERROR_STATUS, ProviderError } from '../../../src/providers/provider.errors';
import type { ConverseRequest } from '../../../src/providers/provider';
import { countTokens } from '../../../src/providers/tokens';

const NOVA_LITE = 'amazon.nova-lite-v1:0';
const SONNET_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_37 = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** `n` tokens by the stated rule: each `abcd` word is one token. */
function filler(n: number, word = 'abcd'): string {
  return Array.from({ length: n }, () => word).join(' ');
}

function h1Client(url: string): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region: 'us-east-1', endpoint: url, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
}

async function streamRaw(
  client: BedrockRuntimeClient,
  modelId: string,
  content: ContentBlock[],
  extra: { system?: SystemContentBlock[]; inferenceConfig?: { maxTokens?: number; stopSequences?: string[] } } = {},
): Promise<ConverseStreamOutput[]> {
  const res = await client.send(new ConverseStreamCommand({ modelId, messages: [{ role: 'user', content }], ...extra }));
  const out: ConverseStreamOutput[] = [];
  for await (const ev of res.stream!) out.push(ev);
  return out;
}

function textOf(events: ConverseStreamOutput[]): string {
  return events
    .filter((e) => e.contentBlockDelta)
    .map((e) => e.contentBlockDelta!.delta!.text!)
    .join('');
}

function req(text: string, modelId = NOVA_LITE): ConverseRequest {
  return { modelId, system: [], messages: [{ role: 'user', content: [{ text }] }], inferenceConfig: { maxTokens: 512 } };
}

describe('provider and emulator edge cases through the real AWS SDK', () => {
  let emu: RunningEmulator;
  let client: BedrockRuntimeClient;
  beforeAll(async () => {
    emu = await startEmulator();
    client = h1Client(emu.url);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });
  beforeEach(() => emu.clearPromptCache());

  it('maps every Bedrock error name to its HTTP status and x-amzn-ErrorType before the stream', async () => {
    for (const [name, status] of Object.entries(BEDROCK_ERROR_STATUS)) {
      const err = await client.send(new ConverseStreamCommand({ modelId: NOVA_LITE, messages: [{ role: 'user', content: [{ text: `#error: ${name} scripted` }] }] })).then(
        () => undefined,
        (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } },
      );
      expect(err).toBeDefined();
      expect({ name: err!.name, status: err!.$metadata.httpStatusCode, message: err!.message }).toEqual({ name, status, message: 'scripted' });
    }
  });

  it('rejects maxTokens above the model maximum with a 400 ValidationException, and accepts exactly the maximum', async () => {
    const over = await client
      .send(new ConverseStreamCommand({ modelId: NOVA_LITE, messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 10_001 } }))
      .catch((e: { name: string; $metadata: { httpStatusCode?: number } }) => e);
    expect(over).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const events = await streamRaw(client, NOVA_LITE, [{ text: '#reply: ok' }], { inferenceConfig: { maxTokens: 10_000 } });
    expect(textOf(events)).toBe('ok');
  });

  it('keeps #reply unicode and escapes intact across deltas, and usage matches the stated rule', async () => {
    const prompt = '#reply: héllo 👩‍💻 wörld\\n\\tTab \\\\n 日本語テキスト\n#chunk-chars: 1';
    const events = await streamRaw(client, NOVA_LITE, [{ text: prompt }]);
    const expected = 'héllo 👩‍💻 wörld\n\tTab \\n 日本語テキスト';
    expect(textOf(events)).toBe(expected);
    const meta = events.at(-1)!.metadata!;
    expect(meta.usage).toMatchObject({ inputTokens: countTokens(prompt), outputTokens: countTokens(expected) });
    expect(meta.usage!.totalTokens).toBe(meta.usage!.inputTokens! + meta.usage!.outputTokens!);
    expect(typeof meta.metrics!.latencyMs).toBe('number');
  });

  it('cuts before a stop sequence that would span several deltas', async () => {
    const events = await streamRaw(client, NOVA_LITE, [{ text: '#reply: alpha beta <END> gamma\n#chunk-chars: 3' }], {
      inferenceConfig: { maxTokens: 100, stopSequences: ['<END>'] },
    });
    expect(textOf(events)).toBe('alpha beta ');
    expect(events.find((e) => e.messageStop)!.messageStop!.stopReason).toBe('stop_sequence');
    expect(events.at(-1)!.metadata!.usage!.outputTokens).toBe(countTokens('alpha beta '));
  });

  it('serves several concurrent streams on one h2c port (default SDK handler), each complete', async () => {
    const h2 = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
    const versions: string[] = [];
    const onReq = (r: { httpVersion: string; operation: string }): void => {
      if (r.operation === 'ConverseStream') versions.push(r.httpVersion);
    };
    emu.events.on('request', onReq);
    try {
      const replies = Array.from({ length: 6 }, (_, i) => `stream number ${i} says hi`);
      const results = await Promise.all(replies.map((r) => streamRaw(h2, NOVA_LITE, [{ text: `#reply: ${r}\n#interval-ms: 5` }])));
      expect(results.map(textOf)).toEqual(replies);
      expect(results.every((evs) => evs.at(-1)!.metadata !== undefined)).toBe(true);
      expect(versions).toEqual(Array(6).fill('2.0'));
    } finally {
      emu.events.off('request', onReq);
      h2.destroy();
    }
  });

  it.each([
    ['HTTP/1.1', true],
    ['HTTP/2', false],
  ])('closes the request on abort mid-stream over %s', async (_label, http1) => {
    const provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: emu.url, http1 });
    try {
      const ac = new AbortController();
      const ended = once(emu.events, 'stream-end');
      let error: unknown;
      let texts = 0;
      try {
        for await (const ev of provider.stream(req('#tokens: 400\n#interval-ms: 10'), { signal: ac.signal })) {
          if (ev.type === 'text' && ++texts === 3) ac.abort();
        }
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe('AbortError');
      const [end] = (await ended) as [EmulatorStreamEnd];
      expect(end.httpVersion).toBe(http1 ? '1.1' : '2.0');
      expect(end).toMatchObject({ completed: false, clientClosed: true });
      expect(end.deltasSent).toBeLessThan(end.deltasPlanned);
    } finally {
      await provider.close();
    }
  });

  it('HTTP/2: aborting one of several concurrent streams (also during #delay-ms) closes only that one', async () => {
    const provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: emu.url, http1: false });
    const ends: EmulatorStreamEnd[] = [];
    const onEnd = (e: EmulatorStreamEnd): void => {
      ends.push(e);
    };
    emu.events.on('stream-end', onEnd);
    try {
      const slow = new AbortController();
      const run = async (text: string, signal?: AbortSignal, onText?: () => void): Promise<string> => {
        let out = '';
        try {
          for await (const ev of provider.stream(req(text), { signal })) {
            if (ev.type !== 'text') continue;
            out += ev.text;
            onText?.();
          }
          return out;
        } catch (e) {
          return (e as ProviderError).code;
        }
      };
      const started = Date.now();
      // The slow stream is aborted once a concurrent one is streaming (so all three requests are on the
      // session and the slow one sits in its #delay-ms), not at a fixed time: on a loaded machine a
      // fixed 50 ms could come before the SDK had sent the request, and the emulator would see nothing.
      const abortSlow = (): void => void setTimeout(() => slow.abort(), 30);
      const pending = [run('#reply: first one\n#interval-ms: 20', undefined, abortSlow), run('#reply: never\n#delay-ms: 30000', slow.signal), run('#reply: third one\n#interval-ms: 20')];
      expect(await Promise.all(pending)).toEqual(['first one', 'AbortError', 'third one']);
      // Far below the slow stream's 30 s delay, with room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(15_000);
      // The emulator reports the aborted stream's end once it sees the reset, which on a loaded machine
      // can come after the other two have finished.
      for (const until = Date.now() + 5000; ends.length < 3 && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
      expect(ends.map((e) => [e.httpVersion, e.completed, e.clientClosed]).sort()).toEqual([
        ['2.0', false, true],
        ['2.0', true, false],
        ['2.0', true, false],
      ]);
    } finally {
      emu.events.off('stream-end', onEnd);
      await provider.close();
    }
  });

  it('types mid-stream errors: throttling/5xx retryable, validation not, unmodeled error frames by their code', async () => {
    const provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: emu.url });
    try {
      const cases: Array<[string, string, boolean]> = [
        ['ThrottlingException', 'ThrottlingException', true],
        ['ServiceUnavailableException', 'ServiceUnavailableException', true],
        ['InternalServerException', 'InternalServerException', true],
        ['ValidationException', 'ValidationException', false],
        ['ModelStreamErrorException 503', 'ModelStreamErrorException', true],
        ['ModelStreamErrorException 400', 'ModelStreamErrorException', false],
        // Not a ConverseStream frame member: arrives wrapped with the original status.
        ['ModelTimeoutException', 'ModelStreamErrorException', false],
        ['WeirdFailure', 'WeirdFailure', false],
      ];
      for (const [script, code, retryable] of cases) {
        const texts: string[] = [];
        let error: unknown;
        try {
          for await (const ev of provider.stream(req(`#tokens: 10\n#error-mid: ${script}`))) if (ev.type === 'text') texts.push(ev.text);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ProviderError);
        expect({ script, code: (error as ProviderError).code, retryable: (error as ProviderError).retryable }).toEqual({ script, code, retryable });
        expect(texts.length).toBeGreaterThan(0);
      }
    } finally {
      await provider.close();
    }
  });

  it('reports cache write then read with totalTokens = input + output + cacheRead + cacheWrite', async () => {
    const content: ContentBlock[] = [{ text: filler(1100) }, { cachePoint: { type: 'default' } }, { text: '#reply: done' }];
    const first = (await streamRaw(client, SONNET_45, content)).at(-1)!.metadata!.usage!;
    expect(first).toMatchObject({ cacheWriteInputTokens: 1100, cacheReadInputTokens: 0, inputTokens: countTokens('#reply: done') });
    const second = (await streamRaw(client, SONNET_45, content)).at(-1)!.metadata!.usage!;
    expect(second).toMatchObject({ cacheWriteInputTokens: 0, cacheReadInputTokens: 1100 });
    expect(second.totalTokens).toBe(second.inputTokens! + second.outputTokens! + second.cacheReadInputTokens! + second.cacheWriteInputTokens!);
  });

  it('refuses more than 4 cache points with a ValidationException', async () => {
    const cp: ContentBlock = { cachePoint: { type: 'default' } };
    const content: ContentBlock[] = [{ text: 'a' }, cp, { text: 'b' }, cp, { text: 'c' }, cp, { text: 'd' }, cp, { text: 'e' }, cp, { text: 'f' }];
    const err = await streamRaw(client, SONNET_45, content).catch((e: { name: string; $metadata: { httpStatusCode?: number } }) => e);
    expect(err).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('ignores a cache point whose prefix is below the model minimum (Sonnet 4.6: 2,048)', async () => {
    const content: ContentBlock[] = [{ text: filler(1500) }, { cachePoint: { type: 'default' } }, { text: 'tail' }];
    const usage = (await streamRaw(client, 'global.anthropic.claude-sonnet-4-6', content)).at(-1)!.metadata!.usage!;
    expect(usage).toMatchObject({ cacheWriteInputTokens: 0, cacheReadInputTokens: 0, inputTokens: 1501 });
  });

  it('reports usage.cacheDetails (per-TTL cache writes) for a 1h cache point', async () => {
    const content = [{ text: filler(1100) }, { cachePoint: { type: 'default', ttl: '1h' } }, { text: 'tail' }] as ContentBlock[];
    const usage = (await streamRaw(client, SONNET_45, content)).at(-1)!.metadata!.usage!;
    expect(usage.cacheWriteInputTokens).toBe(1100);
    expect(usage.cacheDetails).toEqual([{ ttl: '1h', inputTokens: 1100 }]);
  });

  it('refuses mixed TTLs where a shorter (5m) cache point comes before a longer (1h) one', async () => {
    const content = [
      { text: filler(1100) },
      { cachePoint: { type: 'default', ttl: '5m' } },
      { text: filler(1100, 'wxyz') },
      { cachePoint: { type: 'default', ttl: '1h' } },
      { text: 'tail' },
    ] as ContentBlock[];
    const err = await streamRaw(client, SONNET_45, content).catch((e: { name: string }) => e);
    expect(err).toMatchObject({ name: 'ValidationException' });
  });

  it('ignores a second cache point that adds fewer than the minimum tokens (Claude 3.7: 1,024 then 2,048)', async () => {
    // BEDROCK.md section 6: "on Claude 3.7 the first checkpoint can come after 1,024 tokens and the second after 2,048".
    const content: ContentBlock[] = [{ text: filler(1100) }, { cachePoint: { type: 'default' } }, { text: filler(400, 'wxyz') }, { cachePoint: { type: 'default' } }, { text: 'tail' }];
    const usage = (await streamRaw(client, SONNET_37, content)).at(-1)!.metadata!.usage!;
    expect(usage).toMatchObject({ cacheWriteInputTokens: 1100, inputTokens: 401 });
  });

  it('CountTokens agrees with the usage the stream reports (text, system, tool blocks)', async () => {
    const system: SystemContentBlock[] = [{ text: 'You are terse, and exact: 42!' }];
    const content: ContentBlock[] = [{ text: '#reply: fine' }, { text: 'Second block with émoji 🎉.' }];
    const counted = await client.send(new CountTokensCommand({ modelId: NOVA_LITE, input: { converse: { system, messages: [{ role: 'user', content }] } } }));
    const usage = (await streamRaw(client, NOVA_LITE, content, { system })).at(-1)!.metadata!.usage!;
    expect(counted.inputTokens).toBe(usage.inputTokens);
  });

  it('CountTokens agrees with the stream usage when the prompt carries guardContent blocks', async () => {
    const content: ContentBlock[] = [{ text: '#reply: fine' }, { guardContent: { text: { text: 'Please check this guarded sentence.' } } }];
    const counted = await client.send(new CountTokensCommand({ modelId: NOVA_LITE, input: { converse: { messages: [{ role: 'user', content }] } } }));
    const usage = (await streamRaw(client, NOVA_LITE, content)).at(-1)!.metadata!.usage!;
    expect(counted.inputTokens).toBe(usage.inputTokens);
  });

  it.each([256, 512, 1024] as const)('embeds with %i dimensions, unit length when normalized', async (dimensions) => {
    const res = await client.send(new InvokeModelCommand({ modelId: 'amazon.titan-embed-text-v2:0', body: JSON.stringify({ inputText: 'rivers and mountains', dimensions }) }));
    const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as { embedding: number[]; inputTextTokenCount: number };
    expect(body.embedding).toHaveLength(dimensions);
    expect(Math.sqrt(body.embedding.reduce((a, x) => a + x * x, 0))).toBeCloseTo(1, 5);
    expect(body.inputTextTokenCount).toBe(countTokens('rivers and mountains'));
  });

  it('embeds unnormalized when normalize is false, and rejects other dimensions', async () => {
    const res = await client.send(
      new InvokeModelCommand({ modelId: 'amazon.titan-embed-text-v2:0', body: JSON.stringify({ inputText: 'rivers rivers rivers mountains', dimensions: 256, normalize: false }) }),
    );
    const v = (JSON.parse(Buffer.from(res.body).toString('utf8')) as { embedding: number[] }).embedding;
    expect(Math.sqrt(v.reduce((a, x) => a + x * x, 0))).toBeGreaterThan(1.5);
    const bad = await client
      .send(new InvokeModelCommand({ modelId: 'amazon.titan-embed-text-v2:0', body: JSON.stringify({ inputText: 'x', dimensions: 768 }) }))
      .catch((e: { name: string; $metadata: { httpStatusCode?: number } }) => e);
    expect(bad).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('returns binary embeddings when embeddingTypes asks for them', async () => {
    const res = await client.send(
      new InvokeModelCommand({ modelId: 'amazon.titan-embed-text-v2:0', body: JSON.stringify({ inputText: 'rivers', dimensions: 256, embeddingTypes: ['float', 'binary'] }) }),
    );
    const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as { embeddingsByType: { float?: number[]; binary?: number[] } };
    expect(body.embeddingsByType.float).toHaveLength(256);
    expect(body.embeddingsByType.binary).toHaveLength(256);
    expect(body.embeddingsByType.binary!.every((b) => b === 0 || b === 1)).toBe(true);
  });

  it('answers ApplyGuardrail with the required response fields and masks PII in outputs', async () => {
    const res = await client.send(new ApplyGuardrailCommand({ guardrailIdentifier: 'g1', guardrailVersion: 'DRAFT', source: 'OUTPUT', content: [{ text: { text: 'Mail me at a.b@example.com' } }] }));
    expect(res.action).toBe('GUARDRAIL_INTERVENED');
    expect(res.outputs).toEqual([{ text: 'Mail me at {EMAIL}' }]);
    expect(res.usage).toMatchObject({ sensitiveInformationPolicyUnits: 1, topicPolicyUnits: 0 });
    expect(res.assessments![0].sensitiveInformationPolicy!.piiEntities).toEqual([{ match: 'a.b@example.com', type: 'EMAIL', action: 'ANONYMIZED', detected: true }]);
    const clean = await client.send(new ApplyGuardrailCommand({ guardrailIdentifier: 'g1', guardrailVersion: '3', source: 'INPUT', content: [{ text: { text: 'nothing here' } }] }));
    expect(clean).toMatchObject({ action: 'NONE', outputs: [] });
    const badVersion = await client
      .send(new ApplyGuardrailCommand({ guardrailIdentifier: 'g1', guardrailVersion: '0', source: 'INPUT', content: [{ text: { text: 'x' } }] }))
      .catch((e: { name: string }) => e);
    expect(badVersion).toMatchObject({ name: 'ValidationException' });
  });

  it('filters ListFoundationModels by provider, output modality and inference type', async () => {
    const control = new BedrockClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
    try {
      const mistral = await control.send(new ListFoundationModelsCommand({ byProvider: 'mistral' }));
      expect(mistral.modelSummaries!.length).toBeGreaterThan(0);
      expect(mistral.modelSummaries!.every((m) => m.providerName === 'Mistral AI')).toBe(true);
      const embed = await control.send(new ListFoundationModelsCommand({ byOutputModality: 'EMBEDDING' }));
      expect(embed.modelSummaries!.map((m) => m.modelId)).toEqual(['amazon.titan-embed-text-v2:0']);
      const onDemand = await control.send(new ListFoundationModelsCommand({ byInferenceType: 'ON_DEMAND', byProvider: 'anthropic' }));
      expect(onDemand.modelSummaries!.every((m) => m.inferenceTypesSupported!.includes('ON_DEMAND'))).toBe(true);
      expect(onDemand.modelSummaries!.map((m) => m.modelId)).toContain('anthropic.claude-3-haiku-20240307-v1:0');
    } finally {
      control.destroy();
    }
  });

  it('ListFoundationModels honours byCustomizationType (no emulated model supports fine-tuning)', async () => {
    const control = new BedrockClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
    try {
      const res = await control.send(new ListFoundationModelsCommand({ byCustomizationType: 'FINE_TUNING' }));
      expect(res.modelSummaries!.every((m) => (m.customizationsSupported ?? []).includes('FINE_TUNING'))).toBe(true);
    } finally {
      control.destroy();
    }
  });

  it('resolves profile ids and ARNs on the runtime path; the provider listModels marks availability', async () => {
    for (const id of [
      'eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'global.anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws:bedrock:us-east-1:000000000000:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0',
      'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
    ]) {
      expect(textOf(await streamRaw(client, id, [{ text: '#reply: ok' }]))).toBe('ok');
    }
    const provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: emu.url });
    try {
      const models = await provider.listModels();
      // A profile-only model is not callable by its base id: available false, with the profile ids to use.
      expect(models.every((m) => m.available || (m.profileOnly && m.profileIds.length > 0))).toBe(true);
      expect(models.some((m) => m.profileOnly && !m.available)).toBe(true);
    } finally {
      await provider.close();
    }
  });
});
