import type { AssemblyParts } from '../assemble';
import { need } from '../request-state';
import type { PipelineStep } from './step';

/**
 * Route (`routing`): the request's model, else the routing rules, else the version's model, else
 * the default (RoutingService.route). A summary still to be written counts at its maximum size.
 */
export const routeRequest: PipelineStep = {
  name: 'routeRequest',
  explain: true,
  async run(st, deps) {
    const { req } = st;
    const version = need(st.version, 'version');
    const parts = need(st.parts, 'parts');
    const plan = need(st.historyPlan, 'historyPlan');
    const inputTokens = need(st.counted, 'counted').inputTokens + (plan.pending ? plan.summaryTokens : 0);
    const request = { inputTokens, prompt: version.prompt, label: version.label, input: st.input ?? lastUserText(parts), messageCount: req.messages.length, tags: req.tags };
    const fallback = { promptModelId: version.modelId, defaultModelId: deps.config.defaultModelId };
    st.route = await st.spans.time('routing', async (attrs) => {
      const routed = await deps.routing.route(request, fallback);
      const r = req.modelId ? { ...routed, modelId: req.modelId, fallbackModelIds: [], rule: null, reason: `the request asked for model ${req.modelId}` } : routed;
      Object.assign(attrs, { modelId: r.modelId, rule: r.rule?.name ?? null, reason: r.reason, complexity: r.complexity, inputTokens: r.inputTokens });
      return r;
    });
  },
};

function lastUserText(parts: AssemblyParts): string {
  const all = [...parts.templateMessages, ...parts.history];
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.role === 'USER') return all[i]!.content;
  return '';
}
