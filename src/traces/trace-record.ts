import { z } from 'zod';
import { GuardrailDirection } from '../core/guardrail-direction';

/**
 * The one shape of a trace: these zod schemas are the source. The pipeline hands a `TraceRecord`
 * (the schema's input) to `TraceService.writer.enqueue()`; the writer validates it off the hot path
 * and inserts the `ValidTraceRecord` (its output); the entity's JSON columns and the GraphQL types
 * are typed from the same schemas. Money is integer micro-USD.
 */

/** How a generation ended (API.md `GenerationStatus`; registered for GraphQL in `trace.types.ts`). */
export const GenerationStatus = {
  COMPLETED: 'COMPLETED',
  BLOCKED: 'BLOCKED',
  FAILED: 'FAILED',
} as const;
export type GenerationStatus = (typeof GenerationStatus)[keyof typeof GenerationStatus];

/** Where a generation came from: a client request, or a case of an eval run (told apart in traces and analytics). */
export const TraceSource = {
  PRODUCTION: 'PRODUCTION',
  EVAL: 'EVAL',
} as const;
export type TraceSource = (typeof TraceSource)[keyof typeof TraceSource];

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

/** The request as the client sent it: API.md `GenerateInput`, strict (a field the contract does not name is refused). */
export const traceRequestSchema = z.strictObject({
  prompt: z.string(),
  label: text.nullish(),
  version: z.number().int().nullish(),
  variables: jsonObject.nullish(),
  messages: z.array(z.strictObject({ role: z.string(), content: z.string() })).nullish(),
  input: text.nullish(),
  context: z.array(z.strictObject({ id: z.string(), text: z.string(), score: z.number().nullish(), source: z.string().nullish() })).nullish(),
  user: text.nullish(),
  sessionId: text.nullish(),
  maxOutputTokens: z.number().int().nullish(),
  modelId: text.nullish(),
  tags: z.array(z.string()).nullish(),
  cache: z.enum(['DEFAULT', 'BYPASS', 'REFRESH']).nullish(),
  /** Fields of a refused request that do not fit their type, kept as sent (sanitized): every request is traced. */
  invalid: jsonObject.nullish(),
});

/** The assembled prompt as sent to the model: the provider's `ConverseRequest` shape (modelId and inferenceConfig optional), strict. */
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

