import type { ModelInfo, Prices } from '../providers';
import type { ModelProvider, TokenUsage } from '../providers';
import type { StageCostMicros, StageTokens } from '../providers';
import type { Finding, Verdict } from '../guardrails';
import type { Turn } from './assemble';
import type { ResolvedPromptVersion } from '../prompts';

/**
 * What the pipeline needs from the other features, as narrow ports. The composition root
 * (`app.ts`) adapts each feature's service to its port, so the pipeline can be read, and tested,
 * on its own.
 */

/** A prompt version resolved by label or number (the prompts feature's shape, read-only). */
export type ResolvedVersion = ResolvedPromptVersion;

export interface PromptsPort {
  /** Throws NotFoundError for an unknown prompt, label or version. */
  resolveVersion(prompt: string, sel: { label: string | null; version: number | null }): Promise<ResolvedVersion>;
  /** Renders `{{slots}}`; throws BadUserInputError naming `input.variables.<name>` for a missing one. */
  render(version: ResolvedVersion, variables: Record<string, string>): { system: string | null; messages: Turn[] };
}

export interface RouteRequestData {
  inputTokens: number;
  prompt: string;
  label: string | null;
  input: string;
  messageCount: number;
  tags: string[];
}

export interface RouteOutcome {
  modelId: string;
  fallbackModelIds: string[];
  /** The rule that matched (its id and name), or null. */
  rule: { id: string; name: string } | null;
  reason: string;
  inputTokens: number;
  complexity: number;
}

export interface RoutingPort {
  route(req: RouteRequestData, fallback: { promptModelId: string | null; defaultModelId: string }): Promise<RouteOutcome>;
}

/** A guardrail policy active for a request. */
export interface ActivePolicyRef {
  id: string;
  name: string;
  blockedMessage: string;
  /** What an injection found in a retrieved chunk does: drop the chunk, or block the request. */
  onContextInjection: 'DROP' | 'BLOCK';
}

/** Output screening of one stream: text safe to send, or a block. */
export interface StreamGuard {
  /** Local checks answer synchronously; a policy that also calls Bedrock's ApplyGuardrail answers with a promise. */
  push(delta: string): StreamGuardStep | Promise<StreamGuardStep>;
  end(): StreamGuardStep | Promise<StreamGuardStep>;
}
export interface StreamGuardStep {
  release: string;
  blocked?: { policy: ActivePolicyRef; verdict: Verdict };
  findings: Array<{ policy: ActivePolicyRef; finding: Finding }>;
}

export interface GuardrailsPort {
  policiesFor(prompt: string, direction: 'INPUT' | 'OUTPUT'): Promise<ActivePolicyRef[]>;
  check(policy: ActivePolicyRef, direction: 'INPUT' | 'OUTPUT', text: string, opts: { source?: string; isContextChunk?: boolean }): Promise<Verdict>;
  streamGuard(policies: ActivePolicyRef[]): StreamGuard;
}

export interface BudgetRef {
  id: string;
  name: string;
  onExceed: 'BLOCK' | 'DOWNGRADE';
  downgradeModelId: string | null;
}

export type ReserveOutcome<R> =
  | { ok: true; reservation: R }
  | { ok: false; budget: BudgetRef; remainingMicros: number; message: string };

export interface BudgetsPort<R = unknown> {
  covering(req: { prompt: string; modelId: string; apiKey: string | null; user: string | null }): Promise<BudgetRef[]>;
  reserve(budgets: BudgetRef[], amountMicros: number, requestId: string): Promise<ReserveOutcome<R>>;
  /**
   * Charges the real cost, idempotently. With `servedBudgetIds`, only those budgets' holds are
   * charged and the others released (a fallback model served: budgets scoped to models that did
   * not serve are not charged for it).
   */
  settle(reservation: R, actualMicros: number, servedBudgetIds?: string[]): Promise<void>;
  release(reservation: R): Promise<void>;
  /** Pushes the holds' expiry forward while the request is alive. */
  extend(reservation: R): Promise<void>;
}

export interface ModelsPort {
  provider: ModelProvider;
  /** Catalog entry with admin price overrides applied; undefined for an unknown model. */
  modelInfo(modelId: string): ModelInfo | undefined;
  pricesFor(modelId: string): Prices | undefined;
}

export interface SpanData {
  name: string;
  startedAt: Date;
  durationMs: number;
  attributes?: Record<string, unknown>;
}

export interface GuardrailEventData {
  direction: 'INPUT' | 'OUTPUT';
  action: 'NONE' | 'ANONYMIZED' | 'BLOCKED';
  policy: string;
  findings: Finding[];
}

/** Everything the pipeline knows about one request when it ends. */
export interface GenerationTrace {
  id: string;
  createdAt: Date;
  prompt: string | null;
  promptVersion: number | null;
  label: string | null;
  modelId: string | null;
  routedBy: string | null;
  user: string | null;
  sessionId: string | null;
  apiKey: string | null;
  tags: string[];
  status: 'COMPLETED' | 'BLOCKED' | 'FAILED';
  errorCode: string | null;
  stopReason: string | null;
  cached: boolean;
  request: Record<string, unknown>;
  assembledPrompt: Record<string, unknown>;
  output: string | null;
  usage: TokenUsage | null;
  stageTokens: StageTokens | null;
  costMicros: number;
  costByStageMicros: StageCostMicros | null;
  /** On a cache hit: what the original answer cost. */
  savedMicros: number;
  latencyMs: number;
  ttftMs: number | null;
  guardrailEvents: GuardrailEventData[];
  spans: SpanData[];
}

export interface TracesPort {
  enqueue(trace: GenerationTrace): void;
}
