import { LRUCache } from 'lru-cache';
import type { CompiledPolicy } from './engine';
import type { Verdict } from './engine/guardrail-engine.types';

/** Sizes of {@link CleanChunks}. */
export interface CleanChunksOptions {
  /** Characters of chunk text remembered per policy, at most (default 2,000,000; 0 remembers nothing). */
  maxChars: number;
  /** A chunk longer than this is never remembered (default 65,536 characters). */
  maxChunkChars: number;
}

export const DEFAULT_CLEAN_CHUNKS: CleanChunksOptions = { maxChars: 2_000_000, maxChunkChars: 65_536 };

/**
 * The retrieved chunks a policy's local INPUT check found nothing in, remembered per compiled policy
 * (least recently used out first, bounded in characters). A RAG frontend sends the same documents
 * with many questions; `checkText` is pure, so a chunk it found clean under a compiled policy is
 * clean again, with the same injection score, and the check need not run. Only clean verdicts (no
 * finding at all: no PII, no word, no injection) are kept, so no text with something found in it is
 * held; a policy changed or reloaded is a new compiled object and starts empty. Escalation and
 * Bedrock's ApplyGuardrail are not remembered: they run on the remembered local verdict as before.
 */
export class CleanChunks {
  private readonly byPolicy = new WeakMap<CompiledPolicy, LRUCache<string, { score: number | undefined }>>();
  /** Chunk checks answered from memory so far. */
  hits = 0;

  constructor(readonly options: CleanChunksOptions = DEFAULT_CLEAN_CHUNKS) {}

  /** The verdict `checkText(policy, 'INPUT', text, { isContextChunk: true, … })` gave before, when it found nothing; else null. */
  verdict(policy: CompiledPolicy, text: string): Verdict | null {
    const known = this.byPolicy.get(policy)?.get(text);
    if (!known) return null;
    this.hits++;
    // A new object each time (a verdict is the caller's), shaped as checkText shapes it.
    return known.score === undefined ? { action: 'NONE', text, findings: [] } : { action: 'NONE', text, findings: [], injectionScore: known.score };
  }

  /** Remembers `verdict` (checkText's, for that chunk under that policy) when it found nothing. */
  remember(policy: CompiledPolicy, text: string, verdict: Verdict): void {
    if (verdict.action !== 'NONE' || verdict.findings.length > 0 || verdict.escalation || verdict.text !== text) return;
    if (!text.length || text.length > this.options.maxChunkChars || this.options.maxChars <= 0) return;
    let cache = this.byPolicy.get(policy);
    if (!cache) this.byPolicy.set(policy, (cache = new LRUCache({ maxSize: this.options.maxChars, sizeCalculation: (_v, key) => key.length })));
    cache.set(text, { score: verdict.injectionScore });
  }
}
