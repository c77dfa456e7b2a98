import { tokensCostMicros } from '../../providers';
import type { GenerateRequest } from '../generate.inputs';
import type { TrimmedHistory } from '../history-trimmer';
import { addHistoryMicros, stageCostData, zeroCost } from '../outcome';
import type { PipelineDeps } from '../pipeline.deps';
import { need } from '../request-state';
import type { PipelineStep } from './step';

/**
 * The history summary (`history_summary`), if one must be written (shared with concurrent requests
 * of the session). What it cost is on the trace even if the request stops before the model call.
 */
export const summarizeHistory: PipelineStep = {
  name: 'summarizeHistory',
  async run(st, deps) {
    const plan = need(st.historyPlan, 'historyPlan');
    const parts = need(st.parts, 'parts');
    let trimmed: TrimmedHistory = { summary: plan.summary, kept: plan.kept, summarizedTurns: plan.summarizedTurns, reused: plan.summary !== null, summaryUsage: null, summaryModelId: null };
    if (plan.pending) {
      trimmed = await st.spans.time('history_summary', async (attrs) => {
        const t = await deps.history.summarize(plan, st.signal);
        Object.assign(attrs, { modelId: deps.config.summaryModelId, turns: t.summarizedTurns, reused: t.reused, usage: t.summaryUsage, error: t.error ?? null });
        return t;
      });
      parts.historySummary = trimmed.summary;
      parts.history = trimmed.kept;
    }
    Object.assign(st.assemblyAttrs, historyAttributes(st.req, trimmed));
    st.summaryMicros = summaryCost(deps, trimmed);
    if (st.summaryMicros) Object.assign(st.trace, { costMicros: st.summaryMicros, costByStage: stageCostData(addHistoryMicros(zeroCost(), st.summaryMicros)) });
  },
};

function summaryCost(deps: PipelineDeps, trimmed: TrimmedHistory): number {
  if (!trimmed.summaryUsage || !trimmed.summaryModelId) return 0;
  const p = deps.models.pricing.pricesFor(trimmed.summaryModelId);
  if (!p) return 0;
  const u = trimmed.summaryUsage;
  return tokensCostMicros(u.inputTokens, p.input) + tokensCostMicros(u.outputTokens, p.output);
}

function historyAttributes(req: GenerateRequest, t: TrimmedHistory): Record<string, unknown> {
  return {
    historyTurns: req.messages.length,
    historyKept: t.kept.length,
    historySummarized: t.summarizedTurns,
    ...(t.summary ? { historySummaryReused: t.reused, historySummaryModel: t.summaryModelId, historySummaryUsage: t.summaryUsage } : {}),
    ...(t.error ? { historySummaryError: t.error } : {}),
  };
}
