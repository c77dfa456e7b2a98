import type { AppConfig } from '../config/config';
import type { PromptService } from '../prompts';
import type { RoutingService } from '../routing';
import type { GuardrailService } from '../guardrails';
import type { TraceService } from '../traces';
import type { ModelRuntime } from '../providers';
import type { BudgetService } from '../budgets';
import { ResponseCache } from '../response-cache';
import { HistoryTrimmer } from './history-trimmer';
import { GenerationPipeline } from './pipeline';
import { defineFeature } from '../core/feature-module';
import { GenerateResolver } from './generate.resolver';
import { GenerationFailureCode } from './generate.events';

/** The feature services the pipeline is built from (see `app.ts`). */
export interface GenerationFeatures {
  config: AppConfig;
  prompts: PromptService;
  routing: RoutingService;
  guardrails: GuardrailService;
  budgets: BudgetService;
  models: ModelRuntime;
  traces: TraceService;
}

/**
 * Builds the pipeline over the feature services, with its own response cache and history trimmer.
 * A label move drops the prompt's cached answers.
 */
export function createGenerationPipeline(f: GenerationFeatures): GenerationPipeline {
  const g = f.config.generation;
  const cache = new ResponseCache({
    ttlMs: g.responseCacheTtlMs,
    maxEntries: g.responseCacheMaxEntries,
    maxBytes: g.responseCacheMaxBytes,
    similarity: g.responseCacheSimilarity,
    embed: (text) => f.models.provider.embed(text, { dimensions: 256 }),
  });
  f.prompts.onLabelMoved((prompt) => cache.invalidatePrompt(prompt));
  const history = new HistoryTrimmer({
    provider: () => f.models.provider,
    budgetTokens: g.historyTokenBudget,
    keepTurns: g.historyKeepTurns,
    summaryModelId: g.summaryModelId,
    maxSessionBytes: g.sessionCacheMaxBytes,
  });
  return new GenerationPipeline({
    config: { ...g, defaultModelId: f.config.defaultModelId },
    prompts: f.prompts,
    routing: f.routing,
    guardrails: f.guardrails,
    budgets: f.budgets,
    models: f.models,
    // Through TraceService.record(): the writer, then the observers (metrics, OpenTelemetry export).
    traces: { enqueue: (record) => f.traces.record(record), durable: () => f.traces.writer.durable() },
    cache,
    history,
  });
}

/** The generate pipeline: `generate`, `generateOnce` and `explainRoute`. Owns no tables. */
export const generateModule = defineFeature({
  entities: [],
  resolvers: [GenerateResolver],
  referenceEnums: [
    {
      name: 'GenerationFailureCode',
      description: 'The values of GenerationFailed.code (a String on the wire, as the API contract says) and of Trace.errorCode.',
      values: GenerationFailureCode,
    },
  ],
  create: createGenerationPipeline,
});
