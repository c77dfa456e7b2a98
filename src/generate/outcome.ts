import { performance } from 'node:perf_hooks';
import { AppError } from '../graphql/errors';
import type { ActivePolicy, PolicyFinding } from '../guardrails';
import { microsToUsd, ProviderError, type StageCostMicros, type StageTokens, type TokenUsage } from '../providers';
import { StageCost, type TraceRecord } from '../traces';
import type { GenerationCompletedEvent, GenerationFailedEvent, GuardrailIntervenedEvent } from './generate.events';
import type { PipelineDeps } from './pipeline.deps';
import { Refusal, type GenerationTrace, type GuardrailEventData, type RequestState } from './request-state';

/** How a request ends: the events that close it, each writing the request's one trace. */

export function complete(st: RequestState, deps: PipelineDeps, stopReason: string, usage: TokenUsage, stage: StageTokens, cost: StageCostMicros, cached: boolean): GenerationCompletedEvent {
  const latencyMs = finishTrace(st, deps, 'COMPLETED', null);
  return {
    __typename: 'GenerationCompleted',
    traceId: st.traceId,
    modelId: st.trace.modelId ?? '',
    stopReason,
    usage: {
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cacheReadTokens: usage.cacheReadTokens,
      cacheWriteTokens: usage.cacheWriteTokens,
      byStage: { system: stage.system, context: stage.context, history: stage.history, input: stage.input, output: stage.output },
    },
    costUsd: microsToUsd(cost.total),
    costByStage: StageCost.fromMicros(cost),
    latencyMs,
    ttftMs: st.ttftMs === null ? null : round3(st.ttftMs),
    cached,
  };
}

export function finish(st: RequestState, deps: PipelineDeps, status: 'BLOCKED' | 'FAILED', code: string, message: string): GenerationFailedEvent {
  finishTrace(st, deps, status, code);
  return { __typename: 'GenerationFailed', traceId: st.traceId, code, message };
}

function finishTrace(st: RequestState, deps: PipelineDeps, status: GenerationTrace['status'], code: string | null): number {
  const latencyMs = round3(performance.now() - st.t0);
  Object.assign(st.trace, { status, errorCode: code, latencyMs, ttftMs: st.ttftMs === null ? null : round3(st.ttftMs), spans: st.spans.spans });
  deps.traces.enqueue(toTraceRecord(st.trace));
  return latencyMs;
}

/** An error a step threw, as the GenerationFailed event it becomes; a bug is traced, then rethrown. */
export function failureOf(err: unknown, st: RequestState, deps: PipelineDeps): GenerationFailedEvent {
  if (err instanceof Refusal) return finish(st, deps, err.status, err.code, err.message);
  if (err instanceof AppError && (err.code === 'BAD_USER_INPUT' || err.code === 'NOT_FOUND')) return finish(st, deps, 'FAILED', err.code, err.message);
  if (err instanceof ProviderError) return finish(st, deps, 'FAILED', 'PROVIDER_ERROR', `${err.code}: ${err.message}`);
  // A bug, not an expected failure: the trace still records the request, then the error surfaces.
  finish(st, deps, 'FAILED', 'INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
  throw err;
}

/** A guardrail intervention the client is told about (and the trace records). */
export function guardEvent(st: RequestState, direction: 'INPUT' | 'OUTPUT', policy: ActivePolicy, action: 'ANONYMIZED' | 'BLOCKED', found: GuardrailIntervenedEvent['findings']): GuardrailIntervenedEvent {
  const findings = direction === 'OUTPUT' ? redactMatches(found) : found;
  recordEvent(st, direction, policy, action, findings);
  return { __typename: 'GuardrailIntervened', direction, action, policy: policy.name, findings };
}

/** A guardrail intervention the trace records only (a retrieved chunk's). */
export function recordEvent(st: RequestState, direction: 'INPUT' | 'OUTPUT', policy: ActivePolicy, action: GuardrailEventData['action'], findings: GuardrailEventData['findings']): void {
  st.trace.guardrailEvents.push({ direction, action, policy: policy.name, findings });
}

/** Anonymizations found while streaming, one event per policy and step. */
export function outputFindings(st: RequestState, found: readonly PolicyFinding[]): GuardrailIntervenedEvent[] {
  const anonymized = found.filter((f) => f.finding.action === 'ANONYMIZED');
  if (!anonymized.length) return [];
  const byPolicy = new Map<string, { policy: ActivePolicy; findings: GuardrailIntervenedEvent['findings'] }>();
  for (const f of anonymized) {
    const e = byPolicy.get(f.policy.id) ?? { policy: f.policy, findings: [] };
    e.findings.push(f.finding);
    byPolicy.set(f.policy.id, e);
  }
  return [...byPolicy.values()].map((e) => guardEvent(st, 'OUTPUT', e.policy, 'ANONYMIZED', e.findings));
}

/**
 * What the model wrote and a policy withheld must not reach the client through the finding either:
 * an OUTPUT finding shows the placeholder (`{EMAIL}`) or nothing, never the matched text. The trace
 * keeps the same redacted finding (its offsets say where the match was).
 */
function redactMatches(findings: GuardrailIntervenedEvent['findings']): GuardrailIntervenedEvent['findings'] {
  return findings.map((f) => ({ ...f, match: f.kind === 'PII' && f.action === 'ANONYMIZED' ? `{${f.name}}` : undefined }));
}

export function zeroCost(): StageCostMicros {
  return { system: 0, context: 0, history: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
}

/** The history summary's cost belongs to the history stage. */
export function addHistoryMicros(cost: StageCostMicros, micros: number): StageCostMicros {
  return micros ? { ...cost, history: cost.history + micros, total: cost.total + micros } : cost;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The pipeline's trace as the traces feature stores it. */
function toTraceRecord(t: GenerationTrace): TraceRecord {
  const c = t.costByStageMicros;
  return {
    id: t.id,
    createdAt: t.createdAt,
    prompt: t.prompt,
    promptVersion: t.promptVersion,
    label: t.label,
    modelId: t.modelId,
    routedBy: t.routedBy,
    user: t.user,
    sessionId: t.sessionId,
    apiKey: t.apiKey,
    tags: t.tags,
    status: t.status,
    errorCode: t.errorCode,
    stopReason: t.stopReason,
    cached: t.cached,
    request: t.request as unknown as TraceRecord['request'],
    assembledPrompt: Object.keys(t.assembledPrompt).length ? (t.assembledPrompt as never) : null,
    output: t.output,
    usage:
      t.usage && t.stageTokens
        ? {
            inputTokens: t.usage.inputTokens,
            outputTokens: t.usage.outputTokens,
            cacheReadTokens: t.usage.cacheReadTokens,
            cacheWriteTokens: t.usage.cacheWriteTokens,
            byStage: { system: t.stageTokens.system, context: t.stageTokens.context, history: t.stageTokens.history, input: t.stageTokens.input, output: t.stageTokens.output },
          }
        : null,
    costMicros: t.costMicros,
    costByStage: c ? { system: c.system, context: c.context, history: c.history, input: c.input, output: c.output, cacheRead: c.cacheRead, cacheWrite: c.cacheWrite } : null,
    savedMicros: t.savedMicros,
    latencyMs: t.latencyMs,
    ttftMs: t.ttftMs,
    guardrailEvents: t.guardrailEvents.map((e) => ({ ...e, findings: e.findings.map((f) => ({ ...f })) })),
    spans: t.spans,
  };
}