/** One guardrail intervention: API.md `GuardrailIntervened`, strict. */
export const guardrailEventSchema = z.strictObject({
  direction: z.enum(GuardrailDirection),
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

/** One timed pipeline step (routing, prompt_assembly, guardrail_input, cache_lookup, budget_reserve, model_call, guardrail_output, budget_settle). */
export const spanSchema = z.strictObject({
  name: z.string().min(1),
  startedAt: when.transform((d) => d.toISOString()),
  durationMs: ms,
  attributes: jsonObject.nullable().default(null),
});

/** Tokens split by the pipeline stage they came from (uncached input per stage, and output). */
export const stageTokensSchema = z.strictObject({ system: int, context: int, history: int, input: int, output: int });
/** Token usage of one generation as Bedrock reports it (`inputTokens` excludes cached tokens). */
export const usageSchema = z.strictObject({ inputTokens: int, outputTokens: int, cacheReadTokens: int, cacheWriteTokens: int, byStage: stageTokensSchema });
/** Cost per stage in integer micro-USD; the seven stages add up to the trace's `costMicros`. */
export const stageCostSchema = z.strictObject({
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
    prompt: text.nullable().default(null),
    promptVersion: z.number().int().nullable().default(null),
    label: text.nullable().default(null),
    modelId: text.nullable().default(null),
    routedBy: text.nullable().default(null),
    routeRule: text.nullish(),
    user: text.nullable().default(null),
    sessionId: text.nullable().default(null),
    apiKey: text.nullable().default(null),
    tags: z.array(z.string()).default([]),
    source: z.enum(TraceSource).default('PRODUCTION'),
    evalRunId: z.uuid().nullable().default(null),
    status: z.enum(GenerationStatus),
    errorCode: text.nullable().default(null),
    stopReason: text.nullable().default(null),
    cached: z.boolean().default(false),
    request: traceRequestSchema,
    assembledPrompt: assembledPromptSchema.nullable().default(null),
    output: text.nullable().default(null),
    usage: usageSchema.nullable().default(null),
    costMicros: micros.default(0),
    costByStage: stageCostSchema.nullable().default(null),
    savedMicros: micros.default(0),
    latencyMs: ms.nullable().default(null),
    ttftMs: ms.nullable().default(null),
    guardrailEvents: z.array(guardrailEventSchema).default([]),
    spans: z.array(spanSchema).default([]),
    /** W3C trace id (32 hex digits) of the operation that made the generation: joins the trace with log lines and exported spans. */
    otelTraceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .nullable()
      .default(null),
    /** The caller's span id from its `traceparent` (16 hex digits); not stored, read by the span exporter. */
    otelParentSpanId: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .nullable()
      .default(null),
    /** The caller's sampling decision; not stored. */
    otelSampled: z.boolean().default(true),
  })
  .superRefine((r, ctx) => {
    if (!r.costByStage) return;
    const sum = Object.values(r.costByStage).reduce((a, b) => a + b, 0);
    if (sum !== r.costMicros) {
      ctx.addIssue({ code: 'custom', path: ['costByStage'], message: `stages add up to ${sum}, not costMicros ${r.costMicros}` });
    }
  })
  .transform((r) => {
    // Set on zod's own output object: a spread copy of this many fields costs V8 tens of µs.
    if (r.routeRule === undefined) r.routeRule = r.routedBy;
    return r as typeof r & { routeRule: string | null };
  });

/**
 * One generation, as the pipeline hands it to `TraceService.writer.enqueue()`: optional fields
 * default to null (or [], 0, false); `createdAt` defaults to the moment of `enqueue()`, `routeRule`
 * (the ROUTE_RULE dimension) to `routedBy`. An invalid record is logged and dropped, never thrown
 * back at the pipeline.
 */
export type TraceRecord = z.input<typeof traceRecordSchema>;
/** A validated record, defaults applied: what the writer inserts. */
export type ValidTraceRecord = z.output<typeof traceRecordSchema>;
export type TraceRequest = z.input<typeof traceRequestSchema>;
export type AssembledPrompt = z.input<typeof assembledPromptSchema>;
export type AssembledContentPart = AssembledPrompt['system'][number];
export type GuardrailEventRecord = z.input<typeof guardrailEventSchema>;
export type GuardrailFindingRecord = GuardrailEventRecord['findings'][number];
export type SpanRecord = z.input<typeof spanSchema>;
/** As stored in the trace's JSON columns (defaults applied; a span's `startedAt` an ISO string). */
export type StoredSpan = z.output<typeof spanSchema>;
export type StoredTraceRequest = z.output<typeof traceRequestSchema>;
export type StoredAssembledPrompt = z.output<typeof assembledPromptSchema>;
export type StoredGuardrailEvent = z.output<typeof guardrailEventSchema>;
export type StageTokensData = z.output<typeof stageTokensSchema>;
export type UsageData = z.output<typeof usageSchema>;
export type StageCostMicrosData = z.output<typeof stageCostSchema>;

/** Validates a record; returns the problem as "path: message" instead of throwing. */
export function validateTraceRecord(record: unknown): { ok: true; value: ValidTraceRecord } | { ok: false; error: string } {
  const r = traceRecordSchema.safeParse(record);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(record)';
  const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
  return { ok: false, error: `${path}: ${message}` };
}

/**
 * A record whose request does not fit the schema (a refused request: `variables: "abc"`) is kept:
 * each request field that does not fit moves, as sent, under `request.invalid`.
 */
export function repairTraceRecord(record: TraceRecord): TraceRecord {
  if (!record || typeof record !== 'object') return record;
  const request = record.request as unknown;
  const raw: Record<string, unknown> = request && typeof request === 'object' && !Array.isArray(request) ? { ...(request as Record<string, unknown>) } : { value: request };
  const fixed: Record<string, unknown> = { prompt: typeof raw.prompt === 'string' ? raw.prompt : String(raw.prompt ?? '') };
  const invalid: Record<string, unknown> = {};
  const shape = traceRequestSchema.shape as Record<string, z.ZodType>;
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'prompt' || key === 'invalid') continue;
    if (shape[key]?.safeParse(value).success) fixed[key] = value;
    else invalid[key] = value;
  }
  if (typeof raw.prompt !== 'string' && raw.prompt !== undefined) invalid.prompt = raw.prompt;
  if (Object.keys(invalid).length) fixed.invalid = invalid;
  return { ...record, request: fixed as unknown as TraceRequest };
}
