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

describe('context tokens counted once per chunk', () => {
  /** Deterministic (mulberry32): the same 600 cases on every run. */
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  // Letters, marks, digits, CJK, punctuation, symbols, emoji (surrogate pairs), every kind of space, '<' and '>'.
  const ALPHABET = ['a', 'Z', 'é', 'e\u0301', '7', '北', 'ß', '.', ',', '<', '>', '"', '/', '😀', '€', ' ', '  ', '\n', '\t', '\u00a0', '\u2028', '\r\n', 'word', 'context'];
  function text(r: () => number): string {
    const n = Math.floor(r() * 40);
    let s = '';
    for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
    return s;
  }

  it('the context block of an assembly has exactly the tokens of its text, counted whole (600 seeded cases)', () => {
    const r = rng(14);
    for (let i = 0; i < 600; i++) {
      const context = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, j) => ({
        id: r() < 0.2 ? text(r) : `doc-${j}`,
        text: text(r),
        score: null,
        source: r() < 0.5 ? null : text(r),
      }));
      const a = assemble({ ...base, context, input: text(r) || 'q' }, null);
      const block = a.messages[0]!.content[0]!;
      const whole = countTokens('text' in block ? block.text : '');
      expect({ i, tokens: a.parts.find((p) => p.stage === 'context')!.tokens }).toEqual({ i, tokens: whole });
    }
  });

  it('a chunk whose text changed after it was counted is counted again', () => {
    const chunk = { id: 'doc-1', text: 'short', score: null, source: null };
    const first = assemble({ ...base, context: [chunk], input: 'q' }, null).parts.find((p) => p.stage === 'context')!.tokens;
    chunk.text = 'a much longer text than before, with many more tokens in it';
    const again = assemble({ ...base, context: [chunk], input: 'q' }, null);
    const block = again.messages[0]!.content[0]!;
    expect(again.parts.find((p) => p.stage === 'context')!.tokens).toBe(countTokens('text' in block ? block.text : ''));
    expect(again.parts.find((p) => p.stage === 'context')!.tokens).toBeGreaterThan(first);
  });
});
