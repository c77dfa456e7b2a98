import { ResponseCache } from '../../../src/response-cache';

/**
 * Edge cases of the response cache: the exact path must not depend on the embedding call that
 * only the semantic path needs.
 */

const answer = (text: string) => ({ text, deltas: [text], stopReason: 'end_turn', modelId: 'm', costMicros: 42, traceId: 't' });
const key = (input: string, partition = 'A') => ({ promptName: 'p', partition, input });
/** A toy embedding: letter frequencies. */
async function embed(text: string): Promise<number[]> {
  const v = new Array(26).fill(0);
  for (const ch of text.toLowerCase()) {
    const i = ch.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i]++;
  }
  return v;
}

describe('response cache edge cases', () => {
  it('an exact entry is visible as soon as store() is called, while its embedding is still being computed', async () => {
    let release!: () => void;
    const slow = (text: string) => new Promise<number[]>((r) => (release = () => void embed(text).then(r)));
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, similarity: 0.99, embed: slow });
    const storing = c.store(key('What is the refund window?'), answer('30 days'));
    // The pipeline does not await store(); the client already saw GenerationCompleted.
    const hit = await c.lookup(key('What is the refund window?'));
    expect(hit?.kind).toBe('exact');
    expect(hit?.answer.text).toBe('30 days');
    release();
    await storing;
  });

  it('a failing embedding model does not stop exact answers from being stored', async () => {
    const failing = async (): Promise<number[]> => {
      throw new Error('ThrottlingException: embeddings');
    };
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, similarity: 0.99, embed: failing });
    await c.store(key('Opening hours?'), answer('Nine to five')).catch(() => undefined);
    expect((await c.lookup(key('Opening hours?')))?.answer.text).toBe('Nine to five');
  });

  it('a failing embedding model makes a semantic lookup a miss, not an error that fails the generation', async () => {
    let fail = false;
    const flaky = async (text: string): Promise<number[]> => {
      if (fail) throw new Error('ServiceUnavailableException: embeddings');
      return embed(text);
    };
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, similarity: 0.99, embed: flaky });
    await c.store(key('Opening hours?'), answer('Nine to five'));
    fail = true;
    // Exact still hits without the embedding model.
    expect((await c.lookup(key('Opening  hours?')))?.kind).toBe('exact');
    // A new input in a partition with entries needs an embedding: its failure must read as a miss.
    await expect(c.lookup(key('When do you close?'))).resolves.toBeNull();
  });

  it('a whitespace-only input is stored without an embedding and never matches semantically', async () => {
    const calls: string[] = [];
    const c = new ResponseCache({
      ttlMs: 60_000,
      maxEntries: 10,
      similarity: 0,
      embed: async (t) => {
        calls.push(t);
        return embed(t);
      },
    });
    await c.store(key('   '), answer('blank'));
    expect(calls).toEqual([]);
    await c.store(key('hello there'), answer('hi'));
    // Similarity 0 would accept anything with an embedding; the blank entry has none.
    const other = await c.lookup(key('completely different'));
    expect(other?.answer.text).toBe('hi');
  });

  it('a TTL of 0 turns the cache off: nothing is stored, nothing is embedded', async () => {
    const calls: string[] = [];
    const c = new ResponseCache({ ttlMs: 0, maxEntries: 10, similarity: 0.9, embed: async (t) => (calls.push(t), embed(t)) });
    await c.store(key('q'), answer('a'));
    expect(c.size).toBe(0);
    expect(await c.lookup(key('q'))).toBeNull();
    expect(calls).toEqual([]);
  });

  it('an expired entry is neither an exact nor a semantic hit, and is dropped on the way', async () => {
    let now = 0;
    const c = new ResponseCache({ ttlMs: 100, maxEntries: 10, similarity: 0.9, embed, now: () => now });
    await c.store(key('what is the capital of france'), answer('Paris'));
    now = 100;
    expect(await c.lookup(key('what is the capital of france'))).toBeNull();
    expect(await c.lookup(key('the capital of france is what'))).toBeNull();
    expect(c.size).toBe(0);
  });

  it("invalidating one prompt keeps the other prompts' answers, in the same partition too", async () => {
    const c = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, similarity: 0.99, embed });
    await c.store({ promptName: 'p', partition: 'X', input: 'one' }, answer('1'));
    await c.store({ promptName: 'q', partition: 'X', input: 'two' }, answer('2'));
    expect(c.invalidatePrompt('p')).toBe(1);
    expect(await c.lookup({ promptName: 'p', partition: 'X', input: 'one' })).toBeNull();
    expect((await c.lookup({ promptName: 'q', partition: 'X', input: 'two' }))?.answer.text).toBe('2');
  });
});
