import { createPriceBook, listModels, parseModelId, resolveModel, type Prices } from '../../../src/providers/catalog';
import { costByStageMicros, tokensCostMicros, type StageTokens } from '../../../src/providers/cost';
import { computeInputUsage, parseConverseBody, planReply, parseScript, PromptCacheStore } from '../../../src/providers/emulator/emulator.model';
import { ProviderError, toProviderError } from '../../../src/providers/provider.errors';
import { PricingService } from '../../../src/providers/pricing/pricing.service';
import type { ModelProvider } from '../../../src/providers/provider';

/** BEDROCK.md section 7: input, output, cache read, cache write (5m); null where the table says "–". */
const TABLE: Record<string, [number, number, number | null, number | null]> = {
  'anthropic.claude-3-haiku-20240307-v1:0': [0.25, 1.25, null, null],
  'anthropic.claude-3-5-haiku-20241022-v1:0': [0.8, 4, 0.08, 1],
  'anthropic.claude-haiku-4-5-20251001-v1:0': [1, 5, 0.1, 1.25],
  'anthropic.claude-3-5-sonnet-20241022-v2:0': [3, 15, 0.3, 3.75],
  'anthropic.claude-3-7-sonnet-20250219-v1:0': [3, 15, 0.3, 3.75],
  'anthropic.claude-sonnet-4-20250514-v1:0': [3, 15, 0.3, 3.75],
  'anthropic.claude-sonnet-4-5-20250929-v1:0': [3, 15, 0.3, 3.75],
  'anthropic.claude-sonnet-4-6': [3, 15, 0.3, 3.75],
  'anthropic.claude-opus-4-20250514-v1:0': [15, 75, 1.5, 18.75],
  'anthropic.claude-opus-4-1-20250805-v1:0': [15, 75, 1.5, 18.75],
  'anthropic.claude-opus-4-5-20251101-v1:0': [5, 25, 0.5, 6.25],
  'anthropic.claude-opus-4-6-v1': [5, 25, 0.5, 6.25],
  'meta.llama3-1-8b-instruct-v1:0': [0.22, 0.22, null, null],
  'meta.llama3-1-70b-instruct-v1:0': [0.72, 0.72, null, null],
  'meta.llama3-1-405b-instruct-v1:0': [2.4, 2.4, null, null],
  'meta.llama3-2-1b-instruct-v1:0': [0.1, 0.1, null, null],
  'meta.llama3-2-3b-instruct-v1:0': [0.15, 0.15, null, null],
  'meta.llama3-2-11b-instruct-v1:0': [0.16, 0.16, null, null],
  'meta.llama3-2-90b-instruct-v1:0': [0.72, 0.72, null, null],
  'meta.llama3-3-70b-instruct-v1:0': [0.72, 0.72, null, null],
  'meta.llama3-8b-instruct-v1:0': [0.3, 0.6, null, null],
  'meta.llama3-70b-instruct-v1:0': [2.65, 3.5, null, null],
  'mistral.mistral-7b-instruct-v0:2': [0.15, 0.2, null, null],
  'mistral.mixtral-8x7b-instruct-v0:1': [0.45, 0.7, null, null],
  'mistral.mistral-small-2402-v1:0': [0.1, 0.3, null, null],
  'mistral.mistral-large-2402-v1:0': [8, 24, null, null],
  'mistral.pixtral-large-2502-v1:0': [2, 6, null, null],
  'mistral.mistral-large-3-675b-instruct': [0.5, 1.5, null, null],
};
/** Nova: the table has no cache-write price; section 6 says writes carry no premium (1x input). */
const NOVA: Record<string, [number, number, number]> = {
  'amazon.nova-micro-v1:0': [0.035, 0.14, 0.00875],
  'amazon.nova-lite-v1:0': [0.06, 0.24, 0.015],
  'amazon.nova-pro-v1:0': [0.8, 3.2, 0.2],
  'amazon.nova-premier-v1:0': [2.5, 12.5, 0.625],
};
/** Claude 4.5 and later carry the ~10% geographic premium. */
const PREMIUM = new Set([
  'anthropic.claude-haiku-4-5-20251001-v1:0',
  'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'anthropic.claude-sonnet-4-6',
  'anthropic.claude-opus-4-5-20251101-v1:0',
  'anthropic.claude-opus-4-6-v1',
]);

