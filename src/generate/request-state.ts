import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ConverseRequest, ModelInfo, ProviderError, StageCostMicros, StageTokens, TokenUsage } from '../providers';
import { ProtectedValues, type ActivePolicy } from '../guardrails';
import type { ResolvedPromptVersion } from '../prompts';
import type { Reservation } from '../budgets';
import type { TraceRecord, TraceRequest } from '../traces';
import type { CacheKey } from '../response-cache';
import type { RouteDecisionData, RoutingRule } from '../routing';
import type { Assembled, AssemblyParts, Chunk, Turn } from './assemble';
import type { DroppedChunk } from './context-window';
import { CacheMode, type GenerateRequest } from './generate.inputs';
import type { GenerationFailureCode } from './generate.events';
import type { HistoryDecision } from './history-trimmer';
import type { Caller } from './pipeline.deps';
import { SpanRecorder } from './spans';

/** A prompt version resolved by label or number (the prompts feature's shape, read-only). */
export type ResolvedVersion = ResolvedPromptVersion;

/** Where a request is routed, and why (`explainRoute` answers with it). */
export type RouteOutcome = RouteDecisionData<RoutingRule>;

/**
 * The trace the pipeline fills in, step by step: the traces feature's record (`TraceRecord`, whose
 * zod schema is the one source of the trace's shape) with every field present.
 */
export type GenerationTrace = Required<Omit<TraceRecord, 'routeRule'>>;

/** An expected failure: becomes a GenerationFailed event and a trace, never an exception to the client. */
export class Refusal extends Error {
  constructor(
    readonly code: Exclude<GenerationFailureCode, 'CANCELLED' | 'INTERNAL_ERROR' | 'KEY_REVOKED' | 'SERVER_SHUTDOWN' | 'UNAUTHENTICATED' | 'FORBIDDEN'>,
    message: string,
    readonly status: 'BLOCKED' | 'FAILED' = 'FAILED',
  ) {
    super(message);
  }
}

/** The model a request goes to, with its fallbacks, its assembled prompt and its output cap. */
export interface ModelTarget {
  modelId: string;
  chain: string[];
  model: ModelInfo;
  assembled: Assembled;
  maxTokens: number;
}

/** What a model call produced: the text (raw and as released to the client), usage, and how it ended. */
export interface ModelCall {
  request: ConverseRequest;
  /** The model that served last, and its assembly (a fallback's when one took over). */
  model: ModelInfo;
  assembled: Assembled;
  raw: string;
  sent: string;
  deltas: string[];
  usage: TokenUsage | null;
  stopReason: string | null;
  blocked: { policy: ActivePolicy; message: string } | null;
  failure: ProviderError | null;
  attempts: Array<{ modelId: string; error: string }>;
}

/** The real cost of a request once its model call ended. */
export interface Settlement {
  /** The usage charged (null: the call failed before producing anything). */
  charged: TokenUsage | null;
  stageTokens: StageTokens | null;
  cost: StageCostMicros;
  /** The client went away during the call. */
  cancelled: boolean;
}

/**
 * Where a request stands: the request, then what each step found, filled in step by step and
 * written as the trace at the end. A step reads what earlier steps set (`need` says which).
 */
export interface RequestState {
  readonly req: GenerateRequest;
  readonly caller: Caller;
  readonly signal: AbortSignal | undefined;
  /**
   * The caller wants the answer whole (`generateOnce`): the model is called without streaming and
   * the answer is one TextDelta, so nothing runs per delta.
   */
  readonly whole: boolean;
  readonly traceId: string;
  readonly t0: number;
  readonly spans: SpanRecorder;
  readonly trace: GenerationTrace;
  ttftMs: number | null;
  deltaIndex: number;
  /** Set by a step that ended the request (a cache hit, a client gone, the last step): no later step runs. */
  ended: boolean;
  version: ResolvedVersion | null;
  /** The input, variables, conversation history and retrieved chunks, as screened by the INPUT guardrails. */
  input: string | null;
  history: Turn[];
  variables: Record<string, string>;
  context: Chunk[];
  /** Chunks left out: by the context budget, then by the guardrails. */
  droppedContext: DroppedChunk[];
  screenedOutContext: DroppedChunk[];
  parts: AssemblyParts | null;
  historyPlan: HistoryDecision | null;
  /** The prompt counted before a model is known (routing counts these tokens). */
  counted: Assembled | null;
  /** The `prompt_assembly` span's attributes (history attributes are added once the summary is known). */
  assemblyAttrs: Record<string, unknown>;
  route: RouteOutcome | null;
  target: ModelTarget | null;
  cacheKey: CacheKey | null;
  /** What a history summary written for this request cost. */
  summaryMicros: number;
  /** What the input guardrails' escalation to Bedrock (classifier model, ApplyGuardrail) cost. */
  screeningMicros: number;
  reservation: Reservation | null;
  call: ModelCall | null;
  settlement: Settlement | null;
  /** The reservation was settled (nothing left to release on an error). */
  settled: boolean;
  /** A hold's settlement still being written after the settle step (it runs beside the last event); the run ends after it. Never rejects. */
  settling: Promise<void> | null;
  /** What guardrails anonymized or blocked: scrubbed from the trace (unless TRACE_RAW_PII) and from findings. */
  protectedValues: ProtectedValues;
}

