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
  if (Array.isArray(v)) {
    // As `every`: a hole is skipped.
    for (let i = 0; i < v.length; i++) if (i in v && !isJson(v[i], depth + 1)) return false;
    return true;
  }
  if (typeof v === 'object' && isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && !isJson(x, depth + 1)) return false;
    }
    return true;
  }
  return false;
}

/** An object whose prototype is Object.prototype or null (not an array, a Date, a Map, a class instance). */
function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
const jsonObject = z.record(z.string(), z.unknown()).refine((v) => isJson(v), 'must be plain JSON');

const contentPart = z.union([z.strictObject({ text: z.string() }), z.strictObject({ cachePoint: z.literal(true) })]);

const CACHE_MODES = ['DEFAULT', 'BYPASS', 'REFRESH'] as const;
const GUARDRAIL_ACTIONS = ['NONE', 'ANONYMIZED', 'BLOCKED'] as const;
const FINDING_KINDS = ['PII', 'TOPIC', 'WORD', 'PROMPT_INJECTION', 'CONTENT'] as const;
const OTEL_TRACE_ID = /^[0-9a-f]{32}$/;
const OTEL_SPAN_ID = /^[0-9a-f]{16}$/;

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
  cache: z.enum(CACHE_MODES).nullish(),
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

const guardrailAction = z.enum(GUARDRAIL_ACTIONS);

