import { LRUCache } from 'lru-cache';

/**
 * Token buckets by key (a remote address, an API key id): each holds up to `burst` tokens and
 * refills at `perSecond`; `take(key)` spends one if there is one. The keys kept are bounded (the
 * least recently used bucket is forgotten first, which at worst lets a forgotten key start full
 * again), so a flood of new addresses costs bounded memory. `now` is in milliseconds.
 */
export class TokenBuckets {
  private readonly buckets: LRUCache<string, { tokens: number; at: number }>;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.buckets = new LRUCache({ max: maxKeys });
  }

  /** Spends one token of `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    if (this.burst < 1 || this.perSecond <= 0) return false;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
