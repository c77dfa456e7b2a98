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
    // BudgetService.settle is called synchronously here: from now on its spending reads wait for it.
    const settlement = st.spans.time('budget_settle', async (attrs) => {
      Object.assign(attrs, { actualMicros: cost.total, estimated: !usage });
      if (!reservation) return;
      try {
        await deps.budgets.settle(reservation, cost.total, served);
      } catch (err) {
        // The hold stays reserved until it expires (never an overspend); the trace says what failed.
        attrs.error = err instanceof Error ? err.message : String(err);
        throw err;
      }
    });
    if (deps.traces.durableAcks || !reservation?.holds.length) {
      // Nothing to write (no hold: no budget, or leased room closed in memory), or the last event
      // acknowledges a trace on disk (TRACE_SPOOL_FSYNC=batch) and so its settlement.
      await settlement;
    } else {
      // Off the critical path: the client gets its last event while the ledger write runs; the hold
      // counts as reserved until then, so admission stays on the safe side. The trace is written
      // once it is done (outcome.ts), and the generation is in flight until then.
      st.settling = settlement.catch(() => undefined);
    }
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
