import { ResponseCache, normalizeInput } from '../../../src/response-cache';

/** A toy embedding: letter frequencies, so near-identical texts are close and different ones are not. */
async function embed(text: string): Promise<number[]> {
  const v = new Array(26).fill(0);
  for (const ch of text.toLowerCase()) {
    const i = ch.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i]++;
  }
  return v;
}
const answer = (text: string) => ({ text, deltas: [text], stopReason: 'end_turn', modelId: 'm', costMicros: 42, traceId: 't' });

describe('response cache', () => {
  it('hits exactly on the same normalized input in the same partition, and never across partitions', async () => {
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, similarity: 0.99, embed });
    await c.store({ promptName: 'p', partition: 'A', input: 'What is   the capital of France?' }, answer('Paris'));
    expect((await c.lookup({ promptName: 'p', partition: 'A', input: ' What is the capital of France? ' }))?.kind).toBe('exact');
    expect(await c.lookup({ promptName: 'p', partition: 'B', input: 'What is the capital of France?' })).toBeNull();
    expect(normalizeInput('a \n b')).toBe('a b');
  });

  it('hits semantically above the threshold only', async () => {
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, similarity: 0.95, embed });
    await c.store({ promptName: 'p', partition: 'A', input: 'what is the capital of france' }, answer('Paris'));
    const near = await c.lookup({ promptName: 'p', partition: 'A', input: 'what  is the capital of france' });
    expect(near?.kind).toBe('exact');
    const reordered = await c.lookup({ promptName: 'p', partition: 'A', input: 'the capital of france is what' });
    expect(reordered?.kind).toBe('semantic');
    expect(reordered!.similarity).toBeGreaterThanOrEqual(0.95);
    expect(await c.lookup({ promptName: 'p', partition: 'A', input: 'zzz xyz qqq' })).toBeNull();
  });

  it('expires entries after the TTL, evicts the least recently used, and drops a prompt on invalidation', async () => {
    let now = 0;
    const c = new ResponseCache({ ttlMs: 1000, maxEntries: 2, similarity: 0.99, embed, now: () => now });
    await c.store({ promptName: 'p', partition: 'A', input: 'one' }, answer('1'));
    await c.store({ promptName: 'p', partition: 'A', input: 'two' }, answer('2'));
    await c.store({ promptName: 'q', partition: 'B', input: 'three' }, answer('3'));
    expect(c.size).toBe(2);
    expect(await c.lookup({ promptName: 'p', partition: 'A', input: 'one' })).toBeNull();
    expect(c.invalidatePrompt('q')).toBe(1);
    expect(await c.lookup({ promptName: 'q', partition: 'B', input: 'three' })).toBeNull();
    now = 5000;
    expect(await c.lookup({ promptName: 'p', partition: 'A', input: 'two' })).toBeNull();
  });
});
