import { Registry } from 'prom-client';
import { AuthRefusalTraces, compactRequest } from '../../../src/generate/auth-refusals';
import { TokenBuckets } from '../../../src/generate/token-buckets';
import type { AuthRefusal } from '../../../src/graphql/context';
import { ApiRole } from '../../../src/graphql/roles';

/** A clock the test moves by hand (milliseconds). */
function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const refusal = (over: Partial<AuthRefusal> = {}): AuthRefusal => ({
  field: 'Mutation.generateOnce',
  args: { input: { prompt: 'support', input: 'hello' } },
  code: 'UNAUTHENTICATED',
  message: 'a valid API key is required',
  apiKey: null,
  remoteAddress: '10.0.0.1',
  ...over,
});

describe('TokenBuckets', () => {
  it('allows a burst, then refills at the rate, per key', () => {
    const c = clock();
    const b = new TokenBuckets(2, 3, 100, c.now);
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([true, true, true, false]);
    expect(b.take('b')).toBe(true); // another key has its own bucket
    c.advance(500); // 2 per second: one token back
    expect([b.take('a'), b.take('a')]).toEqual([true, false]);
    c.advance(10_000); // never above the burst
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([true, true, true, false]);
  });

  it('keeps at most maxKeys buckets (memory stays bounded under a flood of new keys)', () => {
    const b = new TokenBuckets(1, 1, 2, clock().now);
    for (const k of ['a', 'b', 'c', 'd']) expect(b.take(k)).toBe(true);
    expect((b as unknown as { buckets: { size: number } }).buckets.size).toBe(2);
  });
});

describe('AuthRefusalTraces', () => {
  function tracer(opts: { perSecond?: number; maxPerSecond?: number }) {
    const c = clock();
    const written: Array<{ raw: unknown; caller: unknown; code: string }> = [];
    const t = new AuthRefusalTraces(
      (raw, caller, code) => {
        written.push({ raw, caller, code });
        return `trace-${written.length}`;
      },
      { ...opts, now: c.now },
    );
    const registry = new Registry();
    t.registerMetrics(registry);
    const dropped = async (limit: string) =>
      ((await registry.getMetricsAsJSON()).find((m) => m.name === 'generate_refused_traces_dropped_total')?.values as Array<{ value: number; labels: { limit?: string } }>).find(
        (v) => v.labels.limit === limit,
      )?.value ?? 0;
    return { t, c, written, dropped };
  }

  it('traces the refusal of a generation and names the trace; other operations are not traced', () => {
    const { t, written } = tracer({});
    expect(t.trace(refusal())).toBe('trace-1');
    expect(t.trace(refusal({ field: 'Subscription.generate', code: 'FORBIDDEN', apiKey: { id: 'k1', name: 'analyst', role: ApiRole.ANALYST } }))).toBe('trace-2');
    expect(t.trace(refusal({ field: 'Query.budgets' }))).toBeNull();
    expect(written.map((w) => [w.code, w.caller])).toEqual([
      ['UNAUTHENTICATED', { apiKeyId: null, apiKeyName: null }],
      ['FORBIDDEN', { apiKeyId: 'k1', apiKeyName: 'analyst' }],
    ]);
  });

  it('limits each source to a burst of 20 then its rate, counts what it drops, and keeps other sources apart', async () => {
    const { t, c, written, dropped } = tracer({ perSecond: 1, maxPerSecond: 1000 });
    for (let i = 0; i < 30; i++) t.trace(refusal());
    expect(written).toHaveLength(20);
    expect(await dropped('per_source')).toBe(10);
    // Another address, and a key (wrong role) from the same address, have buckets of their own.
    expect(t.trace(refusal({ remoteAddress: '10.0.0.2' }))).not.toBeNull();
    expect(t.trace(refusal({ code: 'FORBIDDEN', apiKey: { id: 'k1', name: 'ci', role: ApiRole.CI } }))).not.toBeNull();
    c.advance(3000);
    for (let i = 0; i < 5; i++) t.trace(refusal());
    expect(written).toHaveLength(22 + 3);
  });

  it('limits all sources together: a flood from many addresses is capped too', async () => {
    const { t, written, dropped } = tracer({ perSecond: 1, maxPerSecond: 10 });
    for (let i = 0; i < 100; i++) t.trace(refusal({ remoteAddress: `10.0.${i >> 8}.${i & 255}` }));
    expect(written).toHaveLength(20); // bursts of twice the overall rate
    expect(await dropped('overall')).toBe(80);
  });

  it('keeps of the input only the prompt name, a short sanitized prefix and its size', () => {
    const input = { prompt: 'p'.repeat(500), input: 'x'.repeat(100_000) + '\ud800' };
    const raw = compactRequest(input);
    const size = Buffer.byteLength(JSON.stringify(input));
    expect(raw.invalid).toMatchObject({ inputBytes: size });
    expect(JSON.stringify(raw).length).toBeLessThan(600);
    expect(String(raw.prompt).startsWith('p'.repeat(64))).toBe(true);
    expect(String((raw.invalid as { inputPrefix: string }).inputPrefix).startsWith('{"prompt":"ppp')).toBe(true);
    expect(compactRequest(undefined)).toEqual({ prompt: '', invalid: { inputBytes: 0, inputPrefix: '' } });
  });
});
