import { rightSizeContext as rightSize } from '../context-window';
import type { PipelineStep } from './step';

/** Retrieved chunks: those scoring too low are dropped, the rest kept best first within the token budget. */
export const rightSizeContext: PipelineStep = {
  name: 'rightSizeContext',
  explain: true,
  run(st, deps) {
    const kept = rightSize(st.req.context, { minScore: deps.config.contextMinScore, maxTokens: deps.config.contextTokenBudget });
    st.context = kept.kept;
    st.droppedContext = kept.dropped;
  },
};
