import { createHash } from 'node:crypto';
import { countTokens } from '../providers';
import type { Turn } from './assemble';

/** How the history of one request is sent: an optional summary of `summarized` older turns, then `kept` verbatim. */
export interface HistoryPlan {
  /** Older turns to be covered by a summary (empty: nothing trimmed). */
  summarized: Turn[];
  kept: Turn[];
}

export function turnsTokens(turns: Turn[]): number {
  return turns.reduce((a, t) => a + countTokens(t.content) + 2, 0);
}

/** A stable hash of turns, to know whether a cached summary still covers the start of a history. */
export function turnsHash(turns: Turn[]): string {
  const h = createHash('sha256');
  for (const t of turns) h.update(t.role).update('\u0000').update(t.content).update('\u0001');
  return h.digest('hex');
}

/**
 * Decides what to trim, pure. Under the budget everything is kept. Over it, the most recent
 * `keepTurns` turns are always kept, and earlier turns are kept only while the kept part stays
 * within half the budget: cutting deeper than needed leaves room for the next turns, so the
 * summary is reused for several turns instead of being rewritten on every one.
 */
export function planHistory(history: Turn[], opts: { budgetTokens: number; keepTurns: number }): HistoryPlan {
  if (turnsTokens(history) <= opts.budgetTokens) return { summarized: [], kept: history };
  let cut = Math.max(0, history.length - opts.keepTurns);
  let keptTokens = turnsTokens(history.slice(cut));
  while (cut > 0) {
    const t = countTokens(history[cut - 1]!.content) + 2;
    if (keptTokens + t > opts.budgetTokens / 2) break;
    keptTokens += t;
    cut--;
  }
  // Start the kept part on a user turn so the summary (sent as a user turn) is followed naturally.
  while (cut > 0 && cut < history.length && history[cut]!.role !== 'USER') cut++;
  if (cut >= history.length) cut = Math.max(0, history.length - 1);
  return { summarized: history.slice(0, cut), kept: history.slice(cut) };
}

/** The transcript handed to the summarizing model. */
export function transcript(turns: Turn[], previousSummary: string | null): string {
  const lines = turns.map((t) => `${t.role === 'USER' ? 'User' : 'Assistant'}: ${t.content}`);
  return (previousSummary ? `Earlier summary: ${previousSummary}\n\n` : '') + lines.join('\n');
}
