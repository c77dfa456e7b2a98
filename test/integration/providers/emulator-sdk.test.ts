import { once } from 'node:events';
import { BedrockClient, ListFoundationModelsCommand, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { BedrockProvider } from '../../../src/providers/bedrock/bedrock.provider';
import { startEmulator, type EmulatorStreamEnd, type RunningEmulator } from '../../../src/providers/emulator/emulator.server';
import { ProviderError } from '../../../src/providers/provider.errors';
import type { ConverseRequest, StreamEvent } from '../../../src/providers/provider';
import { countTokens, splitTokens } from '../../../src/providers/tokens';

const NOVA_LITE = 'amazon.nova-lite-v1:0';
const NOVA_MICRO = 'amazon.nova-micro-v1:0';
const SONNET_4 = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function req(text: string, modelId = NOVA_LITE, extra: Partial<ConverseRequest> = {}): ConverseRequest {
  return { modelId, system: [], messages: [{ role: 'user', content: [{ text }] }], inferenceConfig: { maxTokens: 512 }, ...extra };
}

async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

async function collectUntilError(it: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error: unknown }> {
  const events: StreamEvent[] = [];
  try {
    for await (const ev of it) events.push(ev);
  } catch (error) {
    return { events, error };
  }
  return { events, error: undefined };
}

/** Event names in order, as the SDK decoded them from the frames. */
async function rawStream(client: BedrockRuntimeClient, text: string, modelId = NOVA_LITE): Promise<ConverseStreamOutput[]> {
  const res = await client.send(new ConverseStreamCommand({ modelId, messages: [{ role: 'user', content: [{ text }] }] }));
  const out: ConverseStreamOutput[] = [];
  for await (const ev of res.stream!) out.push(ev);
  return out;
}

function names(events: ConverseStreamOutput[]): string[] {
  return events.map((e) => Object.keys(e).find((k) => (e as unknown as Record<string, unknown>)[k] !== undefined)!);
}

describe('the Bedrock emulator through the real AWS SDK', () => {
  let emu: RunningEmulator;
  let provider: BedrockProvider;
  beforeAll(async () => {
    emu = await startEmulator();
    provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: emu.url });
  });
  afterAll(async () => {
    await provider.close();
    await emu.close();
  });

  it('streams a scripted reply in order over HTTP/1.1 (NodeHttpHandler): no contentBlockStart, then stop and usage', async () => {
    const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
    const seen = once(emu.events, 'request');
    const reply = 'Hello there, world! Streaming works: 1, 2, 3.';
    const events = await rawStream(client, `#reply: ${reply}\n#chunk-chars: 4`);
    const [info] = (await seen) as [{ httpVersion: string; operation: string }];
    expect(info).toMatchObject({ operation: 'ConverseStream', httpVersion: '1.1' });
    const kinds = names(events);
    expect(kinds[0]).toBe('messageStart');
    expect(kinds).not.toContain('contentBlockStart');
    expect(kinds.slice(-3)).toEqual(['contentBlockStop', 'messageStop', 'metadata']);
    const deltas = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta!.delta!.text!);
    expect(deltas.length).toBe(Math.ceil(reply.length / 4));
    expect(deltas.every((d) => d.length <= 4)).toBe(true);
    expect(deltas.join('')).toBe(reply);
    const meta = events.at(-1)!.metadata!;
    expect(meta.usage).toEqual({
      inputTokens: countTokens(`#reply: ${reply}\n#chunk-chars: 4`),
      outputTokens: countTokens(reply),
      totalTokens: countTokens(`#reply: ${reply}\n#chunk-chars: 4`) + countTokens(reply),
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
    });
    expect(events.find((e) => e.messageStop)!.messageStop!.stopReason).toBe('end_turn');
    client.destroy();
  });

  it('streams the same over the SDK default handler (cleartext HTTP/2)', async () => {
    const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
    const seen = once(emu.events, 'request');
    const events = await rawStream(client, '#reply: Over h2c, token by token.');
    const [info] = (await seen) as [{ httpVersion: string }];
    expect(info.httpVersion).toBe('2.0');
    const deltas = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta!.delta!.text!);
    expect(deltas).toEqual(splitTokens('Over h2c, token by token.'));
    expect(names(events).slice(-3)).toEqual(['contentBlockStop', 'messageStop', 'metadata']);
    client.destroy();
  });

  it('answers Converse deterministically, with usage by the stated counting rule', async () => {
    const text = 'Tell me something about rivers.';
    const a = await provider.complete(req(text));
    const b = await provider.complete(req(text));
    expect(a.text).toBe(b.text);
    expect(a.text.length).toBeGreaterThan(20);
    expect(a.stopReason).toBe('end_turn');
    expect(a.usage).toEqual({ inputTokens: countTokens(text), outputTokens: countTokens(a.text), cacheReadTokens: 0, cacheWriteTokens: 0 });
    const other = await provider.complete(req(text, NOVA_MICRO));
    expect(other.text).not.toBe(a.text);
    const streamed = await collect(provider.stream(req(text)));
    expect(
      streamed
        .filter((e) => e.type === 'text')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe(a.text);
  });

  it('honours maxTokens (max_tokens), stop sequences (stop_sequence) and #tokens', async () => {
    const long = await provider.complete(req('#tokens: 50', NOVA_LITE, { inferenceConfig: { maxTokens: 7 } }));
    expect(long.stopReason).toBe('max_tokens');
    expect(long.usage.outputTokens).toBe(7);
    expect(splitTokens(long.text)).toHaveLength(7);
    const full = await provider.complete(req('#tokens: 50'));
    expect(full.usage.outputTokens).toBe(50);
    expect(full.text.startsWith(long.text)).toBe(true);
    const stopped = await provider.complete(req('#reply: one two STOP three', NOVA_LITE, { inferenceConfig: { maxTokens: 100, stopSequences: ['STOP'] } }));
    expect(stopped).toMatchObject({ text: 'one two ', stopReason: 'stop_sequence' });
    const events = await collect(provider.stream(req('#reply: abc END def', NOVA_LITE, { inferenceConfig: { maxTokens: 100, stopSequences: ['END'] } })));
    expect(events.find((e) => e.type === 'stop')).toEqual({ type: 'stop', stopReason: 'stop_sequence' });
  });

  it('fails before the stream with the right status and a typed, retryable or not, ProviderError', async () => {
    const cases = [
      ['ThrottlingException', 429, true],
      ['ServiceUnavailableException', 503, true],
      ['ModelNotReadyException', 429, true],
      ['InternalServerException', 500, true],
      ['ModelTimeoutException', 408, true],
      ['ValidationException', 400, false],
      ['AccessDeniedException', 403, false],
    ] as const;
    for (const [name, status, retryable] of cases) {
      const { events, error } = await collectUntilError(provider.stream(req(`#error: ${name}`)));
      expect(events).toEqual([]);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: name, status, retryable });
      await expect(provider.complete(req(`#error: ${name} scripted text`))).rejects.toMatchObject({ code: name, status, retryable, message: 'scripted text' });
    }
  });

  it('sends x-amzn-ErrorType on pre-stream errors', async () => {
    const res = await fetch(`${emu.url}/model/${encodeURIComponent(NOVA_LITE)}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: '#error: ThrottlingException' }] }] }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
    expect(await res.json()).toEqual({ message: expect.any(String) });
  });

  it('fails mid-stream with an exception frame after some deltas', async () => {
    const reply = 'alpha beta gamma delta epsilon zeta eta theta';
    const throttled = await collectUntilError(provider.stream(req(`#reply: ${reply}\n#error-mid: ThrottlingException`)));
    const texts = throttled.events.filter((e) => e.type === 'text');
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.length).toBeLessThan(splitTokens(reply).length);
    expect(throttled.events.some((e) => e.type === 'usage')).toBe(false);
    expect(throttled.error).toBeInstanceOf(ProviderError);
    expect(throttled.error).toMatchObject({ code: 'ThrottlingException', retryable: true });

    const invalid = await collectUntilError(provider.stream(req(`#reply: ${reply}\n#error-mid: ValidationException`)));
    expect(invalid.events.length).toBeGreaterThan(0);
    expect(invalid.error).toMatchObject({ code: 'ValidationException', retryable: false });

    const modelStream = await collectUntilError(provider.stream(req(`#reply: ${reply}\n#error-mid: ModelStreamErrorException 503`)));
    expect(modelStream.error).toMatchObject({ code: 'ModelStreamErrorException', retryable: true, status: 503 });

    const unmodeled = await collectUntilError(provider.stream(req(`#reply: ${reply}\n#error-mid: WeirdFailure`)));
    expect(unmodeled.error).toMatchObject({ code: 'WeirdFailure', retryable: false });
  });

  it('fails only the model named by #error@MODEL_ID', async () => {
    const text = `#error@${SONNET_4}: ThrottlingException\n#reply: fallback answer`;
    await expect(provider.complete(req(text, SONNET_4))).rejects.toMatchObject({ code: 'ThrottlingException', retryable: true });
    const { error } = await collectUntilError(provider.stream(req(text, SONNET_4)));
    expect(error).toMatchObject({ code: 'ThrottlingException' });
    const ok = await provider.complete(req(text, NOVA_LITE));
    expect(ok.text).toBe('fallback answer');
  });

  it('rejects unknown model ids and on-demand calls to profile-only models like Bedrock', async () => {
    await expect(provider.complete(req('hi', 'acme.unknown-model-v1:0'))).rejects.toMatchObject({ code: 'ValidationException', status: 400, retryable: false });
    await expect(provider.complete(req('hi', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.acme.nope-v1:0'))).rejects.toMatchObject({ code: 'ResourceNotFoundException', status: 404 });
    await expect(provider.complete(req('hi', 'anthropic.claude-sonnet-4-20250514-v1:0'))).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringMatching(/inference profile/),
    });
    await expect(provider.complete(req('hi', SONNET_4))).resolves.toMatchObject({ stopReason: 'end_turn' });
    await expect(provider.complete(req('hi', NOVA_LITE, { inferenceConfig: { maxTokens: 20_000 } }))).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('accounts a cache point: first call writes the prefix, the second reads it; short prefixes are not cached', async () => {
    emu.clearPromptCache();
    const system = `You are a careful assistant. ${'Policy line about rivers and bridges. '.repeat(200)}`;
    const prefixTokens = countTokens(system);
    expect(prefixTokens).toBeGreaterThan(1024);
    const call = (question: string) =>
      provider.complete({ modelId: SONNET_4, system: [{ text: system }, { cachePoint: true }], messages: [{ role: 'user', content: [{ text: question }] }], inferenceConfig: { maxTokens: 100 } });
    const first = await call('first question?');
    expect(first.usage).toMatchObject({ cacheWriteTokens: prefixTokens, cacheReadTokens: 0, inputTokens: countTokens('first question?') });
    const second = await call('another, different question?');
    expect(second.usage).toMatchObject({ cacheWriteTokens: 0, cacheReadTokens: prefixTokens, inputTokens: countTokens('another, different question?') });

    // Streaming reports the same in the metadata event; totalTokens includes cached tokens.
    const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
    const res = await client.send(
      new ConverseStreamCommand({ modelId: SONNET_4, system: [{ text: system }, { cachePoint: { type: 'default' } }], messages: [{ role: 'user', content: [{ text: 'third?' }] }] }),
    );
    let usage: Record<string, number | undefined> | undefined;
    for await (const ev of res.stream!) if (ev.metadata) usage = ev.metadata.usage as unknown as Record<string, number>;
    expect(usage).toMatchObject({ cacheReadInputTokens: prefixTokens, cacheWriteInputTokens: 0, inputTokens: countTokens('third?') });
    expect(usage!.totalTokens).toBe(usage!.inputTokens! + usage!.outputTokens! + prefixTokens);
    client.destroy();

    // Below the model's minimum (Nova Lite: 1,536) the checkpoint is silently ignored.
    const shortSystem = 'Short system prompt. '.repeat(50);
    const short = await provider.complete({
      modelId: NOVA_LITE,
      system: [{ text: shortSystem }, { cachePoint: true }],
      messages: [{ role: 'user', content: [{ text: 'q' }] }],
      inferenceConfig: { maxTokens: 50 },
    });
    expect(short.usage).toMatchObject({ cacheReadTokens: 0, cacheWriteTokens: 0, inputTokens: countTokens(shortSystem) + 1 });
  });

  it('stops the stream when the signal aborts: the emulator sees the connection close (HTTP/1.1 and HTTP/2)', async () => {
    const h2provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: emu.url, http1: false });
    try {
      for (const [p, version] of [
        [provider, '1.1'],
        [h2provider, '2.0'],
      ] as const) {
        const ended = once(emu.events, 'stream-end');
        const ctl = new AbortController();
        const seen: StreamEvent[] = [];
        let error: unknown;
        try {
          for await (const ev of p.stream(req('#tokens: 400\n#interval-ms: 15'), { signal: ctl.signal })) {
            seen.push(ev);
            if (seen.length === 3) ctl.abort();
          }
        } catch (err) {
          error = err;
        }
        expect(error).toMatchObject({ code: 'AbortError', retryable: false });
        const [end] = (await ended) as [EmulatorStreamEnd];
        expect(end).toMatchObject({ clientClosed: true, completed: false, httpVersion: version });
        expect(end.deltasSent).toBeLessThan(end.deltasPlanned);
        expect(end.deltasSent).toBeLessThan(40);
      }
    } finally {
      await h2provider.close();
    }
  });

  it('stops the HTTP call when the consumer leaves the loop early', async () => {
    const ended = once(emu.events, 'stream-end');
    let n = 0;
    for await (const ev of provider.stream(req('#tokens: 400\n#interval-ms: 15'))) {
      if (ev.type === 'text' && ++n === 2) break;
    }
    const [end] = (await ended) as [EmulatorStreamEnd];
    expect(end).toMatchObject({ clientClosed: true, completed: false });
    expect(end.deltasSent).toBeLessThan(40);
  });

  it('stops waiting out #delay-ms when the client goes away', async () => {
    const ended = once(emu.events, 'stream-end');
    const ctl = new AbortController();
    // Aborted once the emulator is waiting out the delay (not at a fixed time: on a loaded machine a
    // fixed 100 ms could come before the SDK had sent the request, and the emulator would see nothing).
    void once(emu.events, 'stream-start').then(() => ctl.abort());
    const started = Date.now();
    await expect(collect(provider.stream(req('#reply: late\n#delay-ms: 30000'), { signal: ctl.signal }))).rejects.toMatchObject({ code: 'AbortError' });
    const [end] = (await ended) as [EmulatorStreamEnd];
    expect(end).toMatchObject({ clientClosed: true, deltasSent: 0 });
    // Far below the 30 s delay, with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('waits #delay-ms before the first token and #interval-ms between deltas', async () => {
    const started = Date.now();
    let first = 0;
    for await (const ev of provider.stream(req('#reply: a b c\n#delay-ms: 150\n#interval-ms: 30'))) {
      if (ev.type === 'text' && first === 0) first = Date.now() - started;
    }
    const total = Date.now() - started;
    expect(first).toBeGreaterThanOrEqual(140);
    expect(total).toBeGreaterThanOrEqual(140 + 2 * 28);
  });

  it('applies a guardrail: masks PII, blocks a denied topic, passes clean text', async () => {
    const masked = await provider.applyGuardrail('gr-1', 'DRAFT', 'INPUT', 'Mail me at jane@example.com please');
    expect(masked).toEqual({
      action: 'GUARDRAIL_INTERVENED',
      outputText: 'Mail me at {EMAIL} please',
      findings: [{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: 'jane@example.com' }],
    });
    const blocked = await provider.applyGuardrail('deny-crypto', '1', 'OUTPUT', 'Buy Crypto now');
    expect(blocked.action).toBe('GUARDRAIL_INTERVENED');
    expect(blocked.findings).toEqual([{ kind: 'TOPIC', name: 'crypto', action: 'BLOCKED' }]);
    const clean = await provider.applyGuardrail('gr-1', 'DRAFT', 'INPUT', 'nothing to see');
    expect(clean).toEqual({ action: 'NONE', findings: [] });
    await expect(provider.applyGuardrail('gr-1', 'latest', 'INPUT', 'x')).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('embeds deterministically with Titan V2, similar texts closer than unrelated ones', async () => {
    const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    const a = await provider.embed('How do I reset my password?');
    const again = await provider.embed('How do I reset my password?');
    const similar = await provider.embed('how can I reset the password');
    const unrelated = await provider.embed('Quarterly revenue grew in the harbor market');
    expect(a).toHaveLength(1024);
    expect(again).toEqual(a);
    expect(Math.abs(cos(a, a) - 1)).toBeLessThan(1e-5);
    expect(cos(a, similar)).toBeGreaterThan(0.5);
    expect(cos(a, similar)).toBeGreaterThan(cos(a, unrelated) + 0.3);
    expect(await provider.embed('x', { dimensions: 256 })).toHaveLength(256);
  });

  it('counts tokens with CountTokens by the same rule', async () => {
    const n = await provider.countTokens({ ...req('Count these tokens, please.'), system: [{ text: 'System.' }] });
    expect(n).toBe(countTokens('Count these tokens, please.') + countTokens('System.'));
  });

  it('lists foundation models and inference profiles through BedrockClient', async () => {
    const control = new BedrockClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
    const fm = await control.send(new ListFoundationModelsCommand({}));
    const ids = fm.modelSummaries!.map((m) => m.modelId);
    expect(ids).toEqual(expect.arrayContaining([NOVA_LITE, 'anthropic.claude-sonnet-4-20250514-v1:0', 'amazon.titan-embed-text-v2:0']));
    const nova = fm.modelSummaries!.find((m) => m.modelId === NOVA_LITE)!;
    expect(nova).toMatchObject({ providerName: 'Amazon', modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${NOVA_LITE}`, responseStreamingSupported: true });
    const byProvider = await control.send(new ListFoundationModelsCommand({ byProvider: 'Anthropic' }));
    expect(byProvider.modelSummaries!.every((m) => m.providerName === 'Anthropic')).toBe(true);
    const profiles = await control.send(new ListInferenceProfilesCommand({}));
    expect(profiles.inferenceProfileSummaries!.map((p) => p.inferenceProfileId)).toContain(SONNET_4);
    control.destroy();
    const listed = await provider.listModels();
    expect(listed.find((m) => m.modelId === NOVA_LITE)).toMatchObject({ available: true, prices: { input: 0.06, output: 0.24 } });
  });
});
