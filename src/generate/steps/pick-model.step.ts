import { modelOrFail, outputCap } from '../model-target';
import { need } from '../request-state';
import type { PipelineStep } from './step';

/** The routed model and its fallbacks become the request's target; an unknown model is refused. */
export const pickModel: PipelineStep = {
  name: 'pickModel',
  run(st, deps) {
    const route = need(st.route, 'route');
    const modelId = route.modelId;
    st.trace.modelId = modelId;
    st.trace.routedBy = route.rule?.name ?? (st.req.modelId ? 'request' : null);
    const model = modelOrFail(deps, modelId, st.req);
    st.target = {
      modelId,
      chain: [modelId, ...route.fallbackModelIds.filter((m) => m !== modelId)],
      model,
      assembled: need(st.counted, 'counted'),
      maxTokens: outputCap(deps, st.req, need(st.version, 'version'), model),
    };
  },
};
