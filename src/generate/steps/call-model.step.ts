import { performance } from 'node:perf_hooks';
import { toProviderError, type ConverseRequest, type ProviderError, type StreamEvent, type TokenUsage } from '../../providers';
import { requestForTrace } from '../assemble';
import type { GenerateEventData } from '../generate.events';
import { assembleOrFail, outputCap } from '../model-target';
import { guardEvent, outputFindings } from '../outcome';
import type { PipelineDeps } from '../pipeline.deps';
import { need, type ModelCall, type RequestState } from '../request-state';
import type { PipelineStep } from './step';

/**
 * The model call (`model_call`, `guardrail_output`): streams from the target model, falling back
 * along the chain on a retryable error before any text was produced; every delta passes the
 * prompt's OUTPUT policies (GuardrailService.createOutputScanner) before it is sent, and a block
 * stops the call. A whole answer (`generateOnce`) is screened once, after the call, by
 * GuardrailService.screenOutput. While the model streams, the budget holds are kept alive (BudgetService.extend,
 * a third of their lifetime at a time).
 */
export const callModel: PipelineStep = {
  name: 'callModel',
  async *run(st, deps) {
    const reservation = st.reservation;
    const heartbeat = reservation ? setInterval(() => void deps.budgets.extend(reservation).catch(() => undefined), Math.max(100, deps.config.budgetHoldTtlMs / 3)) : null;
    heartbeat?.unref();
    let call: ModelCall;
    try {
      call = yield* stream(st, deps);
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
    st.call = call;
    st.trace.modelId = call.request.modelId;
    st.trace.assembledPrompt = requestForTrace(call.request);
    st.trace.output = call.sent;
  },
};

/**
 * The answer of a non-streamed call as the events of a stream with one text event (no event-stream
 * frames, no per-delta work); a provider without `complete` streams.
 */
async function* wholeAnswer(deps: PipelineDeps, request: ConverseRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  const complete = deps.models.provider.complete;
  if (!complete) return yield* deps.models.provider.stream(request, { signal });
  const r = await complete.call(deps.models.provider, request, { signal });
  if (r.text) yield { type: 'text', text: r.text };
  yield { type: 'stop', stopReason: r.stopReason };
  yield { type: 'usage', usage: r.usage };
}

async function* stream(st: RequestState, deps: PipelineDeps): AsyncGenerator<GenerateEventData, ModelCall> {
  const { req, signal } = st;
  const version = need(st.version, 'version');
  const parts = need(st.parts, 'parts');
  const target = need(st.target, 'target');
  let { model, assembled } = target;
  const outPolicies = await deps.guardrails.policiesFor(version.prompt, 'OUTPUT');
  // A whole answer is screened once, whole (GuardrailService.screenOutput): no stream scanner.
  const guard = outPolicies.length && !st.whole ? deps.guardrails.createOutputScanner(outPolicies) : null;
  const screenWhole = outPolicies.length > 0 && st.whole;
  const request: ConverseRequest = {
    modelId: target.modelId,
    system: assembled.system,
    messages: assembled.messages,
    inferenceConfig: {
      maxTokens: target.maxTokens,
      ...(version.params?.temperature != null ? { temperature: version.params.temperature } : {}),
      ...(version.params?.topP != null ? { topP: version.params.topP } : {}),
      ...(version.params?.stopSequences?.length ? { stopSequences: version.params.stopSequences } : {}),
    },
  };
  const call = new AbortController();
  const onClientGone = () => call.abort();
  signal?.addEventListener('abort', onClientGone);
  if (signal?.aborted) call.abort();
  const closeModelSpan = st.spans.open('model_call', { modelId: target.modelId });
  let guardMs = 0;
  let guardStart: number | null = null;
  let raw = '';
  let sent = '';
  const deltas: string[] = [];
  let usage: TokenUsage | null = null;
  let stopReason: string | null = null;
  let blocked: ModelCall['blocked'] = null;
  let failure: ProviderError | null = null;
  const attempts: Array<{ modelId: string; error: string }> = [];
  const emit = function* (release: string): Generator<GenerateEventData> {
    if (!release) return;
    if (st.ttftMs === null) st.ttftMs = performance.now() - st.t0;
    sent += release;
    deltas.push(release);
    yield { __typename: 'TextDelta', text: release, index: st.deltaIndex++ };
  };
  try {
    for (let i = 0; i < target.chain.length && !blocked; i++) {
      request.modelId = target.chain[i]!;
      if (i > 0) {
        // The fallback gets its own cache points, output cap and context-window check.
        const next = deps.models.pricing.modelInfo(request.modelId);
        const re = next ? assembleOrFail(parts, next.promptCaching) : null;
        const room = next && re ? next.contextWindow - re.inputTokens : 0;
        if (!next || !re || room <= 0) {
          attempts.push({ modelId: request.modelId, error: next ? 'ContextWindowExceeded' : 'UnknownModel' });
          continue;
        }
        model = next;
        assembled = re;
        request.system = re.system;
        request.messages = re.messages;
        // Never above the cap the budgets reserved for.
        request.inferenceConfig.maxTokens = Math.min(room, target.maxTokens, outputCap(deps, req, version, next));
      }
      try {
        for await (const ev of st.whole ? wholeAnswer(deps, request, call.signal) : deps.models.provider.stream(request, { signal: call.signal })) {
          if (ev.type === 'stop') stopReason = ev.stopReason;
          else if (ev.type === 'usage') usage = ev.usage;
          else {
            raw += ev.text;
            if (screenWhole) continue;
            if (!guard) {
              yield* emit(ev.text);
              continue;
            }
            const g0 = performance.now();
            guardStart ??= g0;
            const step = await guard.push(ev.text);
            guardMs += performance.now() - g0;
            for (const e of outputFindings(st, step.findings)) yield e;
            yield* emit(step.release);
            if (step.blocked) {
              blocked = { policy: step.blocked.policy, message: step.blocked.policy.blockedMessage };
              yield guardEvent(st, 'OUTPUT', step.blocked.policy, 'BLOCKED', step.blocked.verdict.findings);
              call.abort();
              break;
            }
          }
        }
        if (!blocked && (guard || screenWhole)) {
          const g0 = performance.now();
          if (screenWhole) guardStart ??= g0;
          const step = guard ? await guard.end() : await deps.guardrails.screenOutput(outPolicies, raw);
          guardMs += performance.now() - g0;
          for (const e of outputFindings(st, step.findings)) yield e;
          yield* emit(step.release);
          if (step.blocked) {
            blocked = { policy: step.blocked.policy, message: step.blocked.policy.blockedMessage };
            yield guardEvent(st, 'OUTPUT', step.blocked.policy, 'BLOCKED', step.blocked.verdict.findings);
          }
        }
        failure = null;
        break;
      } catch (err) {
        if (blocked || signal?.aborted) break;
        const pe = toProviderError(err);
        failure = pe;
        attempts.push({ modelId: request.modelId, error: pe.code });
        // Once text reached the client another model cannot take over mid-answer.
        if (!pe.retryable || raw.length > 0) break;
      }
    }
  } finally {
    signal?.removeEventListener('abort', onClientGone);
    closeModelSpan({ modelId: request.modelId, attempts, stopReason, outputChars: raw.length, cachePoints: assembled.cachePoints });
    if (guardStart !== null) st.spans.add('guardrail_output', guardStart, guardMs, { policies: outPolicies.map((p) => p.name) });
  }
  return { request, model, assembled, raw, sent, deltas, usage, stopReason, blocked, failure, attempts };
}
