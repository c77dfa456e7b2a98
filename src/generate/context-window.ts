import { chunkTokens, type Chunk } from './assemble';

/** Why a retrieved chunk was not sent. */
export interface DroppedChunk {
  id: string;
  source: string | null;
  reason: 'below_min_score' | 'over_token_budget' | 'prompt_injection';
  score: number | null;
  tokens?: number;
}

/**
 * Context right-sizing, pure: drops chunks scoring under `minScore`, then keeps the best chunks
 * (highest score first; unscored ones after scored ones, in the order given) whose tokens fit in
 * `maxTokens`. A chunk too large to fit is skipped, a smaller one after it may still fit.
 */
export function rightSizeContext(chunks: Chunk[], opts: { minScore: number; maxTokens: number }): { kept: Chunk[]; dropped: DroppedChunk[] } {
  const dropped: DroppedChunk[] = [];
  const eligible: Array<{ c: Chunk; i: number }> = [];
  chunks.forEach((c, i) => {
    if (c.score !== null && c.score < opts.minScore) dropped.push({ id: c.id, source: c.source, reason: 'below_min_score', score: c.score });
    else eligible.push({ c, i });
  });
  eligible.sort((a, b) => (b.c.score ?? -1) - (a.c.score ?? -1) || a.i - b.i);
  const kept: Chunk[] = [];
  let used = 0;
  for (const { c } of eligible) {
    const tokens = chunkTokens(c);
    if (used + tokens <= opts.maxTokens) {
      kept.push(c);
      used += tokens;
    } else {
      dropped.push({ id: c.id, source: c.source, reason: 'over_token_budget', score: c.score, tokens });
    }
  }
  return { kept, dropped };
}
