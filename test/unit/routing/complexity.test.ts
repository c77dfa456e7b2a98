import { complexityScore, looksLikeCode } from '../../../src/routing/route';

describe('complexityScore', () => {
  const trivial = 'hi';
  const simple = 'What is the capital of France?';
  const medium = 'Compare PostgreSQL and MySQL for a write-heavy workload. Explain the trade-offs of each, and why you would pick one over the other?';
  const hard = [
    'I need help designing a rate limiter. First, explain why a token bucket is preferable to a fixed window.',
    'Then analyze the following implementation and derive its worst-case memory usage:',
    '```ts',
    'function allow(key: string): boolean {',
    '  const b = buckets.get(key) ?? { tokens: capacity, at: Date.now() };',
    '  b.tokens = Math.min(capacity, b.tokens + (Date.now() - b.at) * rate);',
    '  return b.tokens >= 1;',
    '}',
    '```',
    '1. Prove that the refill equation tokens = min(C, t0 + r * dt) never exceeds C.',
    '2. Estimate the probability of a burst of 2 * C requests being admitted.',
    '3. Finally, optimize the data structure for 10^6 concurrent keys. What changes? Why? What are the implications?',
  ].join('\n');

  it('is 0 for an empty text and stays within 0..1', () => {
    expect(complexityScore('')).toBe(0);
    for (const t of [trivial, simple, medium, hard, hard.repeat(200)]) {
      const s = complexityScore(t);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('grows from a greeting to a factual question to an analysis to a multi-step code and math task', () => {
    const scores = [trivial, simple, medium, hard].map(complexityScore);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(new Set(scores).size).toBe(4);
    expect(scores[0]).toBeLessThan(0.1);
    expect(scores[3]).toBeGreaterThan(0.6);
  });

  it('rises with each feature added to the same text', () => {
    const base = 'Tell me about caching in web applications.';
    const b = complexityScore(base);
    expect(complexityScore(`${base} Explain why and compare the trade-offs.`)).toBeGreaterThan(b);
    expect(complexityScore(`${base}\n1. intro\n2. details\n3. summary`)).toBeGreaterThan(b);
    expect(complexityScore(`${base} Solve 3 * 4 = x and the integral of x^2.`)).toBeGreaterThan(b);
    expect(complexityScore(`${base} Which one? When? How?`)).toBeGreaterThan(b);
  });

  it('is deterministic', () => {
    expect(complexityScore(hard)).toBe(complexityScore(hard));
  });
});

describe('looksLikeCode', () => {
  it.each(['```\nanything\n```', 'def add(a, b):\n    return a + b', '#include <stdio.h>', "import { z } from 'zod'", 'if (x) {\n  y();\n}', 'SELECT id, name FROM users WHERE id = 1'])(
    'finds code in %j',
    (text) => expect(looksLikeCode(text)).toBe(true),
  );

  it.each(['Tell me a joke about cats.', 'Can you select the best option from the list (please)?', 'First do this; then that.', ''])('finds no code in %j', (text) =>
    expect(looksLikeCode(text)).toBe(false),
  );
});
