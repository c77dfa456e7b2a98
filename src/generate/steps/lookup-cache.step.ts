import { performance } from 'node:perf_hooks';
import type { StageTokens, TokenUsage } from '../../providers';
import { hashParts, type CachedAnswer } from '../../response-cache';
import { CacheMode } from '../generate.inputs';
import type { GenerateEventData } from '../generate.events';
import type { PipelineDeps } from '../pipeline.deps';
import { addInputMicros, complete, finish, guardEvent, outputFindings, stageCostData, usageData, zeroCost } from '../outcome';
import { need, type RequestState } from '../request-state';
import type { PipelineStep } from './step';

/**
 * Response cache (`cache_lookup`), scoped to the caller unless the prompt is shareable. A hit is
 * replayed and ends the request; the key is kept for storing the answer at the end (none with BYPASS).
 */
export const lookupCache: PipelineStep = {
  name: 'lookupCache',
  async *run(st, deps) {
    const { req } = st;
    // BYPASS neither reads nor writes the cache: no key (hashing the prompt's parts is ~60 µs for 10 chunks).
    if (req.cache === CacheMode.BYPASS) return;
    const version = need(st.version, 'version');
    const parts = need(st.parts, 'parts');
    const target = need(st.target, 'target');
    const key = {
      promptName: version.prompt,
      partition: hashParts(
        version.versionId,
        target.modelId,
        target.maxTokens,
        version.shareable ? 'shared' : `key:${st.caller.apiKeyId}|user:${req.user ?? ''}`,
        parts.system,
        parts.templateMessages,
        st.history,
        parts.context.map((c) => [c.id, c.text]),
      ),
      input: st.input ?? '',
    };
    st.cacheKey = key;
    if (req.cache !== CacheMode.DEFAULT || !key.input) return;
    const hit = await st.spans.time('cache_lookup', async (attrs) => {
      const h = await deps.cache.lookup(key);
      Object.assign(attrs, { hit: Boolean(h), kind: h?.kind ?? null, similarity: h?.similarity ?? null });
      return h;
    });
    if (!hit) return;
    yield* replay(st, deps, hit.answer);
    st.ended = true;
  },
};

/**
 * A response-cache hit: the stored answer streams in its original pieces (a whole answer as one), costs 0, traced as
 * cached. It goes through the prompt's OUTPUT policies as they are now (a policy added since the
 * answer was stored still applies).
 */
async function* replay(st: RequestState, deps: PipelineDeps, answer: CachedAnswer): AsyncGenerator<GenerateEventData> {
  const version = need(st.version, 'version');
  const assembled = need(st.counted, 'counted');
  const modelId = need(st.target, 'target').modelId;
  st.trace.cached = true;
  st.trace.savedMicros = answer.costMicros;
  st.trace.modelId = modelId;
  st.trace.stopReason = answer.stopReason;
  st.trace.assembledPrompt = { modelId, system: assembled.system, messages: assembled.messages };
  const zeroUsage: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const stage: StageTokens = { system: 0, context: 0, history: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  st.trace.usage = usageData(zeroUsage, stage);
  st.trace.costByStage = stageCostData(addInputMicros(zeroCost(), st.screeningMicros));
  st.trace.costMicros = st.screeningMicros;
  yield { __typename: 'GenerationStarted', traceId: st.traceId, modelId, promptVersion: version.number, label: version.label, routedBy: st.trace.routedBy, cached: true };
  const policies = await deps.guardrails.policiesFor(version.prompt, 'OUTPUT');
  // A whole answer (generateOnce) replays as one text, screened once (GuardrailService.screenOutput).
  const guard = policies.length && !st.whole ? deps.guardrails.createOutputScanner(policies) : null;
  const deltas = st.whole ? [answer.deltas.join('')] : answer.deltas;
  let sent = '';
  const emit = (text: string): GenerateEventData | null => {
    if (!text) return null;
    if (st.ttftMs === null) st.ttftMs = performance.now() - st.t0;
    sent += text;
    return { __typename: 'TextDelta', text, index: st.deltaIndex++ };
  };
  // `null` stands for the end of the stream: the guard releases what it held back.
  for (const d of [...deltas, null]) {
    const step = guard ? await (d === null ? guard.end() : guard.push(d)) : policies.length && d !== null ? await deps.guardrails.screenOutput(policies, d) : { release: d ?? '', findings: [] };
    for (const e of outputFindings(st, step.findings)) yield e;
    const ev = emit(step.release);
    if (ev) yield ev;
    if ('blocked' in step && step.blocked) {
      yield guardEvent(st, 'OUTPUT', step.blocked.policy, 'BLOCKED', step.blocked.verdict.findings);
      st.trace.output = sent;
      st.trace.stopReason = 'guardrail_intervened';
      yield finish(st, deps, 'BLOCKED', 'GUARDRAIL_BLOCKED', step.blocked.policy.blockedMessage);
      return;
    }
  }
  st.trace.output = sent;
  yield complete(st, deps, answer.stopReason, zeroUsage, stage, addInputMicros(zeroCost(), st.screeningMicros), true);
}
