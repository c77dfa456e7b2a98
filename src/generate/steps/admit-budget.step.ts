import { targetFor, worstCaseMicros } from '../model-target';
import { need, Refusal, type ModelTarget } from '../request-state';
import type { PipelineStep } from './step';

/**
 * Budgets (`budget_reserve`): BudgetService.admit reserves the worst case on every budget covering
 * the model and its fallbacks, all or nothing, and applies DOWNGRADE. A downgrade retargets the
 * request (its own assembly, output cap and window check); a refusal ends it.
 */
export const admitBudget: PipelineStep = {
  name: 'admitBudget',
  async run(st, deps) {
    const { req } = st;
    const version = need(st.version, 'version');
    const parts = need(st.parts, 'parts');
    const target = need(st.target, 'target');
    await st.spans.time('budget_reserve', async (attrs) => {
      const targets = new Map<string, ModelTarget>([[target.modelId, target]]);
      const costOf = (modelId: string, candidates: readonly string[]): number => {
        let t = targets.get(modelId);
        if (!t) targets.set(modelId, (t = targetFor(deps, req, version, parts, modelId)));
        return worstCaseMicros(deps, candidates, t.assembled, t.maxTokens) + st.summaryMicros + st.screeningMicros;
      };
      const admitted = await deps.budgets.admit(
        { prompt: version.prompt, modelId: target.modelId, fallbackModelIds: target.chain.slice(1), apiKey: st.caller.apiKeyName, user: req.user, requestId: st.traceId },
        costOf,
      );
      const [first] = admitted.attempts;
      const last = admitted.attempts[admitted.attempts.length - 1]!;
      Object.assign(attrs, { budgets: first!.budgets.map((b) => b.name), amountMicros: first!.amountMicros });
      const downgradedBy = admitted.attempts.length > 1 ? admitted.attempts[admitted.attempts.length - 2]!.refusal!.budget : null;
      if (downgradedBy) Object.assign(attrs, { downgradedFrom: target.modelId, downgradedTo: last.modelId, downgradeBudget: downgradedBy.name, amountMicros: last.amountMicros });
      if (!admitted.ok) throw new Refusal('BUDGET_EXCEEDED', admitted.message, 'BLOCKED');
      // No budget covers the request: nothing is held, settled or released.
      st.reservation = admitted.reservation.holds.length || admitted.reservation.leased.length ? admitted.reservation : null;
      if (downgradedBy) {
        st.trace.routedBy = `budget:${downgradedBy.name}`;
        st.trace.modelId = admitted.modelId;
        st.target = targets.get(admitted.modelId)!;
      }
    });
  },
};
