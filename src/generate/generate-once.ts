import { GenerationStatus, StageCost, Usage } from '../traces';
import type { GenerateEventData, GenerationFailedEvent, GuardrailIntervenedEvent } from './generate.events';
import type { GenerateResult, GuardrailIntervened } from './generate.types';

/** Runs a generation to its end and folds its events into one `GenerateResult`. */
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
  for await (const ev of events) {
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
  }
  result.text = parts.join('');
  return result;
}
