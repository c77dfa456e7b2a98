import type { AppConfig } from '../config/config';
import { renderVersion, type PromptService } from '../prompts';
import type { RoutingService } from '../routing';
import { createPolicyStreamScanner, withBedrockGuardrails, type ActivePolicy, type GuardrailService } from '../guardrails';
import type { TraceService } from '../traces';
import type { ModelRuntime } from '../providers';
import type { BudgetService } from '../budgets';
import { ResponseCache } from '../response-cache';
import { HistoryTrimmer } from './history-trimmer';
import { GenerationPipeline } from './pipeline';
import type { BudgetsPort, GenerationTrace, GuardrailsPort, ModelsPort, PromptsPort, RoutingPort, TracesPort } from './pipeline.ports';

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
 * Adapts each feature's service to the pipeline's ports and builds the pipeline with its own
 * response cache and history trimmer. A label move drops the prompt's cached answers.
 */
export function createGenerationPipeline(f: GenerationFeatures): { pipeline: GenerationPipeline; cache: ResponseCache } {
  const g = f.config.generation;
  const prompts: PromptsPort = {
    resolveVersion: (prompt, sel) => f.prompts.resolveVersion(prompt, sel),
    render: (version, variables) => renderVersion(version, variables) as ReturnType<PromptsPort['render']>,
  };
  const routing: RoutingPort = { route: (req, fallback) => f.routing.route(req, fallback) };
  const guardrails: GuardrailsPort = {
    policiesFor: (prompt, direction) => f.guardrails.policiesFor(prompt, direction),
    check: (policy, direction, text, opts) => f.guardrails.check(policy as ActivePolicy, direction, text, opts),
    streamGuard(policies) {
      const active = policies as ActivePolicy[];
      const local = createPolicyStreamScanner(active);
      return active.some((p) => p.bedrockGuardrail) ? withBedrockGuardrails(local, active, f.models.provider) : local;
    },
  };
  const budgets: BudgetsPort = {
    covering: (req) => f.budgets.coveringBudgets(req),
    reserve: (covering, amountMicros, requestId) =>
      f.budgets.reserve({ budgets: covering as Awaited<ReturnType<BudgetService['coveringBudgets']>>, amountMicros, requestId }),
    async settle(reservation, actualMicros, servedBudgetIds) {
      const r = reservation as Parameters<BudgetService['settle']>[0];
      if (!servedBudgetIds) return f.budgets.settle(r, actualMicros);
      const served = new Set(servedBudgetIds);
      await f.budgets.settle({ ...r, holds: r.holds.filter((h) => served.has(h.budgetId)) }, actualMicros);
      await f.budgets.release({ ...r, holds: r.holds.filter((h) => !served.has(h.budgetId)) });
    },
    release: (reservation) => f.budgets.release(reservation as Parameters<BudgetService['release']>[0]),
    extend: (reservation) => f.budgets.extend(reservation as Parameters<BudgetService['extend']>[0]),
  };
  const models: ModelsPort = { provider: f.models.provider, modelInfo: (id) => f.models.pricing.modelInfo(id), pricesFor: (id) => f.models.pricing.pricesFor(id) };
  const traces: TracesPort = { enqueue: (t) => f.traces.writer.enqueue(toTraceRecord(t)) };
  const cache = new ResponseCache({
    ttlMs: g.responseCacheTtlMs,
    maxEntries: g.responseCacheMaxEntries,
    similarity: g.responseCacheSimilarity,
    embed: (text) => f.models.provider.embed(text, { dimensions: 256 }),
  });
  f.prompts.onLabelMoved((prompt) => cache.invalidatePrompt(prompt));
  const history = new HistoryTrimmer({
    provider: () => f.models.provider,
    budgetTokens: g.historyTokenBudget,
    keepTurns: g.historyKeepTurns,
    summaryModelId: g.summaryModelId,
  });
  const pipeline = new GenerationPipeline({
    config: { ...g, defaultModelId: f.config.defaultModelId },
    prompts,
    routing,
    guardrails,
    budgets,
    models,
    traces,
    cache,
    history,
  });
  return { pipeline, cache };
}

/** The pipeline's trace as the traces feature stores it. */
function toTraceRecord(t: GenerationTrace): Parameters<TraceService['writer']['enqueue']>[0] {
  const c = t.costByStageMicros;
  return {
    id: t.id,
    createdAt: t.createdAt,
    prompt: t.prompt,
    promptVersion: t.promptVersion,
    label: t.label,
    modelId: t.modelId,
    routedBy: t.routedBy,
    user: t.user,
    sessionId: t.sessionId,
    apiKey: t.apiKey,
    tags: t.tags,
    status: t.status,
    errorCode: t.errorCode,
    stopReason: t.stopReason,
    cached: t.cached,
    request: t.request as unknown as Parameters<TraceService["writer"]["enqueue"]>[0]["request"],
    assembledPrompt: Object.keys(t.assembledPrompt).length ? (t.assembledPrompt as never) : null,
    output: t.output,
    usage:
      t.usage && t.stageTokens
        ? {
            inputTokens: t.usage.inputTokens,
            outputTokens: t.usage.outputTokens,
            cacheReadTokens: t.usage.cacheReadTokens,
            cacheWriteTokens: t.usage.cacheWriteTokens,
            byStage: { system: t.stageTokens.system, context: t.stageTokens.context, history: t.stageTokens.history, input: t.stageTokens.input, output: t.stageTokens.output },
          }
        : null,
    costMicros: t.costMicros,
    costByStage: c ? { system: c.system, context: c.context, history: c.history, input: c.input, output: c.output, cacheRead: c.cacheRead, cacheWrite: c.cacheWrite } : null,
    savedMicros: t.savedMicros,
    latencyMs: t.latencyMs,
    ttftMs: t.ttftMs,
    guardrailEvents: t.guardrailEvents.map((e) => ({ ...e, findings: e.findings.map((f) => ({ ...f })) })),
    spans: t.spans,
  };
}
