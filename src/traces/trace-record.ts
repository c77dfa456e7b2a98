import { z } from 'zod';
import type { GenerationStatus, StageCostMicrosData, UsageData } from './trace.types';

/** One finding of a guardrail intervention, as in API.md `GuardrailFinding`. */
export interface GuardrailFindingRecord {
  kind: 'PII' | 'TOPIC' | 'WORD' | 'PROMPT_INJECTION' | 'CONTENT';
  name: string;
  action: 'NONE' | 'ANONYMIZED' | 'BLOCKED';
  match?: string | null;
  start?: number | null;
  end?: number | null;
  score?: number | null;
  source?: string | null;
}

/** One guardrail intervention, the payload of API.md `GuardrailIntervened`. */
export interface GuardrailEventRecord {
  direction: 'INPUT' | 'OUTPUT';
  action: 'NONE' | 'ANONYMIZED' | 'BLOCKED';
  /** The policy's name. */
  policy: string;
  findings: GuardrailFindingRecord[];
}

/** One timed pipeline step. */
export interface SpanRecord {
  /** routing, prompt_assembly, guardrail_input, cache_lookup, budget_reserve, model_call, guardrail_output, budget_settle */
  name: string;
  startedAt: Date | string;
  durationMs: number;
  attributes?: Record<string, unknown> | null;
}

/** A piece of prompt content sent to the model (the provider's `ContentPart`). */
export type AssembledContentPart = { text: string } | { cachePoint: true };

/** The assembled prompt as sent to the model: the provider's `ConverseRequest` (modelId and inferenceConfig optional). */
export interface AssembledPrompt {
  modelId?: string;
  system: AssembledContentPart[];
  messages: Array<{ role: 'user' | 'assistant'; content: AssembledContentPart[] }>;
  inferenceConfig?: { maxTokens: number; temperature?: number; topP?: number; stopSequences?: string[] };
}

/** The request as the client sent it: API.md `GenerateInput` (absent fields may be omitted or null). */
export interface TraceRequest {
  prompt: string;
  label?: string | null;
  version?: number | null;
  variables?: Record<string, unknown> | null;
  messages?: Array<{ role: string; content: string }> | null;
  input?: string | null;
  context?: Array<{ id: string; text: string; score?: number | null; source?: string | null }> | null;
  user?: string | null;
  sessionId?: string | null;
  maxOutputTokens?: number | null;
  modelId?: string | null;
  tags?: string[] | null;
  cache?: 'DEFAULT' | 'BYPASS' | 'REFRESH' | null;
}

/**
 * One generation, as the pipeline hands it to `TraceService.writer.enqueue()`: plain data, numbers,
 * money in integer micro-USD. Optional fields default to null (or [], 0, false). Validated off the
 * hot path; an invalid record is logged and dropped, never thrown back at the pipeline.
 */
export interface TraceRecord {
  /** Made by the pipeline (so `GenerationStarted.traceId` is known before the write); a uuid. */
  id: string;
  /** When the request started; defaults to the moment of `enqueue()`. */
  createdAt?: Date | string;
  prompt?: string | null;
  promptVersion?: number | null;
  label?: string | null;
  modelId?: string | null;
  /** What `GenerationStarted.routedBy` said: the routing rule's name, or null when none applied. */
  routedBy?: string | null;
  /** The routing rule for the ROUTE_RULE dimension; defaults to `routedBy`. */
  routeRule?: string | null;
  user?: string | null;
  sessionId?: string | null;
  /** The NAME of the API key that made the request (never its secret). */
  apiKey?: string | null;
  tags?: string[];
  status: `${GenerationStatus}`;
  /** GenerationFailed.code when FAILED/BLOCKED: BUDGET_EXCEEDED GUARDRAIL_BLOCKED PROVIDER_ERROR ... */
  errorCode?: string | null;
  stopReason?: string | null;
  /** Answered from the response cache. */
  cached?: boolean;
  request: TraceRequest;
  /** What was sent to the model; null when the pipeline stopped before assembling it. */
  assembledPrompt?: AssembledPrompt | null;
  output?: string | null;
  /** Null when no model call happened (blocked before, failed before). */
  usage?: UsageData | null;
  /** Total cost in integer micro-USD (0 for a cache hit). */
  costMicros?: number;
  /** Cost per stage in integer micro-USD; must add up to `costMicros`. */
  costByStage?: StageCostMicrosData | null;
  /** On a cache hit: what the cached answer cost when it was generated (micro-USD), i.e. the money saved. */
  savedMicros?: number;
  latencyMs?: number | null;
  ttftMs?: number | null;
  guardrailEvents?: GuardrailEventRecord[];
  spans?: SpanRecord[];
}

const int = z.number().int().min(0).max(2_147_483_647);
const micros = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const ms = z.number().finite().min(0);
const text = z.string();
const when = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => (v instanceof Date ? v : new Date(v)));
/**
 * True for what JSON.stringify keeps as is: null, booleans, finite numbers, strings, arrays, plain (or
 * null-prototype) objects. An `undefined` object property is allowed: it is simply left out.
 */
function isJson(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
    return Object.values(v).every((x) => x === undefined || isJson(x, depth + 1));
  }
  return false;
}
const jsonObject = z.record(z.string(), z.unknown()).refine((v) => isJson(v), 'must be plain JSON');

const contentPart = z.union([z.strictObject({ text: z.string() }), z.strictObject({ cachePoint: z.literal(true) })]);

