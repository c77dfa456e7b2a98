import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** The environment, parsed and validated once at start-up, then frozen. See README "Configuration". */
const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  MODEL_PROVIDER: z.enum(['auto', 'bedrock', 'emulator']).default('auto'),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  BEDROCK_ENDPOINT: z.string().url().optional(),
  DEFAULT_MODEL_ID: z.string().default('amazon.nova-micro-v1:0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_MAX_OUTPUT_TOKENS: z.coerce.number().int().positive().default(1024),
  HISTORY_TOKEN_BUDGET: z.coerce.number().int().positive().default(2000),
  HISTORY_KEEP_TURNS: z.coerce.number().int().min(0).default(4),
  SUMMARY_MODEL_ID: z.string().default('amazon.nova-micro-v1:0'),
  CONTEXT_TOKEN_BUDGET: z.coerce.number().int().positive().default(4000),
  CONTEXT_MIN_SCORE: z.coerce.number().min(0).max(1).default(0),
  RESPONSE_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(3600),
  RESPONSE_CACHE_SIMILARITY: z.coerce.number().min(0).max(1).default(0.97),
  RESPONSE_CACHE_MAX_ENTRIES: z.coerce.number().int().positive().default(10000),
  RESPONSE_CACHE_MAX_MB: z.coerce.number().positive().default(64),
  SESSION_CACHE_MAX_MB: z.coerce.number().positive().default(16),
  CORS_ORIGINS: z.string().optional(),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  // The standard OpenTelemetry variables this service reads (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
  OTEL_SDK_DISABLED: z.string().optional(),
  OTEL_TRACES_EXPORTER: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
  OTEL_TRACES_SAMPLER: z.enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']).optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: z.string().optional(),
  TRACE_SPOOL_DIR: z.string().optional(),
  TRACE_SPOOL_MAX_MB: z.coerce.number().positive().default(128),
  TRACE_SPOOL_FSYNC: z.enum(['batch', 'always', 'off']).default('batch'),
  CLICKHOUSE_URL: z.string().url().optional(),
  TRACE_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(15),
  HTTP_KEEP_ALIVE_SECONDS: z.coerce.number().min(1).max(3600).default(65),
  REFUSED_TRACES_PER_SECOND: z.coerce.number().min(0).default(1),
  REFUSED_TRACES_MAX_PER_SECOND: z.coerce.number().min(0).default(50),
  BUDGET_HOLD_TTL_SECONDS: z.coerce.number().int().positive().default(600),
  EVAL_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  EVAL_RUN_STALE_SECONDS: z.coerce.number().positive().default(30),
  EVAL_JUDGE_MODEL_ID: z.string().default('global.anthropic.claude-haiku-4-5-20251001-v1:0'),
  ONLINE_EVAL_QUEUE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  ONLINE_EVAL_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(2),
  ONLINE_EVAL_BUDGET_KEY: z.string().trim().min(1).max(200).default('online-evals'),
  EVAL_SCHEDULE_TICK_SECONDS: z.coerce.number().positive().max(86_400).default(30),
  EVAL_SCHEDULE_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  REVIEW_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.01),
  REVIEW_EVAL_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.1),
  REVIEW_CLAIM_SECONDS: z.coerce.number().positive().default(900),
  ALERT_EVAL_INTERVAL_SECONDS: z.coerce.number().positive().max(86_400).default(60),
  ALERT_WEBHOOK_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(8).optional(),
  ALERT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  ALERT_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(0).default(1000),
  ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  BUDGET_LEASES: z.enum(['on', 'off']).default('on'),
  GUARDRAIL_WORKER_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  GUARDRAIL_WORKER_MIN_CHARS: z.coerce.number().int().min(0).default(4096),
  GUARDRAIL_CLEAN_CHUNK_CHARS: z.coerce.number().int().min(0).default(2_000_000),
  TRACE_RAW_PII: z.enum(['true', 'false', '1', '0']).default('false'),
});

export type Env = z.infer<typeof envSchema>;

