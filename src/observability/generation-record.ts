/**
 * What the observers of finished generations (metrics, OpenTelemetry export) read: the parts of the
 * trace record they need, declared here so this low layer imports no feature. `traces`' TraceRecord
 * satisfies it (checked where app.ts wires the observers).
 */
export interface GenerationRecord {
  /** The stored trace's id (uuid). */
  id: string;
  createdAt?: Date | string;
  prompt?: string | null;
  promptVersion?: number | null;
  label?: string | null;
  /** The model that served (or would have). */
  modelId?: string | null;
  routedBy?: string | null;
  sessionId?: string | null;
  status: 'COMPLETED' | 'BLOCKED' | 'FAILED';
  errorCode?: string | null;
  stopReason?: string | null;
  cached?: boolean;
  /** W3C trace id of the operation (32 hex) and the caller's span id, when known. */
  otelTraceId?: string | null;
  otelParentSpanId?: string | null;
  /** The caller's sampling decision (its trace-flags); absent means sampled. */
  otelSampled?: boolean | null;
  assembledPrompt?: {
    system: Array<{ text: string } | { cachePoint: true }>;
    messages: Array<{ role: 'user' | 'assistant'; content: Array<{ text: string } | { cachePoint: true }> }>;
    inferenceConfig?: { maxTokens: number; temperature?: number; topP?: number; stopSequences?: string[] };
  } | null;
  output?: string | null;
  usage?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number } | null;
  costMicros?: number;
  costByStage?: { system: number; context: number; history: number; input: number; output: number; cacheRead: number; cacheWrite: number } | null;
  savedMicros?: number;
  latencyMs?: number | null;
  ttftMs?: number | null;
  guardrailEvents?: Array<{
    direction: 'INPUT' | 'OUTPUT';
    action: 'NONE' | 'ANONYMIZED' | 'BLOCKED';
    policy: string;
    findings: Array<{ kind: string; action: string; match?: string | null }>;
  }>;
  spans?: Array<{ name: string; startedAt: Date | string; durationMs: number; attributes?: Record<string, unknown> | null }>;
}

/** The span of a pipeline step by name (the first one), or undefined. */
export function stepSpan(r: GenerationRecord, name: string): NonNullable<GenerationRecord['spans']>[number] | undefined {
  return r.spans?.find((s) => s.name === name);
}

/** The model the request was routed to before fallbacks and downgrades (the served one otherwise). */
export function requestedModel(r: GenerationRecord): string | null {
  const routed = stepSpan(r, 'routing')?.attributes?.modelId;
  return typeof routed === 'string' ? routed : (r.modelId ?? null);
}

/** Failed model attempts of the model_call step: `{ modelId, error }` each. */
export function modelAttempts(r: GenerationRecord): Array<{ modelId: string; error: string }> {
  const a = stepSpan(r, 'model_call')?.attributes?.attempts;
  if (!Array.isArray(a)) return [];
  return a.filter((x): x is { modelId: string; error: string } => typeof x?.modelId === 'string' && typeof x?.error === 'string');
}