/** API.md `GenerateInput`, strict: a field the contract does not name is refused. */
export const traceRequestSchema = z.strictObject({
  prompt: z.string(),
  label: text.nullish(),
  version: z.number().int().nullish(),
  variables: jsonObject.nullish(),
  messages: z.array(z.strictObject({ role: z.string(), content: z.string() })).nullish(),
  input: text.nullish(),
  context: z
    .array(z.strictObject({ id: z.string(), text: z.string(), score: z.number().nullish(), source: z.string().nullish() }))
    .nullish(),
  user: text.nullish(),
  sessionId: text.nullish(),
  maxOutputTokens: z.number().int().nullish(),
  modelId: text.nullish(),
  tags: z.array(z.string()).nullish(),
  cache: z.enum(['DEFAULT', 'BYPASS', 'REFRESH']).nullish(),
});

/** The provider's `ConverseRequest` shape, strict. */
export const assembledPromptSchema = z.strictObject({
  modelId: z.string().optional(),
  system: z.array(contentPart),
  messages: z.array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.array(contentPart) })),
  inferenceConfig: z
    .strictObject({
      maxTokens: z.number().int(),
      temperature: z.number().optional(),
      topP: z.number().optional(),
      stopSequences: z.array(z.string()).optional(),
    })
    .optional(),
});

const guardrailAction = z.enum(['NONE', 'ANONYMIZED', 'BLOCKED']);

/** API.md `GuardrailIntervened`, strict. */
export const guardrailEventSchema = z.strictObject({
  direction: z.enum(['INPUT', 'OUTPUT']),
  action: guardrailAction,
  policy: z.string().min(1),
  findings: z.array(
    z.strictObject({
      kind: z.enum(['PII', 'TOPIC', 'WORD', 'PROMPT_INJECTION', 'CONTENT']),
      name: z.string(),
      action: guardrailAction,
      match: z.string().nullish(),
      start: z.number().int().nullish(),
      end: z.number().int().nullish(),
      score: z.number().nullish(),
      source: z.string().nullish(),
    }),
  ),
});

export const spanSchema = z.strictObject({
  name: z.string().min(1),
  startedAt: when.transform((d) => d.toISOString()),
  durationMs: ms,
  attributes: jsonObject.nullish().transform((v) => v ?? null),
});

const stageTokens = z.strictObject({ system: int, context: int, history: int, input: int, output: int });
const usage = z.strictObject({ inputTokens: int, outputTokens: int, cacheReadTokens: int, cacheWriteTokens: int, byStage: stageTokens });
const stageCost = z.strictObject({
  system: micros,
  context: micros,
  history: micros,
  input: micros,
  output: micros,
  cacheRead: micros,
  cacheWrite: micros,
});

/** The whole record, with defaults filled in; strict at every level. */
export const traceRecordSchema = z
  .strictObject({
    id: z.uuid(),
    createdAt: when.optional(),
    prompt: text.nullish().transform((v) => v ?? null),
    promptVersion: z.number().int().nullish().transform((v) => v ?? null),
    label: text.nullish().transform((v) => v ?? null),
    modelId: text.nullish().transform((v) => v ?? null),
    routedBy: text.nullish().transform((v) => v ?? null),
    routeRule: text.nullish(),
    user: text.nullish().transform((v) => v ?? null),
    sessionId: text.nullish().transform((v) => v ?? null),
    apiKey: text.nullish().transform((v) => v ?? null),
    tags: z.array(z.string()).default([]),
    status: z.enum(['COMPLETED', 'BLOCKED', 'FAILED']),
    errorCode: text.nullish().transform((v) => v ?? null),
    stopReason: text.nullish().transform((v) => v ?? null),
    cached: z.boolean().default(false),
    request: traceRequestSchema,
    assembledPrompt: assembledPromptSchema.nullish().transform((v) => v ?? null),
    output: text.nullish().transform((v) => v ?? null),
    usage: usage.nullish().transform((v) => v ?? null),
    costMicros: micros.default(0),
    costByStage: stageCost.nullish().transform((v) => v ?? null),
    savedMicros: micros.default(0),
    latencyMs: ms.nullish().transform((v) => v ?? null),
    ttftMs: ms.nullish().transform((v) => v ?? null),
    guardrailEvents: z.array(guardrailEventSchema).default([]),
    spans: z.array(spanSchema).default([]),
  })
  .superRefine((r, ctx) => {
    if (!r.costByStage) return;
    const sum = Object.values(r.costByStage).reduce((a, b) => a + b, 0);
    if (sum !== r.costMicros) {
      ctx.addIssue({ code: 'custom', path: ['costByStage'], message: `stages add up to ${sum}, not costMicros ${r.costMicros}` });
    }
  })
  .transform((r) => ({ ...r, routeRule: r.routeRule === undefined ? r.routedBy : r.routeRule }));

/** A validated record, defaults applied: what the writer inserts. */
export type ValidTraceRecord = z.output<typeof traceRecordSchema>;

/** Validates a record; returns the problem as "path: message" instead of throwing. */
export function validateTraceRecord(record: unknown): { ok: true; value: ValidTraceRecord } | { ok: false; error: string } {
  const r = traceRecordSchema.safeParse(record);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(record)';
  const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
  return { ok: false, error: `${path}: ${message}` };
}

// Compile-time check that the documented interface and the schema agree.
type Assert<T extends true> = T;
type _TraceRecordMatchesSchema = Assert<TraceRecord extends z.input<typeof traceRecordSchema> ? true : false>;
