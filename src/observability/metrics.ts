import fs from 'node:fs';
import path from 'node:path';
import { Registry, collectDefaultMetrics, Counter, Gauge, Histogram } from 'prom-client';
import { modelAttempts, requestedModel, stepSpan, type GenerationRecord } from './generation-record';

/**
 * Prometheus metrics, served at /metrics. Names follow the OpenTelemetry-to-Prometheus conventions
 * (dots become underscores, the unit is a suffix, counters end in `_total`): the GenAI semantic
 * convention metrics keep their `gen_ai_` names and attribute names as labels; this service's own
 * metrics are `genai_cp_*` and `graphql_server_*`. Every label is bounded: models outside the
 * catalog read `other`, operation names are the root field, not the client's operation name.
 */
export interface MetricsOptions {
  /** True for a model of the catalog (or with a price override); others are labelled `other`. */
  isKnownModel?: (modelId: string) => boolean;
}

/** Root field names and error codes longer than this are cut (they come from the schema and the code, but stay safe). */
const MAX_LABEL = 64;
const label = (v: string | null | undefined, fallback = '') => (v ? v.slice(0, MAX_LABEL) : fallback);

const PROVIDER = 'aws.bedrock';
const OPERATION = 'chat';
/** Token counts: powers of 4 from 1 to ~67M, the buckets the GenAI conventions advise. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Where the package.json of this service is (src/ in tests, dist/src/ when built). */
function packageVersion(): string {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'genai-control-plane') return pkg.version ?? 'unknown';
    } catch {
      // keep looking upwards
    }
  }
  return 'unknown';
}

