import { countTokens } from '../providers';
import type { ModelProvider, TokenUsage } from '../providers';
import type { Turn } from './assemble';
import { planHistory, transcript, turnsHash, turnsTokens } from './history';

/** The history to send, and what trimming cost. */
export interface TrimmedHistory {
  summary: string | null;
  kept: Turn[];
  /** Older turns the summary stands for. */
  summarizedTurns: number;
  /** True when a cached summary of this session was reused (no model call). */
  reused: boolean;
  /** Usage of the summarizing call, when one was made. */
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

const SUMMARY_SYSTEM =
  'You condense conversations. Summarize the conversation below in a few sentences: keep facts, names, numbers, decisions and open questions. Write only the summary.';

/**
 * History trimming: over the token budget, older turns are replaced by a summary written by a
 * cheap model. The summary is cached per session and reused while the session's history still
 * starts with the turns it covers and the rest fits, so a chat is not re-summarized every turn.
 */
export class HistoryTrimmer {
  private readonly sessions = new Map<string, SessionSummary>();

  constructor(
    private readonly deps: {
      provider: () => ModelProvider;
      budgetTokens: number;
      keepTurns: number;
      summaryModelId: string;
      maxSessions?: number;
    },
  ) {}

  async trim(history: Turn[], sessionKey: string | null, signal?: AbortSignal): Promise<TrimmedHistory> {
    const none = { summary: null, kept: history, summarizedTurns: 0, reused: false, summaryUsage: null, summaryModelId: null };
    const budget = this.deps.budgetTokens;
    if (turnsTokens(history) <= budget) return none;
    const key = sessionKey ?? `first:${turnsHash(history.slice(0, 2))}`;
    const cached = this.sessions.get(key);
    const prefixOk = cached && cached.coveredCount <= history.length && turnsHash(history.slice(0, cached.coveredCount)) === cached.coveredHash;
    if (cached && prefixOk) {
      const rest = history.slice(cached.coveredCount);
      if (countTokens(cached.summary) + turnsTokens(rest) <= budget) {
        return { summary: cached.summary, kept: rest, summarizedTurns: cached.coveredCount, reused: true, summaryUsage: null, summaryModelId: null };
      }
    }
    const plan = planHistory(history, { budgetTokens: budget, keepTurns: this.deps.keepTurns });
    if (!plan.summarized.length) return none;
    const extend = cached && prefixOk && cached.coveredCount <= plan.summarized.length;
    const newTurns = extend ? plan.summarized.slice(cached.coveredCount) : plan.summarized;
    try {
      const result = await this.deps.provider().complete(
        {
          modelId: this.deps.summaryModelId,
          system: [{ text: SUMMARY_SYSTEM }],
          messages: [{ role: 'user', content: [{ text: transcript(newTurns, extend ? cached.summary : null) }] }],
          inferenceConfig: { maxTokens: 400, temperature: 0 },
        },
        { signal },
      );
      const summary = result.text.trim();
      this.remember(key, { coveredCount: plan.summarized.length, coveredHash: turnsHash(plan.summarized), summary });
      return { summary, kept: plan.kept, summarizedTurns: plan.summarized.length, reused: false, summaryUsage: result.usage, summaryModelId: this.deps.summaryModelId };
    } catch (err) {
      // Without a summary the request still fits: older turns are dropped, and the trace says so.
      return { ...none, kept: plan.kept, summarizedTurns: 0, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private remember(key: string, s: SessionSummary): void {
    this.sessions.delete(key);
    this.sessions.set(key, s);
    const max = this.deps.maxSessions ?? 10_000;
    while (this.sessions.size > max) this.sessions.delete(this.sessions.keys().next().value as string);
  }
}
