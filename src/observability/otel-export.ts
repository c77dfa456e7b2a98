import type { Attributes, AttributeValue, Context, Span, Tracer } from '@opentelemetry/api';
import type { BasicTracerProvider, IdGenerator, Sampler } from '@opentelemetry/sdk-trace-base';
import type { OtelConfig } from '../config/config';
import type { Logger } from './logger';
import { modelAttempts, requestedModel, type GenerationRecord } from './generation-record';
import { newSpanId, newTraceId } from './trace-context';

/**
 * Exports each finished generation as an OpenTelemetry span tree following the GenAI semantic
 * conventions: a `chat {model}` CLIENT span (operation, provider `aws.bedrock`, request and response
 * model, token usage with cache tokens, finish reasons, `error.type`) with one child span per
 * pipeline step (routing, guardrail_input, cache_lookup, budget_reserve, model_call, ...), in the
 * trace of the GraphQL operation (the caller's `traceparent` when it sent one).
 *
 * Built from the finished trace record by an observer of the trace writer, so the pipeline is not
 * instrumented. Off unless an OTLP endpoint is configured; when off, no OpenTelemetry module is
 * even loaded.
 */
export interface GenerationSpanExporter {
  export(record: GenerationRecord): void;
  /** Sends what is buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops. */
  shutdown(): Promise<void>;
}

const PROVIDER = 'aws.bedrock';
/** Attribute values longer than this are cut (span limits would drop them otherwise). */
const MAX_ATTRIBUTE = 8192;

/**
 * An id generator that hands out a given trace id for the next root span: a generation whose caller
 * sent no `traceparent` still belongs to the trace id its operation was given (and stored on the
 * trace, said in the response, logged). `startSpan` is synchronous, so set-then-start is safe.
 */
class GivenTraceIdGenerator implements IdGenerator {
  next: string | null = null;
  generateTraceId(): string {
    const id = this.next ?? newTraceId();
    this.next = null;
    return id;
  }
  generateSpanId(): string {
    return newSpanId();
  }
}

type SpanRecord = NonNullable<GenerationRecord['spans']>[number];

const toMs = (d: Date | string | undefined): number => (d instanceof Date ? d.getTime() : d ? Date.parse(d) : Date.now());
const cut = (s: string) => (s.length > MAX_ATTRIBUTE ? `${s.slice(0, MAX_ATTRIBUTE)}…` : s);

/** A step's attributes as span attributes: primitives and arrays of primitives as they are, the rest as JSON. */
function stepAttributes(attrs: Record<string, unknown> | null | undefined): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined) continue;
    const key = `genai_cp.${k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`;
    if (typeof v === 'string') out[key] = cut(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[key] = v.map((x: string) => cut(x));
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[key] = v as number[];
    else out[key] = cut(JSON.stringify(v));
  }
  return out;
}

/**
 * Text of the prompt parts, with every match a guardrail anonymized taken out (the assembled prompt
 * and the output already hold what the guardrails let through; this is a second lock).
 */
function scrubber(r: GenerationRecord): (text: string) => string {
  const matches = new Set<string>();
  for (const e of r.guardrailEvents ?? []) {
    for (const f of e.findings) {
      if (f.action !== 'NONE' && f.match && f.match.length >= 2) matches.add(f.match);
    }
  }
  if (!matches.size) return (t) => t;
  const sorted = [...matches].sort((a, b) => b.length - a.length);
  return (t) => sorted.reduce((acc, m) => acc.split(m).join('[REDACTED]'), t);
}