export interface AppConfig {
  /** NODE_ENV=production: introspection is refused (over HTTP and graphql-ws alike). */
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection string; undefined means embedded PGlite in `dataDir`. */
  readonly databaseUrl?: string;
  /** Folder for embedded PGlite, or `memory://` for a throwaway database. */
  readonly dataDir: string;
  readonly adminApiKey?: string;
  readonly modelProvider: 'auto' | 'bedrock' | 'emulator';
  readonly awsRegion: string;
  /** True when AWS_REGION or AWS_DEFAULT_REGION was set (`awsRegion` otherwise defaults to us-east-1). */
  readonly awsRegionConfigured: boolean;
  readonly bedrockEndpoint?: string;
  readonly defaultModelId: string;
  readonly logLevel: Env['LOG_LEVEL'];
  /**
   * Origins browsers may call the API from (CORS): `CORS_ORIGINS`, comma-separated, or `*` for any.
   * Empty (the default): no CORS headers, so browsers on other origins are refused.
   */
  readonly corsOrigins: readonly string[];
  /** Durable trace spool folder (default `<DATA_DIR>/trace-spool`; none for a `memory://` DATA_DIR unless set). */
  readonly traceSpoolDir?: string;
  readonly traceSpoolMaxBytes: number;
  /** When spooled traces reach the disk: `batch` (group commit before the acknowledgment), `always` (each append), `off` (survives kill -9 only). */
  readonly traceSpoolFsync: 'batch' | 'always' | 'off';
  /** `CLICKHOUSE_URL`: ClickHouse as the trace store of the trace API and analytics (README "ClickHouse"); unset: PostgreSQL/PGlite only. */
  readonly clickhouseUrl?: string;
  /** `TRACE_RETENTION_DAYS`: trace weeks (partitions) wholly older than this are dropped, with their rollup buckets. Unset: kept forever. */
  readonly traceRetentionDays?: number;
  /** SIGTERM: how long in-flight WebSocket streams may take to finish before their sockets close with 1001. */
  readonly shutdownGraceMs: number;
  /**
   * `HTTP_KEEP_ALIVE_SECONDS` (default 65): how long an idle HTTP connection is kept open for its
   * next request (Node's default is 5 s; a load balancer's idle timeout, often 60 s, should be shorter).
   */
  readonly httpKeepAliveMs: number;
  /** Knobs of the generate pipeline (README "Configuration"). */
  readonly generation: GenerationConfig;
  /** Cases of one eval run in flight at once. */
  readonly evalConcurrency: number;
  /** The judge of `llm-rubric` assertions when the eval set names none. */
  readonly evalJudgeModelId: string;
  /** On PostgreSQL, a RUNNING eval run whose process has not said it is alive for this long is resumed by another. */
  readonly evalRunStaleMs: number;
  /** Online evaluators' worker (README "Online evaluation"). */
  readonly onlineEvals: {
    /** Samples waiting at most; beyond, a sample is dropped and counted (ONLINE_EVAL_QUEUE_SIZE). */
    readonly queueSize: number;
    /** Samples scored at once (ONLINE_EVAL_CONCURRENCY). */
    readonly concurrency: number;
    /** The API key name online judge calls are budgeted under (ONLINE_EVAL_BUDGET_KEY): an API_KEY budget of this name caps them. */
    readonly budgetKey: string;
  };
  /** Scheduled eval re-runs: how often due schedules are looked for, and the shortest interval a schedule may have. */
  readonly evalSchedules: { readonly tickMs: number; readonly minIntervalMs: number };
  /** Alert scheduler and webhooks. */
  readonly alerts: AlertsConfig;
  /** Human review sampling and claims. */
  readonly review: { readonly traceSampleRate: number; readonly evalSampleRate: number; readonly claimMs: number };
  /** Hot budgets are admitted from per-process leases (README "Budgets and alerts"); BUDGET_LEASES=off turns them off. */
  readonly budgetLeases: boolean;
  /**
   * INPUT guardrail checks of large screenings run in worker threads (README "Guardrails"):
   * `GUARDRAIL_WORKER_THREADS` (default: cores - 1, at least 1; 0 keeps every check inline) and
   * `GUARDRAIL_WORKER_MIN_CHARS` (default 4096: smaller texts stay inline).
   */
  readonly guardrailWorkers: { readonly threads: number; readonly minChars: number };
  /**
   * Characters of retrieved chunks each INPUT policy remembers as clean (found nothing in), so a chunk
   * sent again is not checked again (README "Guardrails"): `GUARDRAIL_CLEAN_CHUNK_CHARS`, default
   * 2,000,000 per policy; 0 checks every chunk every time.
   */
  readonly guardrailCleanChunkChars: number;
  /** `json` or `pretty`; unset: pretty on a terminal, JSON otherwise. */
  readonly logFormat?: 'json' | 'pretty';
  /** OpenTelemetry span export, from the standard `OTEL_*` variables. */
  readonly otel: OtelConfig;
}

