import type { GenerationConfig } from '../config/config';
import type { PromptService } from '../prompts';
import type { RoutingService } from '../routing';
import type { GuardrailService, ProtectedValues } from '../guardrails';
import type { BudgetService } from '../budgets';
import type { ModelProviderWithAll, PricingService } from '../providers';
import type { TraceRecord } from '../traces';
import type { ResponseCache } from '../response-cache';
import type { HistoryTrimmer } from './history-trimmer';

/** Who is calling: the API key (its id scopes the response cache, its name is recorded). */
export interface Caller {
  apiKeyId: string | null;
  apiKeyName: string | null;
  /** PRODUCTION (default) or EVAL: an eval run's case, told apart in traces and analytics. */
  source?: 'PRODUCTION' | 'EVAL';
  /** The eval run this generation is a case of. */
  evalRunId?: string | null;
  /** The operation's W3C trace id and the caller's span (kept on the trace, parents exported spans). */
  otel?: { traceId: string; parentSpanId: string | null; sampled: boolean } | null;
  /**
   * `performance.now()` when the operation arrived at the server: the trace's `graphql_request` span
   * covers from it to the pipeline's start (body, parse, validation, authentication, input checks).
   */
  receivedAt?: number | null;
  /**
   * Collects what the guardrails anonymized or blocked in this request, for a caller that stores
   * the result (the eval seam scrubs its result rows with it); the request makes its own when absent.
   */
  protectedValues?: ProtectedValues;
}

/**
 * What the pipeline's steps call: each feature's own service, narrowed to the methods used (so a
 * step can be tested with a plain fake). Built once, in `generate.module.ts`.
 */
export interface PipelineDeps {
  config: GenerationConfig & { defaultModelId: string };
  prompts: Pick<PromptService, 'resolveVersion'>;
  routing: Pick<RoutingService, 'route'>;
  guardrails: Pick<GuardrailService, 'policiesFor' | 'screenInput' | 'createOutputScanner' | 'screenOutput'>;
  budgets: Pick<BudgetService, 'admit' | 'coveringBudgets' | 'settle' | 'release' | 'extend'>;
  /** `complete` (a non-streamed call) serves `generateOnce` when the provider has it. */
  models: { provider: Pick<ModelProviderWithAll, 'stream'> & Partial<Pick<ModelProviderWithAll, 'complete'>>; pricing: Pick<PricingService, 'modelInfo' | 'pricesFor'> };
  /** `durable()`: resolves once the traces enqueued so far are on disk (the spool's group commit); awaited before a generation is acknowledged. */
  traces: { enqueue(record: TraceRecord): void; durable?(): Promise<void> };
  cache: Pick<ResponseCache, 'lookup' | 'store'>;
  history: Pick<HistoryTrimmer, 'plan' | 'summarize'>;
}
