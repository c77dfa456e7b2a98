import { finish } from '../outcome';
import type { PipelineStep } from './step';

/** A client gone before the model call: nothing is reserved, called or charged. */
export const stopIfClientGone: PipelineStep = {
  name: 'stopIfClientGone',
  run(st, deps) {
    if (!st.signal?.aborted) return;
    st.trace.stopReason = 'client_disconnected';
    finish(st, deps, 'FAILED', 'CANCELLED', 'the client went away before the model call');
    st.ended = true;
  },
};