/** How often alert rules are evaluated, and how webhooks are delivered. */
export interface AlertsConfig {
  /** Every enabled rule is evaluated this often (ALERT_EVAL_INTERVAL_SECONDS). */
  readonly intervalMs: number;
  /** Every event is also POSTed here. */
  readonly webhookUrl?: string;
  readonly webhookSecret?: string;
  /** Attempts per delivery, the first included. */
  readonly webhookMaxAttempts: number;
  /** Wait before the 2nd attempt, doubled each time. */
  readonly webhookBackoffMs: number;
  readonly webhookTimeoutMs: number;
}

/** OpenTelemetry export of generations as GenAI spans (README "Observability"). */
export interface OtelConfig {
  /** Where spans are POSTed (OTLP over HTTP); null: export off (the default). */
  readonly tracesUrl: string | null;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES` as given (`k=v,k2=v2`). */
  readonly resourceAttributes: string;
  readonly sampler: NonNullable<Env['OTEL_TRACES_SAMPLER']>;
  readonly samplerArg: number;
  /** Prompt and completion content on the spans (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`). */
  readonly captureContent: boolean;
}

/** `k=v,k2=v2` (values percent-encoded), as the OTLP header variables are written. */
export function parseOtelHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
    } catch {
      // a malformed pair is skipped, as the SDK does
    }
  }
  return out;
}

