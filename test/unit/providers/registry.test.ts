import { ProviderError, ProviderRegistry, resolveModel, type ModelProvider, type StreamEvent } from '../../../src/providers';

/** A provider with only the required methods; tests add capabilities. */
function fakeProvider(id: string, extra: Partial<ModelProvider> = {}): ModelProvider & { closed: number } {
  const p = {
    id,
    mode: 'emulator' as const,
    closed: 0,
    complete: async () => ({ text: id, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 } }),
    listModels: async () => [],
    close: async () => {
      p.closed++;
    },
    ...extra,
  };
  return p;
}

async function* text(t: string): AsyncGenerator<StreamEvent> {
  yield { type: 'text', text: t };
}

const request = (modelId: string) => ({ modelId, system: [], messages: [{ role: 'user' as const, content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 10 } });

describe('provider registry', () => {
  const catalog = (modelId: string) => (modelId.startsWith('other.') ? { providerId: 'other' } : modelId.startsWith('ghost.') ? { providerId: 'unregistered' } : { providerId: 'bedrock' });

  it('serves a model by the provider its catalog entry names, else by the default', async () => {
    const bedrock = fakeProvider('bedrock', { stream: () => text('from bedrock') });
    const other = fakeProvider('other', { stream: () => text('from other') });
    const registry = new ProviderRegistry(
      new Map([
        ['bedrock', bedrock],
        ['other', other],
      ]),
      'bedrock',
      catalog,
    );
    expect(registry.forModel('other.model-1')).toBe(other);
    expect(registry.forModel('amazon.nova-micro-v1:0')).toBe(bedrock);
    expect(registry.forModel('ghost.model')).toBe(bedrock);
    expect((await registry.complete(request('other.model-1'))).text).toBe('other');
    const got: string[] = [];
    for await (const ev of registry.stream(request('other.model-1'))) if (ev.type === 'text') got.push(ev.text);
    expect(got).toEqual(['from other']);
  });

  it('answers a missing capability with a ProviderError, and a missing token counter with null', async () => {
    const registry = new ProviderRegistry(new Map([['bedrock', fakeProvider('bedrock')]]), 'bedrock', catalog);
    expect(() => registry.stream(request('amazon.nova-micro-v1:0'))).toThrow(ProviderError);
    await expect(registry.embed('x')).rejects.toMatchObject({ code: 'UnsupportedOperation', retryable: false });
    await expect(registry.applyGuardrail('g', '1', 'INPUT', 'x')).rejects.toMatchObject({ code: 'UnsupportedOperation' });
    await expect(registry.countTokens(request('amazon.nova-micro-v1:0'))).resolves.toBeNull();
  });

  it('refuses a default that is not registered, and closes each provider once', async () => {
    const p = fakeProvider('bedrock');
    expect(() => new ProviderRegistry(new Map([['other', p]]), 'bedrock', catalog)).toThrow(/no model provider registered as "bedrock"/);
    const registry = new ProviderRegistry(
      new Map([
        ['bedrock', p],
        ['alias', p],
      ]),
      'bedrock',
      catalog,
    );
    await registry.close();
    expect(p.closed).toBe(1);
  });

  it('gives every catalog model a provider id (bedrock by default)', () => {
    expect(resolveModel('amazon.nova-micro-v1:0')?.providerId).toBe('bedrock');
  });
});
