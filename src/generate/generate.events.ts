import type { Finding } from '../guardrails';
import type { StageCostMicrosData, UsageData } from '../traces';
import type { GuardrailDirection } from '../core/guardrail-direction';

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
  direction: GuardrailDirection;
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
/**
 * Why a generation did not complete: `GenerationFailed.code` (a String on the wire, as API.md says;
 * the enum is in the schema for reference) and the trace's `errorCode`.
 */
export const GenerationFailureCode = {
  /** A budget covering the request has no room for its worst-case cost (and no downgrade fits). */
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
  /** A guardrail policy blocked the input or the output. */
  GUARDRAIL_BLOCKED: 'GUARDRAIL_BLOCKED',
  /** The model provider failed (after any fallbacks), or the model is not in the price catalog. */
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  /** The request is invalid (the message names the field). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The prompt, label or version does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The database is unreachable (retry later): config not cached, or a budget covers the request and its ledger cannot reserve. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** Trace only: the client went away before the generation ended. */
  CANCELLED: 'CANCELLED',
  /** The caller's API key was revoked mid-stream: the stream ends, then the socket closes with 4403. */
  KEY_REVOKED: 'KEY_REVOKED',
  /** The server is shutting down and the grace period is over: the stream ends, then the socket closes with 1001. */
  SERVER_SHUTDOWN: 'SERVER_SHUTDOWN',
  /** Trace only: a generation refused by the auth checker without a valid API key (traced compactly, rate-limited). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Trace only: a generation refused by the auth checker because the key's role may not generate. */
  FORBIDDEN: 'FORBIDDEN',
  /** Trace only: an unexpected error (the client gets INTERNAL_SERVER_ERROR). */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;
export type GenerationFailureCode = (typeof GenerationFailureCode)[keyof typeof GenerationFailureCode];

export interface GenerationFailedEvent {
  __typename: 'GenerationFailed';
  traceId: string | null;
  code: GenerationFailureCode;
  message: string;
}

export type GenerateEventData = GenerationStartedEvent | TextDeltaEvent | GuardrailIntervenedEvent | GenerationCompletedEvent | GenerationFailedEvent;