/** One registry per app, so tests can run several apps in one process. */
export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const model = (id: string | null | undefined) => (!id ? '' : !opts.isKnownModel || opts.isKnownModel(id) ? label(id) : 'other');
  /** Queue depths read at scrape time from the components that own the queues (see `queues.register`). */
  const queueReaders = new Map<string, () => number | Promise<number>>();

  const m = {
    registry,
    buildInfo: new Gauge({
      name: 'genai_cp_build_info',
      help: 'Always 1; the labels say which build runs',
      labelNames: ['version', 'node_version'] as const,
      registers,
    }),
    graphqlOperations: new Counter({
      name: 'graphql_server_operations_total',
      help: 'GraphQL operations by transport (http, ws), type, root field and outcome (ok, error) with the first error code',
      labelNames: ['transport', 'operation_type', 'operation_name', 'outcome', 'error_code'] as const,
      registers,
    }),
    graphqlDuration: new Histogram({
      name: 'graphql_server_operation_duration_seconds',
      help: 'GraphQL operation duration (a subscription: until it completes) by transport, type and root field',
      labelNames: ['transport', 'operation_type', 'operation_name'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    tokenUsage: new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'Tokens per model call by gen_ai_token_type (input, output; cache_read and cache_write are included in input)',
      labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_response_model', 'gen_ai_token_type'] as const,
      buckets: TOKEN_BUCKETS,
      registers,
    }),
    operationDuration: new Histogram({
      name: 'gen_ai_client_operation_duration_seconds',
      help: 'Whole generation time, from the request to the last event, by model and error_type (empty when it succeeded)',
      labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_response_model', 'error_type'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: 'gen_ai_server_time_to_first_token_seconds',
      help: 'Time from the request to the first text sent to the client, by model',
      labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_response_model'] as const,
      buckets: TTFT_BUCKETS,
      registers,
    }),
    costUsd: new Counter({
      name: 'genai_cp_cost_usd_total',
      help: 'Model cost in USD by model and stage (system, context, history, input, output, cacheRead, cacheWrite)',
      labelNames: ['gen_ai_response_model', 'stage'] as const,
      registers,
    }),
    generations: new Counter({
      name: 'genai_cp_generations_total',
      help: 'Generations by status (COMPLETED, BLOCKED, FAILED) and error code',
      labelNames: ['status', 'error_code'] as const,
      registers,
    }),
    cacheLookups: new Counter({
      name: 'genai_cp_response_cache_lookups_total',
      help: 'Response cache lookups by result (exact, semantic, miss)',
      labelNames: ['result'] as const,
      registers,
    }),
    cacheSavedUsd: new Counter({
      name: 'genai_cp_response_cache_saved_usd_total',
      help: 'What the answers served from the response cache cost when first generated (USD)',
      registers,
    }),
    guardrailInterventions: new Counter({
      name: 'genai_cp_guardrail_interventions_total',
      help: 'Guardrail interventions by policy, finding kind, direction and action (one per intervention and kind found)',
      labelNames: ['policy', 'kind', 'direction', 'action'] as const,
      registers,
    }),
    budgetRefusals: new Counter({
      name: 'genai_cp_budget_refusals_total',
      help: 'Generations refused by a budget (BUDGET_EXCEEDED), by the model asked for',
      labelNames: ['gen_ai_request_model'] as const,
      registers,
    }),
    budgetDowngrades: new Counter({
      name: 'genai_cp_budget_downgrades_total',
      help: 'Generations switched to a cheaper model by a DOWNGRADE budget',
      labelNames: ['budget', 'from_model', 'to_model'] as const,
      registers,
    }),
    providerErrors: new Counter({
      name: 'genai_cp_provider_errors_total',
      help: 'Failed model calls (each attempt, fallbacks included) by model and error type',
      labelNames: ['gen_ai_request_model', 'error_type'] as const,
      registers,
    }),
    providerFallbacks: new Counter({
      name: 'genai_cp_provider_fallbacks_total',
      help: 'Generations served by a fallback model after the routed one failed',
      labelNames: ['from_model', 'to_model'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'genai_cp_queue_depth',
      help: 'Items waiting, by queue (traces: the trace writer; others as registered: trace_spool, eval, judge)',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        await Promise.all(
          [...queueReaders].map(async ([queue, read]) => {
            try {
              this.set({ queue }, await read());
            } catch {
              // a reader that fails (the database away) leaves the last value
            }
          }),
        );
      },
    }),
    /**
     * Hooks for components that own a queue (the trace spool, the eval and judge queues): `read` is
     * called at each scrape (it may be async, e.g. a count in the database). Registering a name again
     * replaces its reader.
     */
    queues: {
      register(queue: string, read: () => number | Promise<number>): void {
        queueReaders.set(queue, read);
      },
    },

    /** Records the metrics of one finished generation from its trace record. */
    recordGeneration(r: GenerationRecord): void {
      const asked = model(requestedModel(r));
      const served = model(r.modelId);
      const errorType = r.status === 'COMPLETED' ? '' : label(r.errorCode, 'error');
      m.generations.inc({ status: r.status, error_code: r.status === 'COMPLETED' ? '' : label(r.errorCode) });
      const base = { gen_ai_operation_name: OPERATION, gen_ai_provider_name: PROVIDER };
      if (r.latencyMs != null) {
        m.operationDuration.observe({ ...base, gen_ai_request_model: asked, gen_ai_response_model: served, error_type: errorType }, r.latencyMs / 1000);
      }
      if (r.ttftMs != null) m.timeToFirstToken.observe({ ...base, gen_ai_response_model: served }, r.ttftMs / 1000);
      if (r.usage && !r.cached) {
        const t = { ...base, gen_ai_request_model: asked, gen_ai_response_model: served };
        m.tokenUsage.observe({ ...t, gen_ai_token_type: 'input' }, r.usage.inputTokens);
        m.tokenUsage.observe({ ...t, gen_ai_token_type: 'output' }, r.usage.outputTokens);
        if (r.usage.cacheReadTokens) m.tokenUsage.observe({ ...t, gen_ai_token_type: 'cache_read' }, r.usage.cacheReadTokens);
        if (r.usage.cacheWriteTokens) m.tokenUsage.observe({ ...t, gen_ai_token_type: 'cache_write' }, r.usage.cacheWriteTokens);
      }
      for (const [stage, micros] of Object.entries(r.costByStage ?? {})) {
        if (micros > 0) m.costUsd.inc({ gen_ai_response_model: served, stage }, micros / 1e6);
      }
      const lookup = stepSpan(r, 'cache_lookup')?.attributes;
      if (r.cached) {
        m.cacheLookups.inc({ result: lookup?.kind === 'semantic' ? 'semantic' : 'exact' });
        if (r.savedMicros) m.cacheSavedUsd.inc(r.savedMicros / 1e6);
      } else if (lookup) {
        m.cacheLookups.inc({ result: lookup.hit ? (lookup.kind === 'semantic' ? 'semantic' : 'exact') : 'miss' });
      }
      for (const e of r.guardrailEvents ?? []) {
        const kinds = new Set(e.findings.map((f) => f.kind));
        if (!kinds.size) kinds.add('NONE');
        for (const kind of kinds) m.guardrailInterventions.inc({ policy: label(e.policy), kind, direction: e.direction, action: e.action });
      }
      if (r.errorCode === 'BUDGET_EXCEEDED') m.budgetRefusals.inc({ gen_ai_request_model: asked });
      const reserve = stepSpan(r, 'budget_reserve')?.attributes;
      if (reserve && typeof reserve.downgradedTo === 'string') {
        m.budgetDowngrades.inc({ budget: label(String(reserve.downgradeBudget ?? '')), from_model: model(String(reserve.downgradedFrom ?? '')), to_model: model(reserve.downgradedTo) });
      }
      const attempts = modelAttempts(r);
      for (const a of attempts) m.providerErrors.inc({ gen_ai_request_model: model(a.modelId), error_type: label(a.error) });
      const first = attempts[0]?.modelId;
      if (first && r.modelId && first !== r.modelId && r.status === 'COMPLETED') m.providerFallbacks.inc({ from_model: model(first), to_model: served });
    },
  };
  m.buildInfo.set({ version: packageVersion(), node_version: process.version }, 1);
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;
