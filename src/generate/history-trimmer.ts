import { countTokens, type ModelProvider, type TokenUsage } from '../providers';
import type { Turn } from './assemble';
import { planHistory, transcript, turnsHash, turnsTokens } from './history';
import { LRUCache } from 'lru-cache';

/** The most a summary may take (its output cap); routing counts a summary still to be written as this. */
export const SUMMARY_MAX_TOKENS = 400;

/**
 * What trimming decided for one request, before any model call: the turns kept verbatim, and the
 * summary standing for the older ones, either reused from the session (`summary`) or still to be
 * written (`pending`).
 */
export interface HistoryDecision {
  kept: Turn[];
  /** Older turns the summary stands for (0: nothing trimmed). */
  summarizedTurns: number;
  /** A summary already known (reused from the session). */
  summary: string | null;
  /** A summary still to be written by `summarize()`. */
  pending: { key: string; covered: Turn[]; newTurns: Turn[]; previous: string | null } | null;
  /** Tokens the summary takes in the prompt (its estimate while pending). */
  summaryTokens: number;
}

/** The history to send, and what trimming cost. */
export interface TrimmedHistory {
  summary: string | null;
  kept: Turn[];
  summarizedTurns: number;
  /** True when a cached summary of this session was reused (no model call). */
  reused: boolean;
  /** Usage of the summarizing call, when one was made by this request. */
  summaryUsage: TokenUsage | null;
  summaryModelId: string | null;
  /** Set when summarizing failed: the older turns were dropped without a summary. */
  error?: string;
}

interface SessionSummary {
  coveredCount: number;
  coveredHash: string;
  summary: string;
}

const SUMMARY_SYSTEM = 'You condense conversations. Summarize the conversation below in a few sentences: keep facts, names, numbers, decisions and open questions. Write only the summary.';

/**
 * History trimming: over the token budget, older turns are replaced by a summary written by a
 * cheap model. The summary is cached per session and reused while the session's history still
 * starts with the turns it covers and the rest fits, so a chat is not re-summarized every turn.
 * Deciding (`plan`) is separate from writing (`summarize`) so that the pipeline can route and look
 * up the response cache before it buys a summary; concurrent requests of one session share one
 * summarizing call.
 */
export class HistoryTrimmer {
  /** Summaries by session, least recently used out first, bounded by count and by bytes. */
  private readonly sessions: LRUCache<string, SessionSummary>;
  private readonly inFlight = new Map<string, Promise<{ summary: string; usage: TokenUsage }>>();

  constructor(
    private readonly deps: {
      provider: () => ModelProvider;
      budgetTokens: number;
      keepTurns: number;
      summaryModelId: string;
      /** Default 10 000. */
      maxSessions?: number;
      /** Bound on the summaries' estimated memory; default 16 MiB. */
      maxSessionBytes?: number;
    },
  ) {
    this.sessions = new LRUCache<string, SessionSummary>({
      max: Math.max(1, deps.maxSessions ?? 10_000),
      maxSize: Math.max(1, deps.maxSessionBytes ?? 16 * 1024 * 1024),
      sizeCalculation: (s, key) => (s.summary.length + s.coveredHash.length + key.length) * 2 + 128,
    });
  }

  plan(history: Turn[], sessionKey: string | null): HistoryDecision {
    const none: HistoryDecision = { kept: history, summarizedTurns: 0, summary: null, pending: null, summaryTokens: 0 };
    const budget = this.deps.budgetTokens;
    if (turnsTokens(history) <= budget) return none;
    const key = sessionKey ?? `first:${turnsHash(history.slice(0, 2))}`;
    const cached = this.sessions.get(key);
    const prefixOk = cached && cached.coveredCount <= history.length && turnsHash(history.slice(0, cached.coveredCount)) === cached.coveredHash;
    if (cached && prefixOk) {
      const rest = history.slice(cached.coveredCount);
      const summaryTokens = countTokens(cached.summary);
      if (summaryTokens + turnsTokens(rest) <= budget) {
        return { kept: rest, summarizedTurns: cached.coveredCount, summary: cached.summary, pending: null, summaryTokens };
      }
    }
    const plan = planHistory(history, { budgetTokens: budget, keepTurns: this.deps.keepTurns });
    if (!plan.summarized.length) return none;
    const extend = cached && prefixOk && cached.coveredCount <= plan.summarized.length;
    return {
      kept: plan.kept,
      summarizedTurns: plan.summarized.length,
      summary: null,
      pending: {
        key,
        covered: plan.summarized,
        newTurns: extend ? plan.summarized.slice(cached.coveredCount) : plan.summarized,
        previous: extend ? cached.summary : null,
      },
      summaryTokens: SUMMARY_MAX_TOKENS,
    };
  }

  /** Writes the pending summary of a decision (one call per session and covered turns, shared). */
  async summarize(decision: HistoryDecision, signal?: AbortSignal): Promise<TrimmedHistory> {
    const base = { kept: decision.kept, summarizedTurns: decision.summarizedTurns, summaryModelId: null, summaryUsage: null };
    if (!decision.pending) return { ...base, summary: decision.summary, reused: decision.summary !== null };
    const { key, covered, newTurns, previous } = decision.pending;
    const coveredHash = turnsHash(covered);
    const flightKey = `${key}|${coveredHash}`;
    let flight = this.inFlight.get(flightKey);
    const mine = !flight;
    if (!flight) {
      flight = this.write(newTurns, previous, signal);
      this.inFlight.set(flightKey, flight);
      void flight.finally(() => this.inFlight.delete(flightKey)).catch(() => undefined);
    }
    try {
      const { summary, usage } = await flight;
      this.remember(key, { coveredCount: covered.length, coveredHash, summary });
      // Only the request that made the call pays for it; the others reuse its summary.
      return mine ? { ...base, summary, reused: false, summaryUsage: usage, summaryModelId: this.deps.summaryModelId } : { ...base, summary, reused: true };
    } catch (err) {
      // Without a summary the request still fits: older turns are dropped, and the trace says so.
      return { ...base, summary: null, reused: false, summarizedTurns: 0, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async write(turns: Turn[], previous: string | null, signal?: AbortSignal): Promise<{ summary: string; usage: TokenUsage }> {
    const result = await this.deps.provider().complete(
      {
        modelId: this.deps.summaryModelId,
        system: [{ text: SUMMARY_SYSTEM }],
        messages: [{ role: 'user', content: [{ text: transcript(turns, previous) }] }],
        inferenceConfig: { maxTokens: SUMMARY_MAX_TOKENS, temperature: 0 },
      },
      { signal },
    );
    return { summary: result.text.trim(), usage: result.usage };
  }

  private remember(key: string, s: SessionSummary): void {
    this.sessions.set(key, s);
  }
}
