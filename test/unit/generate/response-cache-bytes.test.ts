import { ResponseCache, entryBytes } from '../../../src/response-cache/response-cache';
import { HistoryTrimmer } from '../../../src/generate/history-trimmer';
import type { ModelProvider } from '../../../src/providers';

/** One-hot on the first letter: different inputs are never semantic matches. */
const embed = async (text: string) => Array.from({ length: 26 }, (_, i) => (text.charCodeAt(0) - 97 === i ? 1 : 0));
const answer = (text: string) => ({ text, deltas: [text], stopReason: 'end_turn', modelId: 'm', costMicros: 1, traceId: 't' });

describe('response cache bounded by bytes (lru-cache)', () => {
  it('evicts the least recently used answers once their estimated bytes pass maxBytes, whatever maxEntries allows', async () => {
    const big = 'x'.repeat(10_000);
    const one = entryBytes({ answer: answer(big), partition: 'A', promptName: 'p' });
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 1000, maxBytes: one * 3 + 10, similarity: 0.99, embed });
    for (const k of ['a', 'b', 'c']) await c.store({ promptName: 'p', partition: 'A', input: k }, answer(big));
    expect(c.size).toBe(3);
    // Reading "a" makes "b" the least recently used: the fourth answer pushes "b" out.
    expect(await c.lookup({ promptName: 'p', partition: 'A', input: 'a' })).not.toBeNull();
    await c.store({ promptName: 'p', partition: 'A', input: 'd' }, answer(big));
    expect(c.size).toBe(3);
    expect(c.bytes).toBeLessThanOrEqual(one * 3 + 10);
    expect(await c.lookup({ promptName: 'p', partition: 'A', input: 'b' })).toBeNull();
    expect((await c.lookup({ promptName: 'p', partition: 'A', input: 'a' }))?.answer.text).toBe(big);
  });

  it('does not keep an answer larger than the whole bound, and small answers still fit', async () => {
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 1000, maxBytes: 20_000, similarity: 0.99, embed });
    await c.store({ promptName: 'p', partition: 'A', input: 'huge' }, answer('y'.repeat(50_000)));
    expect(c.size).toBe(0);
    expect(await c.lookup({ promptName: 'p', partition: 'A', input: 'huge' })).toBeNull();
    await c.store({ promptName: 'p', partition: 'A', input: 'small' }, answer('ok'));
    expect(c.size).toBe(1);
  });

  it('an evicted answer is no semantic candidate either', async () => {
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 1, similarity: 0.5, embed: async () => [1, 1] });
    await c.store({ promptName: 'p', partition: 'A', input: 'first question' }, answer('first'));
    await c.store({ promptName: 'p', partition: 'B', input: 'other' }, answer('other'));
    expect(await c.lookup({ promptName: 'p', partition: 'A', input: 'first questions' })).toBeNull();
  });
});

describe('history summaries bounded by bytes', () => {
  it('keeps the session summaries within maxSessionBytes, dropping the least recently used', async () => {
    let calls = 0;
    const provider = {
      complete: async () => ({ text: `summary ${++calls} ${'s'.repeat(2000)}`, usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 } }),
    } as unknown as ModelProvider;
    const trimmer = new HistoryTrimmer({ provider: () => provider, budgetTokens: 50, keepTurns: 1, summaryModelId: 'm', maxSessionBytes: 10_000 });
    const history = (s: string) => Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `${s} turn ${i} ${'w '.repeat(40)}` }) as const);
    for (const s of ['s1', 's2', 's3']) await trimmer.summarize(trimmer.plan(history(s) as never, s));
    expect(calls).toBe(3);
    // Each summary is ~4 KB: only the last two sessions fit in 10 KB, so s1 must be summarized again.
    // (A known summary is what a new plan builds on: `previous`.)
    expect(trimmer.plan(history('s3') as never, 's3').pending?.previous).toMatch(/^summary 3/);
    expect(trimmer.plan(history('s1') as never, 's1').pending?.previous).toBeNull();
  });
});
