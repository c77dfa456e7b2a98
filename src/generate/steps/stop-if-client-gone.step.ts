import { serverEnded } from '../../graphql/server-ended';
import { finish } from '../outcome';
import type { PipelineStep } from './step';

/**
 * A client gone before the model call: nothing is reserved, called or charged. When the server
 * ended the request (revoked key, shutdown) the client is still there and is told why.
 */
export const stopIfClientGone: PipelineStep = {
  name: 'stopIfClientGone',
  async *run(st, deps) {
    if (!st.signal?.aborted) return;
    st.ended = true;
    const ended = serverEnded(st.signal);
    if (ended) {
      st.trace.stopReason = ended.stopReason;
      yield finish(st, deps, 'FAILED', ended.code, ended.message);
      return;
    }
    st.trace.stopReason = 'client_disconnected';
    finish(st, deps, 'FAILED', 'CANCELLED', 'the client went away before the model call');
  },
};