/** `gen_ai.input.messages` / `gen_ai.output.messages` / `gen_ai.system_instructions`, as the conventions shape them (JSON). */
function contentAttributes(r: GenerationRecord): Attributes {
  const scrub = scrubber(r);
  const text = (parts: Array<{ text: string } | { cachePoint: true }>) => parts.filter((p): p is { text: string } => 'text' in p).map((p) => ({ type: 'text', content: scrub(p.text) }));
  const out: Attributes = {};
  const a = r.assembledPrompt;
  if (a) {
    const system = text(a.system);
    if (system.length) out['gen_ai.system_instructions'] = cut(JSON.stringify(system));
    out['gen_ai.input.messages'] = cut(JSON.stringify(a.messages.map((m) => ({ role: m.role, parts: text(m.content) }))));
  }
  if (r.output) {
    out['gen_ai.output.messages'] = cut(JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: scrub(r.output) }], finish_reason: r.stopReason ?? 'unknown' }]));
  }
  return out;
}

/** The `chat {model}` span's attributes (GenAI semantic conventions, plus this service's own under `genai_cp.`). */
export function chatAttributes(r: GenerationRecord, captureContent: boolean): Attributes {
  const a: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': PROVIDER,
    // The name used before semantic conventions 1.37, still read by many backends.
    'gen_ai.system': PROVIDER,
    'genai_cp.trace_id': r.id,
    'genai_cp.status': r.status,
    'genai_cp.cached': Boolean(r.cached),
    'genai_cp.cost_usd': (r.costMicros ?? 0) / 1e6,
  };
  const set = (k: string, v: AttributeValue | null | undefined) => {
    if (v !== null && v !== undefined) a[k] = v;
  };
  set('gen_ai.request.model', requestedModel(r));
  set('gen_ai.response.model', r.modelId);
  set('gen_ai.response.id', r.id);
  set('gen_ai.conversation.id', r.sessionId);
  const cfg = r.assembledPrompt?.inferenceConfig;
  set('gen_ai.request.max_tokens', cfg?.maxTokens);
  set('gen_ai.request.temperature', cfg?.temperature);
  set('gen_ai.request.top_p', cfg?.topP);
  if (cfg?.stopSequences?.length) a['gen_ai.request.stop_sequences'] = cfg.stopSequences;
  if (r.usage) {
    a['gen_ai.usage.input_tokens'] = r.usage.inputTokens;
    a['gen_ai.usage.output_tokens'] = r.usage.outputTokens;
    a['gen_ai.usage.cache_read.input_tokens'] = r.usage.cacheReadTokens;
    a['gen_ai.usage.cache_creation.input_tokens'] = r.usage.cacheWriteTokens;
  }
  if (r.stopReason) a['gen_ai.response.finish_reasons'] = [r.stopReason];
  if (r.status !== 'COMPLETED') a['error.type'] = r.errorCode ?? 'FAILED';
  set('genai_cp.prompt.name', r.prompt);
  set('genai_cp.prompt.version', r.promptVersion);
  set('genai_cp.prompt.label', r.label);
  set('genai_cp.routed_by', r.routedBy);
  set('genai_cp.ttft_ms', r.ttftMs);
  if (r.savedMicros) a['genai_cp.saved_usd'] = r.savedMicros / 1e6;
  if (captureContent) Object.assign(a, contentAttributes(r));
  return a;
}

function samplerFor(sdk: typeof import('@opentelemetry/sdk-trace-base'), cfg: OtelConfig): Sampler {
  const ratio = new sdk.TraceIdRatioBasedSampler(cfg.samplerArg);
  switch (cfg.sampler) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: ratio });
    default:
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}

/**
 * The exporter, or null when export is off (no `OTEL_EXPORTER_OTLP_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_SDK_DISABLED=true`, or `OTEL_TRACES_EXPORTER=none`).
 */
