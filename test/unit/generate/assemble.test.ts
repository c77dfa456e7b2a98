import { assemble, distribute, outputLimit, reconcileStages, AssemblyError, type AssemblyParts } from '../../../src/generate/assemble';
import { rightSizeContext } from '../../../src/generate/context-window';
import { planHistory, turnsTokens } from '../../../src/generate/history';
import { countTokens } from '../../../src/providers/tokens';

const base: AssemblyParts = { system: null, templateMessages: [], historySummary: null, history: [], context: [], input: null };
const long = (n: number) => Array.from({ length: n }, (_, i) => `word${i % 10}`).join(' ');

describe('prompt assembly', () => {
  it('orders system, version messages, history, context, then input, merging same-role turns', () => {
    const a = assemble(
      {
        ...base,
        system: 'You are terse.',
        templateMessages: [
          { role: 'USER', content: 'Example question' },
          { role: 'ASSISTANT', content: 'Example answer' },
        ],
        history: [
          { role: 'USER', content: 'Earlier question' },
          { role: 'ASSISTANT', content: 'Earlier answer' },
        ],
        context: [{ id: 'doc-1', text: 'Paris is in France.', score: 0.9, source: 'kb' }],
        input: 'Where is Paris?',
      },
      null,
    );
    expect(a.system).toEqual([{ text: 'You are terse.' }]);
    expect(a.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    const last = a.messages[4]!.content.map((c) => ('text' in c ? c.text : '|cache|'));
    expect(last[0]).toContain('<context id="doc-1" source="kb">');
    expect(last[1]).toBe('Where is Paris?');
    expect(a.parts.map((p) => p.stage)).toEqual(['system', 'history', 'history', 'history', 'history', 'context', 'input']);
    expect(a.inputTokens).toBe(a.parts.reduce((s, p) => s + p.tokens, 0));
    expect(a.cachePoints).toBe(0);
  });

  it('places a cache point after a system prompt that reaches the model minimum, and not after a short one', () => {
    const caching = { minTokens: 1024, maxCheckpoints: 4 };
    const longSystem = long(1200);
    expect(countTokens(longSystem)).toBeGreaterThanOrEqual(1024);
    const a = assemble({ ...base, system: longSystem, input: 'hi' }, caching);
    expect(a.system).toEqual([{ text: longSystem }, { cachePoint: true }]);
    expect(a.cachedPrefixTokens).toBe(countTokens(longSystem));
    const b = assemble({ ...base, system: 'short', input: 'hi' }, caching);
    expect(b.system).toEqual([{ text: 'short' }]);
    expect(assemble({ ...base, system: longSystem, input: 'hi' }, null).cachePoints).toBe(0);
  });

  it('caches long fixed few-shot messages together with the system prompt', () => {
    const a = assemble(
      {
        ...base,
        system: 'short system',
        templateMessages: [
          { role: 'USER', content: long(1100) },
          { role: 'ASSISTANT', content: 'ok' },
        ],
        input: 'q',
      },
      { minTokens: 1024, maxCheckpoints: 4 },
    );
    expect(a.messages[1]!.content).toEqual([{ text: 'ok' }, { cachePoint: true }]);
    expect(a.cachePoints).toBe(1);
  });

  it('refuses a prompt with nothing to send, naming input.input', () => {
    expect(() => assemble(base, null)).toThrow(AssemblyError);
    try {
      assemble({ ...base, templateMessages: [{ role: 'ASSISTANT', content: 'x' }] }, null);
      throw new Error('expected an AssemblyError');
    } catch (err) {
      expect((err as AssemblyError).field).toBe('input.input');
    }
  });

  it('caps the output by the version and the model', () => {
    expect(outputLimit(null, null, 4096, 1024)).toBe(1024);
    expect(outputLimit(5000, 2000, 4096, 1024)).toBe(2000);
    expect(outputLimit(9000, null, 4096, 1024)).toBe(4096);
    expect(outputLimit(100, 2000, 4096, 1024)).toBe(100);
  });
});

describe('stage reconciliation', () => {
  it('takes cached tokens from the prompt start and scales the rest to the billed input exactly', () => {
    const parts = [
      { stage: 'system' as const, tokens: 1500 },
      { stage: 'history' as const, tokens: 300 },
      { stage: 'context' as const, tokens: 200 },
      { stage: 'input' as const, tokens: 100 },
    ];
    const s = reconcileStages(parts, { inputTokens: 610, outputTokens: 50, cacheReadTokens: 1500, cacheWriteTokens: 0 });
    expect(s.system).toBe(0);
    expect(s.history + s.context + s.input).toBe(610);
    expect(s.history).toBeGreaterThan(s.context);
    expect(s).toMatchObject({ output: 50, cacheRead: 1500, cacheWrite: 0 });
  });

  it('distributes with the largest remainder so shares always sum to the total', () => {
    for (const total of [0, 1, 7, 100, 12345]) {
      const shares = distribute([3, 3, 3], total);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
    }
    expect(distribute([0, 0, 0], 5)).toEqual([0, 0, 5]);
  });
});

describe('context right-sizing', () => {
  const chunk = (id: string, score: number | null, words: number) => ({ id, text: long(words), score, source: null });
  it('drops chunks under the minimum score and keeps the best within the token budget', () => {
    const r = rightSizeContext([chunk('low', 0.1, 10), chunk('mid', 0.6, 10), chunk('best', 0.9, 10), chunk('huge', 0.8, 5000)], { minScore: 0.5, maxTokens: 200 });
    expect(r.kept.map((c) => c.id)).toEqual(['best', 'mid']);
    expect(r.dropped).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'low', reason: 'below_min_score' }), expect.objectContaining({ id: 'huge', reason: 'over_token_budget' })]));
  });
});

describe('history plan', () => {
  const turns = (n: number, words: number) => Array.from({ length: n }, (_, i) => ({ role: (i % 2 ? 'ASSISTANT' : 'USER') as 'USER' | 'ASSISTANT', content: `turn ${i} ${long(words)}` }));
  it('keeps everything under the budget', () => {
    const h = turns(4, 10);
    expect(planHistory(h, { budgetTokens: 10_000, keepTurns: 2 })).toEqual({ summarized: [], kept: h });
  });
  it('over the budget keeps recent turns verbatim within half the budget and summarizes the rest', () => {
    const h = turns(20, 50);
    const plan = planHistory(h, { budgetTokens: 400, keepTurns: 2 });
    expect(plan.summarized.length + plan.kept.length).toBe(20);
    expect(plan.kept.length).toBeGreaterThanOrEqual(2);
    expect(plan.kept[0]!.role).toBe('USER');
    expect(turnsTokens(plan.kept)).toBeLessThanOrEqual(400);
    expect(plan.kept[plan.kept.length - 1]).toBe(h[19]);
  });
});
