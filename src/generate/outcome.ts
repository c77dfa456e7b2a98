import { performance } from 'node:perf_hooks';
import { AppError } from '../graphql/errors';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable';
import { maskFinding, type ActivePolicy, type PolicyFinding } from '../guardrails';
import { microsToUsd, ProviderError, type StageCostMicros, type StageTokens, type TokenUsage } from '../providers';
import { StageCost, type GuardrailEventRecord, type StageCostMicrosData, type UsageData } from '../traces';
import type { GenerationCompletedEvent, GenerationFailedEvent, GenerationFailureCode, GuardrailIntervenedEvent } from './generate.events';
import type { PipelineDeps } from './pipeline.deps';
import { Refusal, type GenerationTrace, type RequestState } from './request-state';
import type { GuardrailDirection } from '../core/guardrail-direction';

/** How a request ends: the events that close it, each writing the request's one trace. */

export function complete(st: RequestState, deps: PipelineDeps, stopReason: string, usage: TokenUsage, stage: StageTokens, cost: StageCostMicros, cached: boolean): GenerationCompletedEvent {
  const latencyMs = finishTrace(st, deps, 'COMPLETED', null);
  return {
    __typename: 'GenerationCompleted',
    traceId: st.traceId,
    modelId: st.trace.modelId ?? '',
    stopReason,
    usage: usageData(usage, stage),
    costUsd: microsToUsd(cost.total),
    costByStage: StageCost.fromMicros(cost),
    latencyMs,
    ttftMs: st.ttftMs === null ? null : round3(st.ttftMs),
    cached,
  };
}

export function finish(st: RequestState, deps: PipelineDeps, status: 'BLOCKED' | 'FAILED', code: GenerationFailureCode, message: string): GenerationFailedEvent {
  finishTrace(st, deps, status, code);
  return { __typename: 'GenerationFailed', traceId: st.traceId, code, message };
}

function finishTrace(st: RequestState, deps: PipelineDeps, status: GenerationTrace['status'], code: GenerationFailureCode | null): number {
  const latencyMs = round3(performance.now() - st.t0);
  Object.assign(st.trace, { status, errorCode: code, latencyMs, ttftMs: st.ttftMs === null ? null : round3(st.ttftMs), spans: st.spans.spans });
  deps.traces.enqueue(deps.config.traceRawPii ? st.trace : redactTrace(st.trace, st));
  return latencyMs;
}

/**
 * Anonymized means anonymized everywhere: what a guardrail anonymized or blocked is replaced by its
 * placeholder in every stored field of the trace (request, assembled prompt, output, spans), and
 * findings keep their kind, offsets and a masked form only. TRACE_RAW_PII=true keeps them in clear.
 */
function redactTrace(record: GenerationTrace, st: RequestState): GenerationTrace {
  const pv = st.protectedValues;
  return {
    ...record,
    request: pv.scrub(record.request),
    assembledPrompt: pv.scrub(record.assembledPrompt),
    output: record.output === null ? null : pv.scrubText(record.output),
    spans: pv.scrub(record.spans),
    guardrailEvents: record.guardrailEvents.map((e) => ({ ...e, findings: e.findings.map((f) => maskFinding(f, pv)) })),
  };
}

/** An error a step threw, as the GenerationFailed event it becomes; a bug is traced, then rethrown. */
export function failureOf(err: unknown, st: RequestState, deps: PipelineDeps): GenerationFailedEvent {
  if (err instanceof Refusal) return finish(st, deps, err.status, err.code, err.message);
  if (err instanceof AppError && (err.code === 'BAD_USER_INPUT' || err.code === 'NOT_FOUND')) return finish(st, deps, 'FAILED', err.code, err.message);
  if (err instanceof ProviderError) return finish(st, deps, 'FAILED', 'PROVIDER_ERROR', `${err.code}: ${err.message}`);
  // The database is down (config not cached, or the budget ledger): refused, retryable; never admitted unreserved.
  if (isDatabaseUnavailable(err) || (err instanceof AppError && err.code === 'SERVICE_UNAVAILABLE')) {
    return finish(st, deps, 'FAILED', 'SERVICE_UNAVAILABLE', `the database is unavailable; retry in ${RETRY_AFTER_SECONDS} s`);
  }
  // A bug, not an expected failure: the trace still records the request, then the error surfaces.
  finish(st, deps, 'FAILED', 'INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
  throw err;
}

/** A guardrail intervention the client is told about (and the trace records). */
export function guardEvent(
  st: RequestState,
  direction: GuardrailDirection,
  policy: ActivePolicy,
  action: 'ANONYMIZED' | 'BLOCKED',
  found: GuardrailIntervenedEvent['findings'],
): GuardrailIntervenedEvent {
  recordEvent(st, direction, policy, action, found);
  return { __typename: 'GuardrailIntervened', direction, action, policy: policy.name, findings: found.map((f) => maskFinding(f, st.protectedValues)) };
}

/** A guardrail intervention the trace records only (a retrieved chunk's). */
export function recordEvent(st: RequestState, direction: GuardrailDirection, policy: ActivePolicy, action: GuardrailEventRecord['action'], findings: GuardrailIntervenedEvent['findings']): void {
  st.protectedValues.addFindings(findings);
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

/** Usage as the trace and the GraphQL `Usage` have it: the provider's counts and the tokens per stage. */
export function usageData(u: TokenUsage, s: StageTokens): UsageData {
  return {
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cacheReadTokens: u.cacheReadTokens,
    cacheWriteTokens: u.cacheWriteTokens,
    byStage: { system: s.system, context: s.context, history: s.history, input: s.input, output: s.output },
  };
}

/** Cost per stage as the trace stores it (the seven stages, without the total). */
export function stageCostData(c: StageCostMicros): StageCostMicrosData {
  return { system: c.system, context: c.context, history: c.history, input: c.input, output: c.output, cacheRead: c.cacheRead, cacheWrite: c.cacheWrite };
}

export function zeroCost(): StageCostMicros {
  return { system: 0, context: 0, history: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
}

/** What escalating uncertain inputs to Bedrock cost belongs to the input stage. */
export function addInputMicros(cost: StageCostMicros, micros: number): StageCostMicros {
  return micros ? { ...cost, input: cost.input + micros, total: cost.total + micros } : cost;
}

/** The history summary's cost belongs to the history stage. */
export function addHistoryMicros(cost: StageCostMicros, micros: number): StageCostMicros {
  return micros ? { ...cost, history: cost.history + micros, total: cost.total + micros } : cost;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