export async function createGenerationSpanExporter(cfg: OtelConfig, logger: Logger, opts: { serviceVersion?: string; scheduledDelayMillis?: number } = {}): Promise<GenerationSpanExporter | null> {
  if (!cfg.tracesUrl) return null;
  // Loaded only when export is on: zero cost otherwise.
  const api = await import('@opentelemetry/api');
  const sdk = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes, defaultResource } = await import('@opentelemetry/resources');
  const exporter =
    cfg.protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: cfg.tracesUrl, headers: { ...cfg.headers } })
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url: cfg.tracesUrl, headers: { ...cfg.headers } });

  const resourceAttrs: Attributes = {};
  for (const pair of cfg.resourceAttributes.split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) resourceAttrs[pair.slice(0, i).trim()] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  const resource = defaultResource().merge(resourceFromAttributes({ ...resourceAttrs, 'service.name': cfg.serviceName, ...(opts.serviceVersion ? { 'service.version': opts.serviceVersion } : {}) }));
  const ids = new GivenTraceIdGenerator();
  const provider: BasicTracerProvider = new sdk.BasicTracerProvider({
    resource,
    idGenerator: ids,
    sampler: samplerFor(sdk, cfg),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: opts.scheduledDelayMillis ?? 1000, maxQueueSize: 8192 })],
  });
  const tracer: Tracer = provider.getTracer('genai-control-plane');
  logger.info({ url: cfg.tracesUrl, protocol: cfg.protocol, captureContent: cfg.captureContent }, 'OpenTelemetry: exporting generations as GenAI spans');

  const parentContext = (r: GenerationRecord): Context => {
    if (!r.otelTraceId || !r.otelParentSpanId) return api.ROOT_CONTEXT;
    return api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: r.otelTraceId,
      spanId: r.otelParentSpanId,
      traceFlags: r.otelSampled === false ? api.TraceFlags.NONE : api.TraceFlags.SAMPLED,
      isRemote: true,
    });
  };

  const exportOne = (r: GenerationRecord) => {
    const start = toMs(r.createdAt);
    const end = start + (r.latencyMs ?? 0);
    const parent = parentContext(r);
    const model = r.modelId ?? requestedModel(r) ?? 'unknown';
    ids.next = r.otelParentSpanId ? null : (r.otelTraceId ?? null);
    const root: Span = tracer.startSpan(`chat ${model}`, { kind: api.SpanKind.CLIENT, startTime: start, attributes: chatAttributes(r, cfg.captureContent) }, parent);
    ids.next = null;
    if (!root.isRecording()) return;
    const ctx = api.trace.setSpan(parent, root);
    for (const s of r.spans ?? []) exportStep(ctx, s, r);
    for (const e of r.guardrailEvents ?? []) {
      root.addEvent(
        'genai_cp.guardrail_intervention',
        {
          'genai_cp.guardrail.policy': e.policy,
          'genai_cp.guardrail.direction': e.direction,
          'genai_cp.guardrail.action': e.action,
          'genai_cp.guardrail.kinds': [...new Set(e.findings.map((f) => f.kind))],
        },
        start,
      );
    }
    if (r.status !== 'COMPLETED') root.setStatus({ code: api.SpanStatusCode.ERROR, message: r.errorCode ?? r.status });
    root.end(end);
  };

  const exportStep = (ctx: Context, s: SpanRecord, r: GenerationRecord) => {
    const start = toMs(s.startedAt);
    const attributes = stepAttributes(s.attributes);
    if (s.name === 'model_call') {
      Object.assign(attributes, {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': PROVIDER,
        ...(r.modelId ? { 'gen_ai.response.model': r.modelId } : {}),
      });
      const failed = modelAttempts(r);
      if (failed.length) attributes['genai_cp.failed_attempts'] = failed.map((a) => `${a.modelId}: ${a.error}`);
    }
    const span = tracer.startSpan(s.name, { kind: api.SpanKind.INTERNAL, startTime: start, attributes }, ctx);
    if (s.name === 'model_call' && r.status === 'FAILED' && r.errorCode === 'PROVIDER_ERROR') {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: r.errorCode });
    }
    span.end(start + s.durationMs);
  };

  return {
    export(r) {
      try {
        exportOne(r);
      } catch (err) {
        logger.warn({ err, traceId: r.id }, 'OpenTelemetry span export failed');
      }
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
