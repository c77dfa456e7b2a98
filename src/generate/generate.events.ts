import type { Finding } from '../guardrails';
import type { StageCostMicrosData, UsageData } from '../traces';

/** Plain event objects the pipeline yields; `__typename` picks the GraphQL union member. */

/** Usage as the traces feature defines it (API.md `Usage`). */
export type { UsageData };

/** Cost per stage in USD, the same stages as the stored integer micro-USD. */
export type StageCostData = { [K in keyof StageCostMicrosData]: number };

export interface GenerationStartedEvent {
  __typename: 'GenerationStarted';
  traceId: string;
  modelId: string;
  promptVersion: number;
  label: string | null;
  routedBy: string | null;
  cached: boolean;
}
export interface TextDeltaEvent {
  __typename: 'TextDelta';
  text: string;
  index: number;
}
export interface GuardrailIntervenedEvent {
  __typename: 'GuardrailIntervened';
  direction: 'INPUT' | 'OUTPUT';
  action: 'NONE' | 'ANONYMIZED' | 'BLOCKED';
  policy: string;
  findings: Finding[];
}
export interface GenerationCompletedEvent {
  __typename: 'GenerationCompleted';
  traceId: string;
  /** The model that served (a fallback may differ from GenerationStarted's). */
  modelId: string;
  stopReason: string;
  usage: UsageData;
  costUsd: number;
  costByStage: StageCostData;
  latencyMs: number;
  ttftMs: number | null;
  cached: boolean;
}
/** Codes: BUDGET_EXCEEDED GUARDRAIL_BLOCKED PROVIDER_ERROR BAD_USER_INPUT NOT_FOUND (and CANCELLED on the trace only). */
export interface GenerationFailedEvent {
  __typename: 'GenerationFailed';
  traceId: string | null;
  code: string;
  message: string;
}

export type GenerateEventData =
  | GenerationStartedEvent
  | TextDeltaEvent
  | GuardrailIntervenedEvent
  | GenerationCompletedEvent
  | GenerationFailedEvent;