/** One guardrail intervention: API.md `GuardrailIntervened`, strict. */
export const guardrailEventSchema = z.strictObject({
  direction: z.enum(GuardrailDirection),
  action: guardrailAction,
  policy: z.string().min(1),
  findings: z.array(
    z.strictObject({
      kind: z.enum(FINDING_KINDS),
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

/** The record's fields (strict at every level); `traceRecordSchema` adds the cross-field rule and `routeRule`'s default. */
const traceRecordObject = z.strictObject({
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
  otelTraceId: z.string().regex(OTEL_TRACE_ID).nullable().default(null),
  /** The caller's span id from its `traceparent` (16 hex digits); not stored, read by the span exporter. */
  otelParentSpanId: z.string().regex(OTEL_SPAN_ID).nullable().default(null),
  /** The caller's sampling decision; not stored. */
  otelSampled: z.boolean().default(true),
});

/** The whole record, with defaults filled in; strict at every level. */
export const traceRecordSchema = traceRecordObject
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

/**
 * Validates a record; returns the problem as "path: message" instead of throwing. A record the
 * pipeline built (`checkedTraceRecord` vouches for it) skips zod's per-field work; any other goes
 * through the schema.
 */
export function validateTraceRecord(record: unknown): { ok: true; value: ValidTraceRecord } | { ok: false; error: string } {
  const checked = checkedTraceRecord(record);
  if (checked) return { ok: true, value: checked };
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

// ---------------------------------------------------------------- the schema, checked without zod

/*
 * `checkedTraceRecord` is `traceRecordSchema.parse` for the records the pipeline writes, at a
 * fraction of its cost: zod builds a result object per node of the record (a full-pipeline trace
 * has hundreds: the request's chunks, the assembled prompt, every span and its attributes) and that
 * was the largest single cost of writing a trace (~100 µs of CPU a record, more under load). It
 * accepts only what the schema accepts and returns what the schema returns (defaults applied,
 * `startedAt` as ISO strings, `routeRule` defaulted); anything it is unsure of (a date as a string,
 * an object that is not plain, a key it does not know) returns null and the schema decides, with
 * its error message. `trace-record-check.test.ts` holds it to the schema over thousands of mutated
 * records: every record it accepts, the schema accepts with an equal result.
 */

/** The marker of a failed check (never a valid value). */
const BAD: unique symbol = Symbol('bad');
type Checked<T> = T | typeof BAD;

const UUID = z.regexes.uuid();
const SOURCES = new Set<string>(Object.values(TraceSource));
const STATUSES = new Set<string>(Object.values(GenerationStatus));
const DIRECTIONS = new Set<string>(Object.values(GuardrailDirection));
const ACTIONS = new Set<string>(GUARDRAIL_ACTIONS);
const KINDS = new Set<string>(FINDING_KINDS);
const CACHE = new Set<string>(CACHE_MODES);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && isPlainObject(v);
/** Every own enumerable key is one of `keys` (a strict object's unknown key fails the schema). */
function onlyKeys(o: Record<string, unknown>, keys: ReadonlySet<string>): boolean {
  for (const k in o) if (!keys.has(k)) return false;
  return true;
}
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isTokens = (v: unknown): boolean => isInt(v) && v >= 0 && v <= 2_147_483_647;
const isMicros = (v: unknown): boolean => isInt(v) && v >= 0;
const isMs = (v: unknown): v is number => isNum(v) && v >= 0;
const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());
const isStrings = (v: unknown): v is string[] => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
};
const nullish = (v: unknown, ok: (x: unknown) => boolean): boolean => v === undefined || v === null || ok(v);
/** `.nullable().default(d)`: undefined is `d`, null is null, anything else must pass `ok`. */
function orDefault<T>(v: unknown, d: T, ok: (x: unknown) => boolean): Checked<unknown> {
  if (v === undefined) return d;
  return v === null || ok(v) ? v : BAD;
}
const isString = (v: unknown): v is string => typeof v === 'string';
/**
 * `jsonObject`: the schema's record refuses an own `__proto__` key (dropped from its output) and a
 * symbol key; such an object is left to the schema.
 */
const isJsonObject = (v: unknown): boolean => isObject(v) && !Object.prototype.hasOwnProperty.call(v, '__proto__') && Object.getOwnPropertySymbols(v).length === 0 && isJson(v);

const REQUEST_KEYS = new Set(Object.keys(traceRequestSchema.shape));
const MESSAGE_KEYS = new Set(['role', 'content']);
const CHUNK_KEYS = new Set(['id', 'text', 'score', 'source']);
function isRequest(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, REQUEST_KEYS) || typeof v.prompt !== 'string') return false;
  if (!nullish(v.label, isString) || !nullish(v.version, isInt) || !nullish(v.variables, isJsonObject) || !nullish(v.input, isString)) return false;
  if (!nullish(v.user, isString) || !nullish(v.sessionId, isString) || !nullish(v.maxOutputTokens, isInt) || !nullish(v.modelId, isString)) return false;
  if (!nullish(v.tags, isStrings) || !nullish(v.cache, (c) => typeof c === 'string' && CACHE.has(c)) || !nullish(v.invalid, isJsonObject)) return false;
  if (!nullish(v.messages, (ms) => every(ms, (m) => isObject(m) && onlyKeys(m, MESSAGE_KEYS) && typeof m.role === 'string' && typeof m.content === 'string'))) return false;
  return nullish(v.context, (cs) =>
    every(cs, (c) => isObject(c) && onlyKeys(c, CHUNK_KEYS) && typeof c.id === 'string' && typeof c.text === 'string' && nullish(c.score, isNum) && nullish(c.source, isString)),
  );
}

/** An array whose every element (holes included: the schema refuses them) passes `ok`. */
function every(v: unknown, ok: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!ok(v[i])) return false;
  return true;
}

const TEXT_KEYS = new Set(['text']);
const CACHE_POINT_KEYS = new Set(['cachePoint']);
const isContentPart = (p: unknown): boolean => isObject(p) && (typeof p.text === 'string' ? onlyKeys(p, TEXT_KEYS) : p.cachePoint === true && onlyKeys(p, CACHE_POINT_KEYS));
const ASSEMBLED_KEYS = new Set(['modelId', 'system', 'messages', 'inferenceConfig']);
const TURN_KEYS = new Set(['role', 'content']);
const INFERENCE_KEYS = new Set(['maxTokens', 'temperature', 'topP', 'stopSequences']);
function isAssembled(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, ASSEMBLED_KEYS)) return false;
  if (v.modelId !== undefined && typeof v.modelId !== 'string') return false;
  if (!every(v.system, isContentPart)) return false;
  if (!every(v.messages, (m) => isObject(m) && onlyKeys(m, TURN_KEYS) && (m.role === 'user' || m.role === 'assistant') && every(m.content, isContentPart))) return false;
  const c = v.inferenceConfig;
  if (c === undefined) return true;
  return (
    isObject(c) &&
    onlyKeys(c, INFERENCE_KEYS) &&
    isInt(c.maxTokens) &&
    (c.temperature === undefined || isNum(c.temperature)) &&
    (c.topP === undefined || isNum(c.topP)) &&
    (c.stopSequences === undefined || isStrings(c.stopSequences))
  );
}

