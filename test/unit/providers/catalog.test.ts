import { createPriceBook, listModels, parseModelId, resolveModel } from '../../../src/providers/catalog';

const SONNET_4 = 'anthropic.claude-sonnet-4-20250514-v1:0';
const SONNET_45 = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

describe('price catalog and inference-profile resolution', () => {
  it('resolves base ids, every profile prefix and ARNs to the base model', () => {
    expect(parseModelId(SONNET_4)).toEqual({ baseModelId: SONNET_4, profilePrefix: null });
    for (const prefix of ['us', 'eu', 'apac', 'jp', 'au', 'ca', 'us-gov', 'global']) {
      expect(parseModelId(`${prefix}.${SONNET_4}`)).toEqual({ baseModelId: SONNET_4, profilePrefix: prefix });
      expect(resolveModel(`${prefix}.${SONNET_4}`)).toMatchObject({ modelId: SONNET_4, requestedModelId: `${prefix}.${SONNET_4}`, profilePrefix: prefix, name: 'Claude Sonnet 4' });
    }
    expect(resolveModel(`arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${SONNET_4}`)).toMatchObject({ modelId: SONNET_4, profilePrefix: 'us' });
    expect(resolveModel('arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0')).toMatchObject({ modelId: 'amazon.nova-pro-v1:0', profilePrefix: null });
    expect(resolveModel('us.meta.llama3-3-70b-instruct-v1:0')).toMatchObject({ modelId: 'meta.llama3-3-70b-instruct-v1:0', provider: 'Meta' });
    expect(resolveModel('acme.nope-v1:0')).toBeUndefined();
    expect(resolveModel('us.acme.nope-v1:0')).toBeUndefined();
    expect(resolveModel('')).toBeUndefined();
  });

  it('carries the BEDROCK.md section 7 prices and section 6 caching limits', () => {
    expect(resolveModel(SONNET_4)).toMatchObject({
      prices: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
      promptCaching: { minTokens: 1024, maxCheckpoints: 4 },
      profileOnly: true,
    });
    expect(resolveModel('amazon.nova-lite-v1:0')).toMatchObject({ prices: { input: 0.06, output: 0.24, cacheRead: 0.015, cacheWrite: 0.06 }, promptCaching: { minTokens: 1536 } });
    expect(resolveModel('amazon.nova-pro-v1:0')).toMatchObject({ prices: { input: 0.8, output: 3.2, cacheRead: 0.2, cacheWrite: 0.8 }, promptCaching: { minTokens: 1024 } });
    expect(resolveModel('amazon.nova-micro-v1:0')?.prices).toEqual({ input: 0.035, output: 0.14, cacheRead: 0.00875, cacheWrite: 0.035 });
    expect(resolveModel('anthropic.claude-opus-4-1-20250805-v1:0')?.prices).toEqual({ input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 });
    expect(resolveModel('anthropic.claude-3-haiku-20240307-v1:0')).toMatchObject({ prices: { input: 0.25, output: 1.25, cacheRead: null, cacheWrite: null }, promptCaching: null });
    expect(resolveModel('mistral.mistral-large-2402-v1:0')?.prices).toMatchObject({ input: 8, output: 24 });
    expect(resolveModel('amazon.titan-embed-text-v2:0')).toMatchObject({ kind: 'embedding', prices: { input: 0.02 } });
  });

  it('keeps the cache multipliers consistent: Claude read 0.1x, write 1.25x; Nova read 0.25x, write 1x', () => {
    for (const m of listModels()) {
      if (!m.promptCaching) continue;
      const { input, cacheRead, cacheWrite } = m.prices;
      if (m.provider === 'Anthropic') {
        expect([m.modelId, cacheRead]).toEqual([m.modelId, Math.round(input * 0.1 * 1e6) / 1e6]);
        expect([m.modelId, cacheWrite]).toEqual([m.modelId, Math.round(input * 1.25 * 1e6) / 1e6]);
      } else {
        expect([m.modelId, cacheRead]).toEqual([m.modelId, Math.round(input * 0.25 * 1e6) / 1e6]);
        expect([m.modelId, cacheWrite]).toEqual([m.modelId, input]);
      }
    }
  });

  it('adds the ~10% geographic premium for Claude 4.5+ on us./eu. profiles, not on global. or older models', () => {
    expect(resolveModel(`us.${SONNET_45}`)?.prices).toEqual({ input: 3.3, output: 16.5, cacheRead: 0.33, cacheWrite: 4.125 });
    expect(resolveModel(`eu.${SONNET_45}`)?.prices.input).toBe(3.3);
    expect(resolveModel(`global.${SONNET_45}`)?.prices).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
    expect(resolveModel(`us.${SONNET_4}`)?.prices).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
    expect(resolveModel('us.amazon.nova-pro-v1:0')?.prices.input).toBe(0.8);
  });

  it('applies overrides: a base-id override reaches its profiles (with premium), a profile-id override only that profile', () => {
    const book = createPriceBook({ [SONNET_45]: { input: 2, output: 10 }, [`eu.${SONNET_4}`]: { input: 4, output: 20, cacheRead: 0.4 } });
    expect(book.pricesFor(SONNET_45)).toEqual({ input: 2, output: 10, cacheRead: 0.3, cacheWrite: 3.75 });
    expect(book.pricesFor(`us.${SONNET_45}`)).toEqual({ input: 2.2, output: 11, cacheRead: 0.33, cacheWrite: 4.125 });
    expect(book.pricesFor(`eu.${SONNET_4}`)).toEqual({ input: 4, output: 20, cacheRead: 0.4, cacheWrite: 3.75 });
    expect(book.pricesFor(`us.${SONNET_4}`)).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
    expect(book.pricesFor('acme.nope-v1:0')).toBeUndefined();
    expect(createPriceBook({ toString: { input: 1, output: 1 } }).pricesFor('toString')).toEqual({ input: 1, output: 1, cacheRead: null, cacheWrite: null });
    expect(createPriceBook({}).pricesFor('toString')).toBeUndefined();
  });
});
