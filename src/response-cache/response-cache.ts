import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A stored answer, replayed on a hit. */
export interface CachedAnswer {
  text: string;
  /** The deltas as the client first saw them, replayed in the same pieces. */
  deltas: string[];
  stopReason: string;
  modelId: string;
  /** What the original generation cost (what a hit saves). */
  costMicros: number;
  traceId: string;
}

/** Where an answer may be reused: same prompt version, model, variables, history and context, same caller scope. */
export interface CacheKey {
  promptName: string;
  /** Everything but the user input, hashed: version id, model, output cap, rendered variables, history, context, scope. */
  partition: string;
  /** The user's input (normalized for the exact key; embedded for the semantic match). */
  input: string;
}

export interface CacheHit {
  answer: CachedAnswer;
  kind: 'exact' | 'semantic';
  similarity: number;
}

export interface ResponseCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** Bound on the estimated memory of all entries (answer text, replay deltas, embedding); default 64 MiB. */
  maxBytes?: number;
  /** Cosine similarity a semantic hit needs. */
  similarity: number;
  /** Embeds a user input (Titan embeddings through the provider). */
  embed(text: string): Promise<number[]>;
  now?: () => number;
}

interface Entry {
  exactKey: string;
  partition: string;
  promptName: string;
  answer: CachedAnswer;
  expiresAt: number;
  embedding: Float64Array | null;
}

/** Collapses whitespace so trivially different spellings of one request share an exact key. */
export function normalizeInput(input: string): string {
  return input.normalize('NFKC').trim().replace(/\s+/g, ' ');
}

export function hashParts(...parts: unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : JSON.stringify(p ?? null)).update('\u0000');
  return h.digest('hex');
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Rough bytes an entry holds: UTF-16 strings, the embedding's float64s, and a fixed overhead. */
export function entryBytes(e: Pick<Entry, 'answer' | 'partition' | 'promptName'> & { embeddingLength?: number }): number {
  const a = e.answer;
  let chars = a.text.length + a.stopReason.length + a.modelId.length + a.traceId.length + e.partition.length + e.promptName.length + 64 * 2;
  for (const d of a.deltas) chars += d.length + 16;
  return chars * 2 + (e.embeddingLength ?? 256) * 8 + 256;
}

/**
 * The response cache: exact (hash of the normalized request) and semantic (embedding similarity
 * of the user input among entries of the same partition). In process memory, bounded by entry count
 * and by bytes (`lru-cache`, least recently used out first), with a TTL; entries of a prompt are dropped when one of its labels moves. The semantic path costs an
 * embedding call only when the partition already holds answers.
 */
export class ResponseCache {
  private readonly byKey: LRUCache<string, Entry>;
  private readonly byPartition = new Map<string, Set<Entry>>();
  private readonly now: () => number;

  constructor(private readonly opts: ResponseCacheOptions) {
    this.now = opts.now ?? Date.now;
    this.byKey = new LRUCache<string, Entry>({
      max: Math.max(1, opts.maxEntries),
      maxSize: Math.max(1, opts.maxBytes ?? 64 * 1024 * 1024),
      // The embedding arrives after the entry is stored: its room is reserved up front (256 dimensions).
      sizeCalculation: (e) => entryBytes(e),
      // Evicted, deleted or replaced: the entry leaves its partition's semantic candidates too.
      dispose: (e) => this.unlink(e),
    });
  }

  /** Estimated bytes held (the bound is `maxBytes`). */
  get bytes(): number {
    return this.byKey.calculatedSize;
  }

  get size(): number {
    return this.byKey.size;
  }

  private exactKey(key: CacheKey): string {
    return hashParts(key.partition, normalizeInput(key.input));
  }

  async lookup(key: CacheKey): Promise<CacheHit | null> {
    if (this.opts.ttlMs <= 0) return null;
    const now = this.now();
    const exact = this.byKey.get(this.exactKey(key));
    if (exact) {
      if (exact.expiresAt > now) {
        this.touch(exact);
        return { answer: exact.answer, kind: 'exact', similarity: 1 };
      }
      this.remove(exact);
    }
    const candidates = this.byPartition.get(key.partition);
    if (!candidates?.size || !key.input.trim() || ![...candidates].some((e) => e.embedding)) return null;
    let vec: number[];
    try {
      vec = await this.opts.embed(normalizeInput(key.input));
    } catch {
      // The embedding model failing makes a semantic lookup a miss, never a failed generation.
      return null;
    }
    let best: Entry | null = null;
    let bestSim = -1;
    for (const e of [...candidates]) {
      if (e.expiresAt <= now) {
        this.remove(e);
        continue;
      }
      if (!e.embedding) continue;
      const sim = cosine(vec, e.embedding);
      if (sim > bestSim) {
        bestSim = sim;
        best = e;
      }
    }
    if (best && bestSim >= this.opts.similarity) {
      this.touch(best);
      return { answer: best.answer, kind: 'semantic', similarity: bestSim };
    }
    return null;
  }

  /**
   * Stores an answer. The exact entry is usable at once; the embedding for semantic matching is
   * computed afterwards, off the client's path, and an embedding failure only leaves the entry
   * exact-match only.
   */
  async store(key: CacheKey, answer: CachedAnswer): Promise<void> {
    if (this.opts.ttlMs <= 0) return;
    const exactKey = this.exactKey(key);
    const old = this.byKey.get(exactKey);
    if (old) this.remove(old);
    const entry: Entry = { exactKey, partition: key.partition, promptName: key.promptName, answer, expiresAt: this.now() + this.opts.ttlMs, embedding: null };
    this.byKey.set(exactKey, entry);
    // An answer larger than the whole bound is not kept at all.
    if (!this.byKey.has(exactKey)) return;
    let set = this.byPartition.get(key.partition);
    if (!set) this.byPartition.set(key.partition, (set = new Set()));
    set.add(entry);
    if (!key.input.trim()) return;
    try {
      entry.embedding = Float64Array.from(await this.opts.embed(normalizeInput(key.input)));
    } catch {
      // Exact matches still work; the entry simply takes no part in semantic matching.
    }
  }

  /** Drops every answer of a prompt (a label moved: the answers may no longer be what it serves). */
  invalidatePrompt(promptName: string): number {
    let n = 0;
    for (const e of [...this.byKey.values()]) {
      if (e.promptName === promptName) {
        this.remove(e);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.byKey.clear();
    this.byPartition.clear();
  }

  private touch(e: Entry): void {
    this.byKey.get(e.exactKey);
  }

  private remove(e: Entry): void {
    if (this.byKey.peek(e.exactKey) === e) this.byKey.delete(e.exactKey);
    else this.unlink(e);
  }

  private unlink(e: Entry): void {
    const set = this.byPartition.get(e.partition);
    set?.delete(e);
    if (set && !set.size) this.byPartition.delete(e.partition);
  }
}