const STAGE_KEYS = new Set(['system', 'context', 'history', 'input', 'output']);
const USAGE_KEYS = new Set(['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'byStage']);
const isUsage = (u: unknown): boolean =>
  isObject(u) &&
  onlyKeys(u, USAGE_KEYS) &&
  isTokens(u.inputTokens) &&
  isTokens(u.outputTokens) &&
  isTokens(u.cacheReadTokens) &&
  isTokens(u.cacheWriteTokens) &&
  isObject(u.byStage) &&
  onlyKeys(u.byStage, STAGE_KEYS) &&
  isTokens(u.byStage.system) &&
  isTokens(u.byStage.context) &&
  isTokens(u.byStage.history) &&
  isTokens(u.byStage.input) &&
  isTokens(u.byStage.output);
const COST_KEYS = new Set(['system', 'context', 'history', 'input', 'output', 'cacheRead', 'cacheWrite']);
const isCost = (c: unknown): boolean =>
  isObject(c) &&
  onlyKeys(c, COST_KEYS) &&
  isMicros(c.system) &&
  isMicros(c.context) &&
  isMicros(c.history) &&
  isMicros(c.input) &&
  isMicros(c.output) &&
  isMicros(c.cacheRead) &&
  isMicros(c.cacheWrite);

const EVENT_KEYS = new Set(['direction', 'action', 'policy', 'findings']);
const FINDING_KEYS = new Set(['kind', 'name', 'action', 'match', 'start', 'end', 'score', 'source']);
const isFinding = (f: unknown): boolean =>
  isObject(f) &&
  onlyKeys(f, FINDING_KEYS) &&
  typeof f.kind === 'string' &&
  KINDS.has(f.kind) &&
  typeof f.name === 'string' &&
  typeof f.action === 'string' &&
  ACTIONS.has(f.action) &&
  nullish(f.match, isString) &&
  nullish(f.start, isInt) &&
  nullish(f.end, isInt) &&
  nullish(f.score, isNum) &&
  nullish(f.source, isString);
const isEvent = (e: unknown): boolean =>
  isObject(e) &&
  onlyKeys(e, EVENT_KEYS) &&
  typeof e.direction === 'string' &&
  DIRECTIONS.has(e.direction) &&
  typeof e.action === 'string' &&
  ACTIONS.has(e.action) &&
  typeof e.policy === 'string' &&
  e.policy.length > 0 &&
  every(e.findings, isFinding);

const SPAN_KEYS = new Set(['name', 'startedAt', 'durationMs', 'attributes']);
/** The spans as stored (a new array of new span objects: `startedAt` becomes an ISO string), or BAD. */
function checkedSpans(v: unknown): Checked<StoredSpan[]> {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return BAD;
  const out: StoredSpan[] = new Array<StoredSpan>(v.length);
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (!isObject(s) || !onlyKeys(s, SPAN_KEYS) || typeof s.name !== 'string' || !s.name.length || !isDate(s.startedAt) || !isMs(s.durationMs)) return BAD;
    const a = s.attributes;
    if (a !== undefined && a !== null && !isJsonObject(a)) return BAD;
    out[i] = { name: s.name, startedAt: s.startedAt.toISOString(), durationMs: s.durationMs, attributes: (a ?? null) as Record<string, unknown> | null };
  }
  return out;
}

const RECORD_KEYS = new Set(Object.keys(traceRecordObject.shape));

/**
 * `traceRecordSchema.parse(record)` for a record it can vouch for, else null (the schema decides).
 * Nested values are the record's own (the schema would copy them; equal as stored).
 */
export function checkedTraceRecord(record: unknown): ValidTraceRecord | null {
  const r = record;
  if (!isObject(r) || !onlyKeys(r, RECORD_KEYS)) return null;
  if (typeof r.id !== 'string' || !UUID.test(r.id)) return null;
  if (r.createdAt !== undefined && !isDate(r.createdAt)) return null;
  if (typeof r.status !== 'string' || !STATUSES.has(r.status)) return null;
  if (!isRequest(r.request)) return null;
  const prompt = orDefault(r.prompt, null, isString);
  const promptVersion = orDefault(r.promptVersion, null, isInt);
  const label = orDefault(r.label, null, isString);
  const modelId = orDefault(r.modelId, null, isString);
  const routedBy = orDefault(r.routedBy, null, isString);
  const user = orDefault(r.user, null, isString);
  const sessionId = orDefault(r.sessionId, null, isString);
  const apiKey = orDefault(r.apiKey, null, isString);
  const evalRunId = orDefault(r.evalRunId, null, (v) => typeof v === 'string' && UUID.test(v));
  const errorCode = orDefault(r.errorCode, null, isString);
  const stopReason = orDefault(r.stopReason, null, isString);
  const output = orDefault(r.output, null, isString);
  const latencyMs = orDefault(r.latencyMs, null, isMs);
  const ttftMs = orDefault(r.ttftMs, null, isMs);
  const otelTraceId = orDefault(r.otelTraceId, null, (v) => typeof v === 'string' && OTEL_TRACE_ID.test(v));
  const otelParentSpanId = orDefault(r.otelParentSpanId, null, (v) => typeof v === 'string' && OTEL_SPAN_ID.test(v));
  const assembledPrompt = orDefault(r.assembledPrompt, null, isAssembled);
  const usage = orDefault(r.usage, null, isUsage);
  const costByStage = orDefault(r.costByStage, null, isCost);
  const defaults = [prompt, promptVersion, label, modelId, routedBy, user, sessionId, apiKey, evalRunId, errorCode, stopReason, output, latencyMs, ttftMs];
  if (defaults.includes(BAD) || otelTraceId === BAD || otelParentSpanId === BAD || assembledPrompt === BAD || usage === BAD || costByStage === BAD) return null;
  if (r.routeRule !== undefined && r.routeRule !== null && typeof r.routeRule !== 'string') return null;
  const tags = r.tags === undefined ? [] : isStrings(r.tags) ? r.tags : null;
  const source = r.source === undefined ? 'PRODUCTION' : typeof r.source === 'string' && SOURCES.has(r.source) ? r.source : null;
  const cached = r.cached === undefined ? false : typeof r.cached === 'boolean' ? r.cached : null;
  const otelSampled = r.otelSampled === undefined ? true : typeof r.otelSampled === 'boolean' ? r.otelSampled : null;
  const costMicros = r.costMicros === undefined ? 0 : isMicros(r.costMicros) ? (r.costMicros as number) : null;
  const savedMicros = r.savedMicros === undefined ? 0 : isMicros(r.savedMicros) ? (r.savedMicros as number) : null;
  const guardrailEvents = r.guardrailEvents === undefined ? [] : every(r.guardrailEvents, isEvent) ? r.guardrailEvents : null;
  if (tags === null || source === null || cached === null || otelSampled === null || costMicros === null || savedMicros === null || guardrailEvents === null) return null;
  const spans = checkedSpans(r.spans);
  if (spans === BAD) return null;
  if (costByStage) {
    // The schema's refinement: the stages add up to costMicros (summed in the same order).
    const sum = Object.values(costByStage as Record<string, number>).reduce((a: number, b: number) => a + b, 0);
    if (sum !== costMicros) return null;
  }
  const out = {
    id: r.id,
    prompt,
    promptVersion,
    label,
    modelId,
    routedBy,
    routeRule: r.routeRule === undefined ? routedBy : r.routeRule,
    user,
    sessionId,
    apiKey,
    tags,
    source,
    evalRunId,
    status: r.status,
    errorCode,
    stopReason,
    cached,
    request: r.request,
    assembledPrompt,
    output,
    usage,
    costMicros,
    costByStage,
    savedMicros,
    latencyMs,
    ttftMs,
    guardrailEvents,
    spans,
    otelTraceId,
    otelParentSpanId,
    otelSampled,
  } as Record<string, unknown>;
  if (r.createdAt !== undefined) out.createdAt = r.createdAt;
  return out as unknown as ValidTraceRecord;
}
