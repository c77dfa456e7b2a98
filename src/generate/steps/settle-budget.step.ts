import { performance } from 'node:perf_hooks';
import { costByStageMicros, countTokens, type TokenUsage } from '../../providers';
import { reconcileStages } from '../assemble';
import { addHistoryMicros, addInputMicros, stageCostData, usageData, zeroCost } from '../outcome';
import { serverEnded } from '../../graphql/server-ended';
import { need } from '../request-state';
import type { PipelineStep } from './step';

/**
 * Settle (`budget_settle`): the real cost, estimated from counted tokens when the stream was cut
 * short, charged through BudgetService.settle (a fallback that served charges only the budgets
 * covering it).
 */
export const settleBudget: PipelineStep = {
  name: 'settleBudget',
  async run(st, deps) {
    const { req, caller } = st;
    const call = need(st.call, 'call');
    const version = need(st.version, 'version');
    const chain = need(st.target, 'target').chain;
    const { raw, usage, blocked, failure, assembled, model, stopReason } = call;
    const servedModel = call.request.modelId;
    const cancelled = Boolean(st.signal?.aborted) && !blocked && !usage;
    const finalUsage: TokenUsage = usage ?? { inputTokens: assembled.inputTokens, outputTokens: countTokens(raw), cacheReadTokens: 0, cacheWriteTokens: 0 };
    const charged = failure && !raw ? null : finalUsage;
    const stageTokens = charged ? reconcileStages(assembled.parts, charged) : null;
    const prices = deps.models.pricing.pricesFor(servedModel) ?? model.prices;
    const cost = addInputMicros(stageTokens ? addHistoryMicros(costByStageMicros(stageTokens, prices), st.summaryMicros) : addHistoryMicros(zeroCost(), st.summaryMicros), st.screeningMicros);
    const reservation = st.reservation;
    const served =
      reservation && chain.length > 1 ? (await deps.budgets.coveringBudgets({ prompt: version.prompt, modelId: servedModel, apiKey: caller.apiKeyName, user: req.user })).map((b) => b.id) : undefined;
    const start = performance.now();
    const attrs: Record<string, unknown> = { actualMicros: cost.total, estimated: !usage };
    if (reservation) {
      // Called synchronously: from now on this process's spending reads wait for it.
      const settlement = deps.budgets.settle(reservation, cost.total, served);
      if (reservation.holds.length) {
        // A ledger write: off the critical path. The client gets its last event (and the trace is
        // written, its fdatasync awaited as before) while the write runs; the hold counts as reserved
        // until then, so admission stays on the safe side. The run ends after it (in-flight count,
        // clean stop); BudgetService logs a failure (the hold is released when it expires).
        attrs.deferred = true;
        st.settling = settlement.catch(() => undefined);
      } else {
        // Leased room only: closed in memory.
        await settlement;
      }
    }
    st.spans.add('budget_settle', start, performance.now() - start, attrs);
    st.settled = true;
    st.settlement = { charged, stageTokens, cost, cancelled };
    Object.assign(st.trace, {
      usage: charged && stageTokens ? usageData(charged, stageTokens) : null,
      costMicros: cost.total,
      costByStage: stageCostData(cost),
      stopReason: cancelled ? (serverEnded(st.signal)?.stopReason ?? 'client_disconnected') : blocked ? 'guardrail_intervened' : stopReason,
    });
  },
};
