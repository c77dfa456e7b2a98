import { need } from '../request-state';
import type { PipelineStep } from './step';

/** `GenerationStarted`: the request is admitted and about to call its model. */
export const announceStart: PipelineStep = {
  name: 'announceStart',
  async *run(st) {
    const version = need(st.version, 'version');
    yield {
      __typename: 'GenerationStarted',
      traceId: st.traceId,
      modelId: need(st.target, 'target').modelId,
      promptVersion: version.number,
      label: version.label,
      routedBy: st.trace.routedBy,
      cached: false,
    };
  },
};
