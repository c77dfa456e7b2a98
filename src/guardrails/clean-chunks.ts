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
  /** Per policy, chunk text -> injection score (NaN: none), at most `maxChars` characters of text, least recently used out first. */
  private readonly byPolicy = new WeakMap<CompiledPolicy, LRUCache<string, number>>();
  /** Chunk checks answered from memory so far. */
  hits = 0;

  constructor(readonly options: CleanChunksOptions = DEFAULT_CLEAN_CHUNKS) {}

  /** The verdict `checkText(policy, 'INPUT', text, { isContextChunk: true, … })` gave before, when it found nothing; else null. */
  verdict(policy: CompiledPolicy, text: string): Verdict | null {
    const score = this.byPolicy.get(policy)?.get(text);
    if (score === undefined) return null;
    this.hits++;
    // A new object each time (a verdict is the caller's), shaped as checkText shapes it.
    return Number.isNaN(score) ? { action: 'NONE', text, findings: [] } : { action: 'NONE', text, findings: [], injectionScore: score };
  }

  /** Remembers `verdict` (checkText's, for that chunk under that policy) when it found nothing. */
  remember(policy: CompiledPolicy, text: string, verdict: Verdict): void {
    if (verdict.action !== 'NONE' || verdict.findings.length > 0 || verdict.escalation || verdict.text !== text) return;
    if (!text.length || text.length > Math.min(this.options.maxChunkChars, this.options.maxChars)) return;
    let lru = this.byPolicy.get(policy);
    if (!lru) this.byPolicy.set(policy, (lru = new LRUCache<string, number>({ maxSize: this.options.maxChars, sizeCalculation: (_score, chunk) => chunk.length })));
    lru.set(text, verdict.injectionScore ?? NaN);
  }
}
