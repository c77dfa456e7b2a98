import { resolveModel } from '../../../src/providers/catalog';
import { computeInputUsage, EmulatorError, parseConverseBody, planReply, PromptCacheStore } from '../../../src/providers/emulator/emulator.model';
import { parseScript } from '../../../src/providers/emulator/emulator.script';
import { countTokens, splitTokens } from '../../../src/providers/tokens';

const sonnet = resolveModel('us.anthropic.claude-sonnet-4-20250514-v1:0')!;
const nova = resolveModel('amazon.nova-pro-v1:0')!;
const long = (word: string, tokens: number) => Array.from({ length: tokens }, () => ` ${word}`).join('');

describe('emulator prompt-cache accounting', () => {
  it('reads the longest prefix seen before and writes the rest up to the last checkpoint', () => {
    let now = 0;
    const cache = new PromptCacheStore(5 * 60_000, () => now);
    const sys = long('rule', 1100);
    const hist = long('turn', 1200);
    const body = (histText: string, q: string) =>
      parseConverseBody({
        system: [{ text: sys }, { cachePoint: { type: 'default' } }],
        messages: [{ role: 'user', content: [{ text: histText }, { cachePoint: { type: 'default' } }, { text: q }] }],
      });
    const first = computeInputUsage(sonnet, body(hist, 'q1'), cache);
    expect(first).toEqual({ cacheReadInputTokens: 0, cacheWriteInputTokens: 2300, inputTokens: countTokens('q1'), cacheDetails: [{ ttl: '5m', inputTokens: 2300 }] });
    const same = computeInputUsage(sonnet, body(hist, 'q2'), cache);
    expect(same).toEqual({ cacheReadInputTokens: 2300, cacheWriteInputTokens: 0, inputTokens: countTokens('q2') });
    const newHistory = computeInputUsage(sonnet, body(long('tale', 1200), 'q3'), cache);
    expect(newHistory).toEqual({ cacheReadInputTokens: 1100, cacheWriteInputTokens: 1200, inputTokens: countTokens('q3'), cacheDetails: [{ ttl: '5m', inputTokens: 1200 }] });
    now += 5 * 60_000 + 1;
    expect(computeInputUsage(sonnet, body(hist, 'q4'), cache)).toMatchObject({ cacheReadInputTokens: 0, cacheWriteInputTokens: 2300 });
  });

  it('refreshes the TTL on every hit and keys the cache by model', () => {
    let now = 0;
    const cache = new PromptCacheStore(1000, () => now);
    const b = parseConverseBody({ system: [{ text: long('x', 1500) }, { cachePoint: { type: 'default' } }], messages: [{ role: 'user', content: [{ text: 'q' }] }] });
    expect(computeInputUsage(nova, b, cache).cacheWriteInputTokens).toBe(1500);
    now = 900;
    expect(computeInputUsage(nova, b, cache).cacheReadInputTokens).toBe(1500);
    now = 1800;
    expect(computeInputUsage(nova, b, cache).cacheReadInputTokens).toBe(1500);
    expect(computeInputUsage(sonnet, b, cache).cacheWriteInputTokens).toBe(1500);
  });

  it('ignores checkpoints below the model minimum and tool cache points outside Claude; refuses more than 4', () => {
    const cache = new PromptCacheStore();
    const short = parseConverseBody({ system: [{ text: long('x', 1000) }, { cachePoint: { type: 'default' } }], messages: [{ role: 'user', content: [{ text: 'q' }] }] });
    expect(computeInputUsage(sonnet, short, cache)).toEqual({ inputTokens: 1001, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 });
    const tools = parseConverseBody({
      toolConfig: { tools: [{ toolSpec: { name: 't', description: long('d', 1200) } }, { cachePoint: { type: 'default' } }] },
      messages: [{ role: 'user', content: [{ text: 'q' }] }],
    });
    expect(computeInputUsage(nova, tools, cache).cacheWriteInputTokens).toBe(0);
    expect(computeInputUsage(sonnet, tools, cache).cacheWriteInputTokens).toBeGreaterThan(1200);
    const five = parseConverseBody({
      system: Array.from({ length: 5 }, () => [{ text: 'x' }, { cachePoint: { type: 'default' } }]).flat(),
      messages: [{ role: 'user', content: [{ text: 'q' }] }],
    });
    expect(() => computeInputUsage(sonnet, five, cache)).toThrow(EmulatorError);
  });
});

describe('emulator reply planning', () => {
  const body = (text: string, inferenceConfig?: object) => parseConverseBody({ messages: [{ role: 'user', content: [{ text }] }], inferenceConfig });

  it('is deterministic per request and model, and varies with them', () => {
    const a = planReply('amazon.nova-pro-v1:0', nova, body('hello'), parseScript('hello'));
    expect(planReply('amazon.nova-pro-v1:0', nova, body('hello'), parseScript('hello'))).toEqual(a);
    expect(planReply('amazon.nova-pro-v1:0', nova, body('hello!'), parseScript('hello!')).text).not.toBe(a.text);
    expect(a.deltas.join('')).toBe(a.text);
    expect(splitTokens(a.text).length).toBeGreaterThanOrEqual(20);
  });

  it('generates exactly #tokens tokens, cut by maxTokens', () => {
    const p = planReply('m', nova, body('#tokens: 37'), parseScript('#tokens: 37'));
    expect(countTokens(p.text)).toBe(37);
    const cut = planReply('m', nova, body('#tokens: 37', { maxTokens: 10 }), parseScript('#tokens: 37'));
    expect(cut).toMatchObject({ stopReason: 'max_tokens' });
    expect(countTokens(cut.text)).toBe(10);
  });

  it('refuses malformed bodies with a ValidationException', () => {
    expect(() => parseConverseBody({ messages: [] })).toThrow(EmulatorError);
    expect(() => parseConverseBody({ messages: [{ role: 'assistant', content: [{ text: 'x' }] }] })).toThrow(/start with a user message/);
  });
});
