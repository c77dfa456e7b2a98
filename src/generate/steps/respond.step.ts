import { CacheMode } from '../generate.inputs';
import { complete, finish } from '../outcome';
import { serverEnded } from '../../graphql/server-ended';
import { need } from '../request-state';
import type { PipelineStep } from './step';

/**
 * The request's last event: cancelled (traced only; told to the client when the server ended it), blocked by an OUTPUT policy, failed at the
 * provider, or completed (a complete answer is stored in the response cache).
 */
export const respond: PipelineStep = {
  name: 'respond',
  async *run(st, deps) {
    st.ended = true;
    const { sent, deltas, stopReason, blocked, failure, attempts, request } = need(st.call, 'call');
    const { charged, stageTokens, cost, cancelled } = need(st.settlement, 'settlement');
    if (cancelled) {
      // Ended by the server (revoked key, shutdown): the client is still there and is told why.
      const ended = serverEnded(st.signal);
      if (ended) yield finish(st, deps, 'FAILED', ended.code, ended.message);
      else finish(st, deps, 'FAILED', 'CANCELLED', 'the client closed the subscription');
      return;
    }
    if (blocked) {
      yield finish(st, deps, 'BLOCKED', 'GUARDRAIL_BLOCKED', blocked.message);
      return;
    }
    if (failure) {
      yield finish(st, deps, 'FAILED', 'PROVIDER_ERROR', `${failure.code}: ${failure.message}` + (attempts.length > 1 ? ` (tried ${attempts.map((x) => x.modelId).join(', ')})` : ''));
      return;
    }
    const key = st.req.cache === CacheMode.BYPASS ? null : need(st.cacheKey, 'cacheKey');
    if (key && key.input && (stopReason === 'end_turn' || stopReason === 'stop_sequence')) {
      const answer = { text: sent, deltas, stopReason: stopReason ?? 'end_turn', modelId: request.modelId, costMicros: cost.total, traceId: st.traceId };
      void deps.cache.store(key, answer).catch(() => undefined);
    }
    yield complete(st, deps, stopReason ?? 'end_turn', need(charged, 'charged'), need(stageTokens, 'stageTokens'), cost, false);
  },
};