describe('prices.json against BEDROCK.md section 7', () => {
  it.each(Object.entries(TABLE))('%s has the table prices', (id, [input, output, cacheRead, cacheWrite]) => {
    expect(resolveModel(id)!.prices).toEqual({ input, output, cacheRead, cacheWrite });
  });

  it.each(Object.entries(NOVA))('%s has the table prices, cache write at 1x input', (id, [input, output, cacheRead]) => {
    expect(resolveModel(id)!.prices).toEqual({ input, output, cacheRead, cacheWrite: input });
  });

  it('Claude cache prices follow 0.1x read / 1.25x write of input', () => {
    for (const m of listModels().filter((x) => x.provider === 'Anthropic' && x.prices.cacheRead !== null)) {
      expect({ id: m.modelId, read: m.prices.cacheRead, write: m.prices.cacheWrite }).toEqual({
        id: m.modelId,
        read: Math.round(m.prices.input * 0.1 * 1e6) / 1e6,
        write: Math.round(m.prices.input * 1.25 * 1e6) / 1e6,
      });
    }
  });

  it('applies the 10% premium on geographic profiles of Claude 4.5+ only; never on global.', () => {
    for (const m of listModels().filter((x) => x.kind === 'chat')) {
      const factor = PREMIUM.has(m.modelId) ? 1.1 : 1;
      const scale = (v: number | null): number | null => (v === null ? null : Math.round(v * factor * 1e6) / 1e6);
      for (const prefix of ['us', 'eu', 'apac', 'jp', 'au', 'ca', 'us-gov']) {
        expect(resolveModel(`${prefix}.${m.modelId}`)!.prices).toEqual({
          input: scale(m.prices.input),
          output: scale(m.prices.output),
          cacheRead: scale(m.prices.cacheRead),
          cacheWrite: scale(m.prices.cacheWrite),
        });
      }
      expect(resolveModel(`global.${m.modelId}`)!.prices).toEqual(m.prices);
    }
    expect(resolveModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0')!.prices).toEqual({ input: 3.3, output: 16.5, cacheRead: 0.33, cacheWrite: 4.125 });
  });

  it('knows prompt-caching minimums per section 6', () => {
    const min = (id: string): number | undefined => resolveModel(id)!.promptCaching?.minTokens;
    expect(min('anthropic.claude-3-5-haiku-20241022-v1:0')).toBe(2048);
    expect(min('anthropic.claude-sonnet-4-6')).toBe(2048);
    for (const id of ['anthropic.claude-opus-4-5-20251101-v1:0', 'anthropic.claude-opus-4-6-v1', 'anthropic.claude-haiku-4-5-20251001-v1:0']) expect(min(id)).toBe(4096);
    expect(min('amazon.nova-lite-v1:0')).toBe(1536);
    expect(min('amazon.nova-micro-v1:0')).toBe(1536);
    expect(min('amazon.nova-pro-v1:0')).toBe(1024);
    expect(resolveModel('anthropic.claude-3-haiku-20240307-v1:0')!.promptCaching).toBeNull();
  });
});

describe('model id resolution', () => {
  it.each([
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4-20250514-v1:0', 'us'],
    ['eu.amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0', 'eu'],
    ['apac.anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'apac'],
    ['us-gov.anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'us-gov'],
    ['global.anthropic.claude-opus-4-6-v1', 'anthropic.claude-opus-4-6-v1', 'global'],
    ['arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-6', 'anthropic.claude-sonnet-4-6', 'eu'],
    ['arn:aws-us-gov:bedrock:us-gov-west-1:1:inference-profile/us-gov.anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'us-gov'],
    ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0', null],
    ['amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0', null],
  ])('%s → %s (%s)', (id, baseModelId, profilePrefix) => {
    expect(parseModelId(id)).toEqual({ baseModelId, profilePrefix });
    expect(resolveModel(id)).toMatchObject({ modelId: baseModelId, requestedModelId: id, profilePrefix });
  });

  it('leaves unknown ids, unknown prefixes and other ARNs unresolved', () => {
    expect(resolveModel('xx.amazon.nova-lite-v1:0')).toBeUndefined();
    expect(resolveModel('us.')).toBeUndefined();
    expect(resolveModel('arn:aws:bedrock:us-east-1:1:application-inference-profile/abc')).toBeUndefined();
    expect(resolveModel('')).toBeUndefined();
  });
});

describe('cost arithmetic', () => {
  const zero: StageTokens = { system: 0, context: 0, history: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const sonnetUs = resolveModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0')!.prices;

  it('costs nothing for 0 tokens', () => {
    expect(costByStageMicros(zero, sonnetUs)).toEqual({ ...zero, total: 0 });
    expect(tokensCostMicros(0, 75)).toBe(0);
  });

  it('prices with 6 decimals round half-up once', () => {
    expect(tokensCostMicros(1, 0.000001)).toBe(0);
    expect(tokensCostMicros(500_000, 0.000001)).toBe(1);
    expect(tokensCostMicros(499_999, 0.000001)).toBe(0);
    expect(tokensCostMicros(1_000_000, 0.00875)).toBe(8750);
    expect(tokensCostMicros(3, 1.234567)).toBe(4);
  });

  it('stays exact for huge token counts (billions of tokens)', () => {
    const t = { ...zero, output: 2_000_000_000, input: 1_234_567_891 };
    const c = costByStageMicros(t, sonnetUs);
    expect(c.output).toBe(33_000_000_000);
    expect(c.input).toBe(4_074_074_040);
    expect(c.total).toBe(c.output + c.input);
  });

  it('stage costs always sum to the total (random stages, odd 6-decimal prices)', () => {
    const prices: Prices = { input: 1.234567, output: 9.876543, cacheRead: 0.000003, cacheWrite: 7.654321 };
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const r = (): number => Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 9)));
      const c = costByStageMicros({ system: r(), context: r(), history: r(), input: r(), output: r(), cacheRead: r(), cacheWrite: r() }, prices);
      expect(c.system + c.context + c.history + c.input + c.output + c.cacheRead + c.cacheWrite).toBe(c.total);
    }
  });

  it('bills cache tokens of a model without caching as input', () => {
    const haiku3 = resolveModel('anthropic.claude-3-haiku-20240307-v1:0')!.prices;
    expect(costByStageMicros({ ...zero, cacheRead: 1_000_000, cacheWrite: 1_000_000 }, haiku3)).toMatchObject({ cacheRead: 250_000, cacheWrite: 250_000, total: 500_000 });
  });
});

describe('price overrides (createPriceBook)', () => {
  const BASE = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

  it('a base-id override keeps the premium on geographic profiles and none on global.', () => {
    const book = createPriceBook({ [BASE]: { input: 2, output: 10 } });
    expect(book.pricesFor(BASE)).toEqual({ input: 2, output: 10, cacheRead: 0.3, cacheWrite: 3.75 });
    expect(book.pricesFor(`us.${BASE}`)).toEqual({ input: 2.2, output: 11, cacheRead: 0.33, cacheWrite: 4.125 });
    expect(book.pricesFor(`global.${BASE}`)).toEqual({ input: 2, output: 10, cacheRead: 0.3, cacheWrite: 3.75 });
  });

  it('a profile-id override applies as-is to that profile only', () => {
    const book = createPriceBook({ [`eu.${BASE}`]: { input: 1, output: 2 }, [BASE]: { input: 2, output: 10 } });
    expect(book.pricesFor(`eu.${BASE}`)).toEqual({ input: 1, output: 2, cacheRead: 0.33, cacheWrite: 4.125 });
    expect(book.pricesFor(`us.${BASE}`)).toMatchObject({ input: 2.2, output: 11 });
    expect(book.pricesFor(BASE)).toMatchObject({ input: 2, output: 10 });
  });

  it('an empty book is the catalog; unknown models need input and output', () => {
    expect(createPriceBook({}).pricesFor(`us.${BASE}`)).toEqual(resolveModel(`us.${BASE}`)!.prices);
    expect(createPriceBook({ 'acme.x': { input: 1 } }).pricesFor('acme.x')).toBeUndefined();
    expect(createPriceBook({ 'acme.x': { input: 1, output: 2 } }).pricesFor('acme.x')).toEqual({ input: 1, output: 2, cacheRead: null, cacheWrite: null });
    expect(createPriceBook({ constructor: { input: 1, output: 1 } }).pricesFor(BASE)).toEqual(resolveModel(BASE)!.prices);
  });

  it("a profile-id override also prices calls made with that profile's ARN", () => {
    const book = createPriceBook({ [`us.${BASE}`]: { input: 1, output: 2 } });
    const arn = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${BASE}`;
    expect(book.pricesFor(arn)).toEqual(book.pricesFor(`us.${BASE}`));
  });
});

describe('emulator prompt-cache accounting (unit)', () => {
  const sonnet = resolveModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0')!;
  const words = (n: number, w = 'abcd'): string => Array.from({ length: n }, () => w).join(' ');
  const body = (blocks: Array<Record<string, unknown>>) => parseConverseBody({ messages: [{ role: 'user', content: blocks }] });

  it('refreshes the 5m TTL on every hit', () => {
    let now = 0;
    const store = new PromptCacheStore(5 * 60_000, () => now);
    const b = body([{ text: words(1100) }, { cachePoint: { type: 'default' } }, { text: 'q' }]);
    expect(computeInputUsage(sonnet, b, store).cacheWriteInputTokens).toBe(1100);
    now = 4 * 60_000;
    expect(computeInputUsage(sonnet, b, store).cacheReadInputTokens).toBe(1100);
    now = 8 * 60_000; // 8 min after the write, 4 after the refresh
    expect(computeInputUsage(sonnet, b, store).cacheReadInputTokens).toBe(1100);
    now = 14 * 60_000;
    expect(computeInputUsage(sonnet, b, store)).toMatchObject({ cacheReadInputTokens: 0, cacheWriteInputTokens: 1100 });
  });

  it('reads the longest cached prefix and writes the rest up to the last cache point', () => {
    const store = new PromptCacheStore();
    const cp = { cachePoint: { type: 'default' } };
    const first = body([{ text: words(1100) }, cp, { text: 'q' }]);
    computeInputUsage(sonnet, first, store);
    const second = body([{ text: words(1100) }, cp, { text: words(1200, 'wxyz') }, cp, { text: 'q2' }]);
    expect(computeInputUsage(sonnet, second, store)).toEqual({ cacheReadInputTokens: 1100, cacheWriteInputTokens: 1200, inputTokens: 1, cacheDetails: [{ ttl: '5m', inputTokens: 1200 }] });
  });

  it('ignores tool cache points on Nova, counts them on Claude', () => {
    const tools = [{ toolSpec: { name: 't', description: words(1100), inputSchema: { json: {} } } }, { cachePoint: { type: 'default' } }];
    const raw = { messages: [{ role: 'user', content: [{ text: 'q' }] }], toolConfig: { tools } };
    const nova = computeInputUsage(resolveModel('amazon.nova-pro-v1:0')!, parseConverseBody(raw), new PromptCacheStore());
    expect(nova.cacheWriteInputTokens).toBe(0);
    const claude = computeInputUsage(sonnet, parseConverseBody(raw), new PromptCacheStore());
    expect(claude.cacheWriteInputTokens).toBeGreaterThan(1100);
  });

  it('keeps a ttl "1h" cache point for an hour, not the default 5 minutes', () => {
    let now = 0;
    const store = new PromptCacheStore(5 * 60_000, () => now);
    const b = body([{ text: words(1100) }, { cachePoint: { type: 'default', ttl: '1h' } }, { text: 'q' }]);
    expect(computeInputUsage(sonnet, b, store).cacheWriteInputTokens).toBe(1100);
    now = 30 * 60_000;
    expect(computeInputUsage(sonnet, b, store).cacheReadInputTokens).toBe(1100);
  });

  it('cuts maxTokens and stop sequences on the earlier point', () => {
    const nova = resolveModel('amazon.nova-lite-v1:0')!;
    const b = parseConverseBody({ messages: [{ role: 'user', content: [{ text: 'x' }] }], inferenceConfig: { maxTokens: 2, stopSequences: ['c'] } });
    expect(planReply(nova.modelId, nova, b, parseScript('#reply: a b c d'))).toMatchObject({ text: 'a b', stopReason: 'max_tokens' });
    const b2 = parseConverseBody({ messages: [{ role: 'user', content: [{ text: 'x' }] }], inferenceConfig: { maxTokens: 3, stopSequences: [' c', 'b'] } });
    expect(planReply(nova.modelId, nova, b2, parseScript('#reply: a b c d'))).toMatchObject({ text: 'a ', stopReason: 'stop_sequence' });
  });
});

describe('provider error typing', () => {
  it('types SDK, stream and transport errors', () => {
    const sdk = (name: string, extra: Record<string, unknown> = {}): unknown => Object.assign(new Error('m'), { name, ...extra });
    expect(toProviderError(sdk('ThrottlingException', { $metadata: { httpStatusCode: 429 } }))).toMatchObject({ code: 'ThrottlingException', retryable: true, status: 429 });
    expect(toProviderError(sdk('ThrottlingException', { $metadata: {} }))).toMatchObject({ code: 'ThrottlingException', retryable: true, status: 429 });
    expect(toProviderError(sdk('ModelStreamErrorException', { originalStatusCode: 502 }))).toMatchObject({ retryable: true, status: 502 });
    expect(toProviderError(sdk('ModelStreamErrorException', { $metadata: { httpStatusCode: 424 } }))).toMatchObject({ retryable: false, status: 424 });
    expect(toProviderError(sdk('AccessDeniedException'))).toMatchObject({ retryable: false, status: 403 });
    expect(toProviderError(sdk('AbortError'))).toMatchObject({ code: 'AbortError', retryable: false });
    expect(toProviderError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toMatchObject({ code: 'NetworkError', retryable: true });
    expect(toProviderError(sdk('Error', { $metadata: { httpStatusCode: 502 } }))).toMatchObject({ code: 'Http502', retryable: true });
    expect(toProviderError('boom')).toMatchObject({ code: 'UnknownError', retryable: false });
    const pe = new ProviderError('X', 'y');
    expect(toProviderError(pe)).toBe(pe);
  });
});

describe('PricingService without a database: models list and available flag', () => {
  const provider = (impl: ModelProvider['listModels']): ModelProvider => ({ listModels: impl }) as unknown as ModelProvider;
  const logger = { warn: jest.fn() };

  it('marks availability by base id and caches the listing', async () => {
    const listModelsFn = jest.fn(async () => listModels().map((m) => ({ ...m, available: m.modelId.startsWith('amazon.') })));
    const svc = new PricingService(provider(listModelsFn as unknown as ModelProvider['listModels']), logger);
    const all = await svc.list();
    expect(all.length).toBe(listModels().length);
    expect(
      all
        .filter((m) => m.available)
        .map((m) => m.id)
        .sort(),
    ).toEqual(
      listModels()
        .filter((m) => m.modelId.startsWith('amazon.'))
        .map((m) => m.modelId)
        .sort(),
    );
    await svc.list();
    expect(listModelsFn).toHaveBeenCalledTimes(1);
    expect(svc.costByStage('us.anthropic.claude-sonnet-4-5-20250929-v1:0', { system: 0, context: 0, history: 0, input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0 })!.total).toBe(3_300_000);
    expect(svc.costByStage('nope', { system: 0, context: 0, history: 0, input: 1, output: 0, cacheRead: 0, cacheWrite: 0 })).toBeUndefined();
    expect(svc.worstCaseMicros('anthropic.claude-sonnet-4-20250514-v1:0', 1_000_000, 1_000_000)).toBe(3_750_000 + 15_000_000);
  });

  it('reports none available when the listing fails, and retries on the next call', async () => {
    let fail = true;
    const listModelsFn = jest.fn(async () => {
      if (fail) throw new Error('denied');
      return listModels().map((m) => ({ ...m, available: true }));
    });
    const svc = new PricingService(provider(listModelsFn as unknown as ModelProvider['listModels']), logger);
    expect((await svc.list()).some((m) => m.available)).toBe(false);
    fail = false;
    expect((await svc.list()).every((m) => m.available)).toBe(true);
  });
});
