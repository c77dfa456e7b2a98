import { GenerationStatus, StageCost, Usage } from '../traces';
import type { GenerateEventData, GenerationFailedEvent, GuardrailIntervenedEvent } from './generate.events';
import type { GenerateResult, GuardrailIntervened } from './generate.types';

/**
 * Runs a generation to its last event (GenerationCompleted or GenerationFailed) and folds its events
 * into one `GenerateResult`. The answer goes out at the last event: what the run does after it (the
 * budget settlement, then the trace) finishes in the background, as it does beside a stream.
 */
export async function collectResult(events: AsyncIterable<GenerateEventData>): Promise<GenerateResult> {
  const result: GenerateResult = {
    traceId: null,
    status: GenerationStatus.FAILED,
    text: '',
    modelId: null,
    promptVersion: null,
    routedBy: null,
    stopReason: null,
    usage: null,
    costUsd: null,
    costByStage: null,
    latencyMs: null,
    ttftMs: null,
    cached: false,
    guardrailEvents: [],
    error: null,
  };
  const parts: string[] = [];
  const it = events[Symbol.asyncIterator]();
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    const ev = next.value;
    switch (ev.__typename) {
      case 'GenerationStarted':
        Object.assign(result, { traceId: ev.traceId, modelId: ev.modelId, promptVersion: ev.promptVersion, routedBy: ev.routedBy, cached: ev.cached });
        break;
      case 'TextDelta':
        parts.push(ev.text);
        break;
      case 'GuardrailIntervened':
        result.guardrailEvents.push(ev as GuardrailIntervenedEvent as unknown as GuardrailIntervened);
        break;
      case 'GenerationCompleted':
        Object.assign(result, {
          traceId: ev.traceId,
          modelId: ev.modelId,
          status: GenerationStatus.COMPLETED,
          stopReason: ev.stopReason,
          usage: Usage.from(ev.usage),
          costUsd: ev.costUsd,
          costByStage: Object.assign(new StageCost(), ev.costByStage),
          latencyMs: ev.latencyMs,
          ttftMs: ev.ttftMs,
          cached: ev.cached,
        });
        break;
      case 'GenerationFailed':
        result.traceId = ev.traceId;
        result.status = ev.code === 'GUARDRAIL_BLOCKED' || ev.code === 'BUDGET_EXCEEDED' ? GenerationStatus.BLOCKED : GenerationStatus.FAILED;
        result.error = ev as GenerationFailedEvent;
        break;
    }
    if (ev.__typename === 'GenerationCompleted' || ev.__typename === 'GenerationFailed') {
      void drain(it);
      break;
    }
  }
  result.text = parts.join('');
  return result;
}

/** Runs the rest of a generation after its last event (nothing more is yielded; its errors were traced). */
async function drain(it: AsyncIterator<GenerateEventData>): Promise<void> {
  try {
    while (!(await it.next()).done);
  } catch {
    // the run traced it; the client already has its answer
  }
}