function otelConfig(e: Env): OtelConfig {
  const protocolAsked = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocolAsked === 'grpc') throw new ConfigError('Invalid environment:\n  OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; use http/protobuf (port 4318) or http/json');
  const off =
    ['true', '1'].includes((e.OTEL_SDK_DISABLED ?? '').toLowerCase()) ||
    (e.OTEL_TRACES_EXPORTER ?? 'otlp')
      .split(',')
      .map((x) => x.trim())
      .every((x) => x === 'none');
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const tracesUrl = off ? null : (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base}/v1/traces` : null));
  return Object.freeze({
    tracesUrl,
    protocol: protocolAsked,
    headers: Object.freeze({ ...parseOtelHeaders(e.OTEL_EXPORTER_OTLP_HEADERS), ...parseOtelHeaders(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS) }),
    serviceName: e.OTEL_SERVICE_NAME ?? 'genai-control-plane',
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES ?? '',
    sampler: e.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
    samplerArg: e.OTEL_TRACES_SAMPLER_ARG ?? 1,
    captureContent: (e.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT ?? '').toLowerCase() === 'true',
  });
}

/** Knobs of the generate pipeline. */
export interface GenerationConfig {
  /** Output cap when neither the request nor the prompt version sets one. */
  readonly defaultMaxOutputTokens: number;
  /** History above this many tokens is trimmed: older turns become a summary. */
  readonly historyTokenBudget: number;
  /** Most recent history messages always kept verbatim. */
  readonly historyKeepTurns: number;
  /** The cheap model that writes history summaries. */
  readonly summaryModelId: string;
  /** Retrieved chunks are kept, best first, within this many tokens. */
  readonly contextTokenBudget: number;
  /** Chunks scoring below this are dropped. */
  readonly contextMinScore: number;
  /** Response cache entries live this long (0 turns the cache off). */
  readonly responseCacheTtlMs: number;
  /** Cosine similarity a semantic cache hit needs (strict by default). */
  readonly responseCacheSimilarity: number;
  readonly responseCacheMaxEntries: number;
  /** Bound on the response cache's estimated memory (default 64 MiB). */
  readonly responseCacheMaxBytes?: number;
  /** Bound on the history summaries kept per session. */
  readonly sessionCacheMaxBytes?: number;
  /** A budget hold left by a crashed process expires after this long. */
  readonly budgetHoldTtlMs: number;
  /**
   * Generations refused by the auth checker (no key, bad key, wrong role) are traced compactly, at
   * most this many per second per remote address (or per key), bursts of 20; beyond it they are
   * only counted (`generate_refused_traces_dropped_total`). 0: none traced.
   */
  readonly refusedTracesPerSecond?: number;
  /** The same, all sources together (bursts of twice this). */
  readonly refusedTracesMaxPerSecond?: number;
  /**
   * Keep what guardrails anonymized or blocked in clear in traces (forensics opt-in, TRACE_RAW_PII=true).
   * Off by default: traces, findings and events hold placeholders and masked findings only.
   */
  readonly traceRawPii: boolean;
}

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable (`DATABASE_URL=` in a compose file or a shell) means unset, not an invalid value.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    production: e.NODE_ENV === 'production',
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    adminApiKey: e.ADMIN_API_KEY,
    modelProvider: e.MODEL_PROVIDER,
    awsRegion: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
    awsRegionConfigured: Boolean(e.AWS_REGION ?? e.AWS_DEFAULT_REGION),
    bedrockEndpoint: e.BEDROCK_ENDPOINT,
    defaultModelId: e.DEFAULT_MODEL_ID,
    logLevel: e.LOG_LEVEL,
    evalConcurrency: e.EVAL_CONCURRENCY,
    evalJudgeModelId: e.EVAL_JUDGE_MODEL_ID,
    evalRunStaleMs: e.EVAL_RUN_STALE_SECONDS * 1000,
    onlineEvals: Object.freeze({ queueSize: e.ONLINE_EVAL_QUEUE_SIZE, concurrency: e.ONLINE_EVAL_CONCURRENCY, budgetKey: e.ONLINE_EVAL_BUDGET_KEY }),
    evalSchedules: Object.freeze({ tickMs: Math.round(e.EVAL_SCHEDULE_TICK_SECONDS * 1000), minIntervalMs: e.EVAL_SCHEDULE_MIN_INTERVAL_SECONDS * 1000 }),
    review: Object.freeze({ traceSampleRate: e.REVIEW_SAMPLE_RATE, evalSampleRate: e.REVIEW_EVAL_SAMPLE_RATE, claimMs: e.REVIEW_CLAIM_SECONDS * 1000 }),
    alerts: Object.freeze({
      intervalMs: Math.round(e.ALERT_EVAL_INTERVAL_SECONDS * 1000),
      webhookUrl: e.ALERT_WEBHOOK_URL,
      webhookSecret: e.ALERT_WEBHOOK_SECRET,
      webhookMaxAttempts: e.ALERT_WEBHOOK_MAX_ATTEMPTS,
      webhookBackoffMs: e.ALERT_WEBHOOK_BACKOFF_MS,
      webhookTimeoutMs: e.ALERT_WEBHOOK_TIMEOUT_MS,
    }),
    logFormat: e.LOG_FORMAT,
    otel: otelConfig(e),
    corsOrigins: Object.freeze(
      (e.CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
    traceSpoolDir: e.TRACE_SPOOL_DIR ?? (e.DATA_DIR.startsWith('memory://') ? undefined : `${e.DATA_DIR.replace(/\/+$/, '')}/trace-spool`),
    traceSpoolMaxBytes: Math.round(e.TRACE_SPOOL_MAX_MB * 1024 * 1024),
    traceSpoolFsync: e.TRACE_SPOOL_FSYNC,
    clickhouseUrl: e.CLICKHOUSE_URL,
    traceRetentionDays: e.TRACE_RETENTION_DAYS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    httpKeepAliveMs: e.HTTP_KEEP_ALIVE_SECONDS * 1000,
    generation: Object.freeze({
      defaultMaxOutputTokens: e.DEFAULT_MAX_OUTPUT_TOKENS,
      historyTokenBudget: e.HISTORY_TOKEN_BUDGET,
      historyKeepTurns: e.HISTORY_KEEP_TURNS,
      summaryModelId: e.SUMMARY_MODEL_ID,
      contextTokenBudget: e.CONTEXT_TOKEN_BUDGET,
      contextMinScore: e.CONTEXT_MIN_SCORE,
      responseCacheTtlMs: e.RESPONSE_CACHE_TTL_SECONDS * 1000,
      responseCacheSimilarity: e.RESPONSE_CACHE_SIMILARITY,
      responseCacheMaxEntries: e.RESPONSE_CACHE_MAX_ENTRIES,
      responseCacheMaxBytes: Math.round(e.RESPONSE_CACHE_MAX_MB * 1024 * 1024),
      sessionCacheMaxBytes: Math.round(e.SESSION_CACHE_MAX_MB * 1024 * 1024),
      budgetHoldTtlMs: e.BUDGET_HOLD_TTL_SECONDS * 1000,
      refusedTracesPerSecond: e.REFUSED_TRACES_PER_SECOND,
      refusedTracesMaxPerSecond: e.REFUSED_TRACES_MAX_PER_SECOND,
      traceRawPii: e.TRACE_RAW_PII === 'true' || e.TRACE_RAW_PII === '1',
    }),
    budgetLeases: e.BUDGET_LEASES === 'on',
    guardrailWorkers: { threads: e.GUARDRAIL_WORKER_THREADS ?? Math.max(1, availableParallelism() - 1), minChars: e.GUARDRAIL_WORKER_MIN_CHARS },
    guardrailCleanChunkChars: e.GUARDRAIL_CLEAN_CHUNK_CHARS,
  });
}