/** What a trace records of a request before its input was validated (`traceRejected`). */
export type TracedRequest = Pick<GenerateRequest, 'prompt' | 'label' | 'user' | 'sessionId' | 'tags'>;

/** The state of a new request; its trace starts as FAILED until a step says otherwise. */
export function startRequest(req: GenerateRequest, caller: Caller, signal?: AbortSignal, whole = false): RequestState {
  // The trace starts when the operation arrived (latencyMs and ttftMs as the client waits), and what
  // the server did before the pipeline (body, parse, validation, authentication, input checks) is
  // its first span, `graphql_request`.
  const now = performance.now();
  const at = typeof caller.receivedAt === 'number' && caller.receivedAt <= now ? caller.receivedAt : null;
  const st = newState(req, { ...req }, caller, signal, whole, at ?? now);
  if (at !== null) st.spans.add('graphql_request', at, now - at);
  return st;
}

/** The state of a request refused before the pipeline ran: its trace records the raw request. */
export function startRejected(fields: TracedRequest, raw: TraceRequest, caller: Caller): RequestState {
  const req = { ...fields, version: null, variables: {}, messages: [], input: null, context: [], maxOutputTokens: null, modelId: null, cache: CacheMode.DEFAULT };
  return newState(req, raw, caller, undefined);
}

function newState(req: GenerateRequest, request: TraceRequest, caller: Caller, signal: AbortSignal | undefined, whole = false, t0 = performance.now()): RequestState {
  const traceId = randomUUID();
  return {
    req,
    caller,
    signal,
    whole,
    traceId,
    t0,
    spans: new SpanRecorder(),
    ttftMs: null,
    deltaIndex: 0,
    ended: false,
    version: null,
    input: req.input,
    history: req.messages,
    variables: { ...req.variables },
    context: req.context,
    droppedContext: [],
    screenedOutContext: [],
    parts: null,
    historyPlan: null,
    counted: null,
    assemblyAttrs: {},
    route: null,
    target: null,
    cacheKey: null,
    summaryMicros: 0,
    screeningMicros: 0,
    reservation: null,
    call: null,
    settlement: null,
    settled: false,
    settling: null,
    protectedValues: caller.protectedValues ?? new ProtectedValues(),
    trace: {
      id: traceId,
      createdAt: new Date(Date.now() - (performance.now() - t0)),
      prompt: req.prompt,
      promptVersion: null,
      label: req.label,
      modelId: null,
      routedBy: null,
      user: req.user,
      sessionId: req.sessionId,
      apiKey: caller.apiKeyName,
      tags: req.tags,
      source: caller.source ?? 'PRODUCTION',
      evalRunId: caller.evalRunId ?? null,
      status: 'FAILED',
      errorCode: null,
      stopReason: null,
      cached: false,
      request,
      assembledPrompt: null,
      output: null,
      usage: null,
      costMicros: 0,
      costByStage: null,
      savedMicros: 0,
      latencyMs: 0,
      ttftMs: null,
      guardrailEvents: [],
      spans: [],
      otelTraceId: caller.otel?.traceId ?? null,
      otelParentSpanId: caller.otel?.parentSpanId ?? null,
      otelSampled: caller.otel?.sampled ?? true,
    },
  };
}

/** What an earlier step set; a step run out of order is a bug, said by name. */
export function need<T>(value: T | null, name: string): T {
  if (value === null) throw new Error(`pipeline step order: ${name} is not set yet`);
  return value;
}
