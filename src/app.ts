import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config/config';
import { createDataSource } from './data-source';
import { lockDataDir } from './db/data-dir-lock';
import { createLocalChangeBus, createPostgresChangeBus, type ChangeBus } from './db/change-bus';
import { ALERTS_TOPIC, ClickHouseTraceMetricReader } from './alerts/index';
import { createPubSub } from './graphql/pubsub';
import { modelIdProblem, resolveModel } from './providers/index';
import { features, type Services } from './features';
import { buildAppSchema } from './schema';
import { tokensCostPicos, picosToMicros, type TokenUsage, type Prices } from './providers/index';
import { EvalGate, JUDGE_MAX_OUTPUT_TOKENS, type EvalCaseGeneration, type EvalCaseRequest, type EvalRunDeps, type JudgeBudget } from './evals/index';
import type { BudgetService } from './budgets/index';
import type { PricingService } from './providers/index';
import { ProtectedValues } from './guardrails/index';
import { parseGenerateInput, CacheMode, collectResult, type GenerateInput, type GenerationPipeline } from './generate/index';
import { createServer, type RunningServer } from './server';
import { createMetrics, type Metrics } from './observability/metrics';
import { createGenerationSpanExporter, type GenerationSpanExporter } from './observability/otel-export';
import type { Logger } from './observability/logger';
import { ClickHouseTraceService, ClickHouseTraceStore } from './traces/index';
import { ClickHouseAnalyticsService } from './analytics/index';

export interface App {
  config: AppConfig;
  dataSource: DataSource;
  services: Services;
  bus: ChangeBus;
  server: RunningServer;
  /** The GraphQL schema both transports execute. */
  schema: GraphQLSchema;
  /** The port bound by `start()`. */
  port: number;
  start(): Promise<number>;
  /** Stops cleanly: drain HTTP, close sockets, flush pending writes, close the database. */
  stop(): Promise<void>;
  /** Secret of an ADMIN key generated at first start (no ADMIN_API_KEY and no key yet). */
  generatedAdminSecret?: string;
  /** The Prometheus metrics (`/metrics`); components that own a queue register it with `metrics.queues.register`. */
  metrics: Metrics;
  /** The OpenTelemetry span exporter, or null when export is off (the default). */
  spanExporter: GenerationSpanExporter | null;
  /** `postgresql` or `pglite`, and the model provider's mode, as the start-up log says. */
  modes: { database: 'postgresql' | 'pglite'; models: 'bedrock' | 'emulator' };
}

/** Where the database is, without credentials: `postgresql://host:port/db` or the PGlite folder. */
export function databaseDescription(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>): string {
  if (!config.databaseUrl) return `embedded PGlite in ${config.dataDir}`;
  try {
    const u = new URL(config.databaseUrl);
    return `PostgreSQL at ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** What `createApp` takes besides the configuration. */
export interface AppOptions {
  /** Embedded PGlite only: start from this data folder archive (see `DatabaseOptions.pgliteSnapshot`); pending migrations still run. */
  pgliteSnapshot?: Blob;
}

/**
 * The composition root: the one place that builds every dependency and passes them on as plain
 * objects, each feature's service by its module's `create` (`src/features.ts`). Runs pending
 * migrations before serving.
 */
export async function createApp(config: AppConfig, logger: Logger, options: AppOptions = {}): Promise<App> {
  logger.info({ database: config.databaseUrl ? 'postgresql' : 'pglite' }, `database: ${databaseDescription(config)}`);
  // One process per embedded data folder: a second one would silently see only its own writes.
  const lock = !config.databaseUrl && !config.dataDir.startsWith('memory://') ? lockDataDir(config.dataDir) : undefined;
  const dataSource = createDataSource({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, pgliteSnapshot: options.pgliteSnapshot });
  try {
    await dataSource.initialize();
  } catch (err) {
    lock?.release();
    throw err;
  }
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  if (ran.length) logger.info({ migrations: ran.map((m) => m.name) }, 'migrations applied');

  const bus = config.databaseUrl ? await createPostgresChangeBus(config.databaseUrl, logger) : createLocalChangeBus();
  const db = dataSource;
  const audit = features.audit.create({ db });
  const apiKeys = features.apiKeys.create({ db, audit, bus, logger });
  // With CLICKHOUSE_URL, traces are also written to ClickHouse, and the trace API, analytics and the alert metrics read there.
  const clickhouse = config.clickhouseUrl ? new ClickHouseTraceStore({ url: config.clickhouseUrl }) : null;
  await clickhouse?.init();
  const pubSub = await createPubSub({ databaseUrl: config.databaseUrl, relayTopics: [ALERTS_TOPIC], logger });
  const alerts = features.alerts.create({
    db,
    audit,
    pubSub,
    logger,
    intervalMs: config.alerts.intervalMs,
    traceMetrics: clickhouse ? new ClickHouseTraceMetricReader(clickhouse) : undefined,
    // Called by the scheduler's ticks only, once every service exists.
    drift: (prompt, window, baseline) => drift.drift(prompt ? { prompt } : null, window, baseline),
    webhooks: {
      globalUrl: config.alerts.webhookUrl,
      globalSecret: config.alerts.webhookSecret,
      maxAttempts: config.alerts.webhookMaxAttempts,
      backoffMs: config.alerts.webhookBackoffMs,
      timeoutMs: config.alerts.webhookTimeoutMs,
    },
  });
  const isKnownModel = (id: string): boolean => resolveModel(id) !== undefined;
  // A PROMPT budget must name an existing prompt (checked in the caller's transaction; the closure
  // is called only once every service exists).
  const budgets = features.budgets.create({
    db,
    audit,
    bus,
    alerts,
    logger,
    holdTtlMs: config.generation.budgetHoldTtlMs,
    isKnownModel,
    leases: config.budgetLeases ? {} : false,
    modelIdProblem,
    promptExists: (m, name) => prompts.existsNamed(m, name),
  });
  const prompts = features.prompts.create({ db, audit, bus, isKnownModel, modelIdProblem });
  const routing = features.routing.create({ db, audit, bus, isKnownModel, modelIdProblem });
  const evalSets = features.evalSets.create({ db, audit, isKnownModel });
  const writerOptions = { spoolDir: config.traceSpoolDir, spoolMaxBytes: config.traceSpoolMaxBytes, spoolFsync: config.traceSpoolFsync };
  const partitionOptions = { retentionDays: config.traceRetentionDays };
  const traces = clickhouse ? new ClickHouseTraceService(db, logger, clickhouse, writerOptions, partitionOptions) : features.traces.create({ db, logger, writerOptions, partitionOptions });
  // Traces a process that died had spooled but not written yet: stored before this one serves.
  await traces.writer.replay();
  const analytics = clickhouse ? new ClickHouseAnalyticsService(db, clickhouse) : features.analytics.create({ db });
  const models = await features.models.create({ config, logger, db, audit, bus });
  // Topic drift embeds sampled user inputs through the provider's embedding model (Titan V2, 256 dimensions).
  const drift = features.drift.create({ db, embedder: { model: 'amazon.titan-embed-text-v2:0/256', embed: (text) => models.provider.embed(text, { dimensions: 256 }) } });
  const guardrails = features.guardrails.create({ db, audit, bus, logger, provider: models.provider, workers: config.guardrailWorkers, cleanChunkChars: config.guardrailCleanChunkChars });
  const generation = features.generation.create({ config, prompts, routing, guardrails, budgets, models, traces });
  /** The LLM judge (eval runs and online evaluators): one forced grading tool call, priced. */
  const judge: EvalRunDeps['judge'] = async (modelId, req, signal) => {
    const r = await models.provider.callTool(
      { modelId, system: [{ text: req.system }], messages: [{ role: 'user', content: [{ text: req.prompt }] }], inferenceConfig: { maxTokens: JUDGE_MAX_OUTPUT_TOKENS, temperature: 0 } },
      { ...req.tool, inputSchema: req.tool.inputSchema as unknown as Record<string, unknown> },
      { signal },
    );
    return { toolInput: r.toolInput, text: r.text, costMicros: usageCostMicros(r.usage, models.pricing.pricesFor(modelId)) };
  };
  const evalRuns = features.evalRuns.create({
    db,
    logger,
    generate: (req, ctx) => generateEvalCase(generation, req, ctx, config.generation.traceRawPii),
    resolveVersion: async (prompt, sel) => {
      const v = await prompts.resolveVersion(prompt, sel);
      return { prompt: v.prompt, versionId: v.versionId, number: v.number, modelId: v.modelId };
    },
    judge,
    embed: (text) => models.provider.embed(text, { dimensions: 512 }),
    isKnownModel,
    defaultModelId: config.defaultModelId,
    defaultJudgeModelId: config.evalJudgeModelId,
    concurrency: config.evalConcurrency,
    singleProcess: !config.databaseUrl,
    staleMs: config.evalRunStaleMs,
  });
  prompts.useGate(new EvalGate(evalRuns, { resolveVersion: (p, sel) => prompts.resolveVersion(p, sel), isKnownModel }));
  const traceScores = features.traceScores.create({ db });
  const review = features.review.create({ db, traceScores, options: config.review });
  const onlineEvals = features.onlineEvals.create({
    db,
    audit,
    bus,
    logger,
    promptExists: (m, name) => prompts.existsNamed(m, name),
    isKnownModel,
    scores: traceScores,
    review,
    judge,
    judgeBudget: judgeBudget(budgets, models.pricing, config.onlineEvals.budgetKey),
    defaultJudgeModelId: config.evalJudgeModelId,
    reviewSampleRate: config.review.traceSampleRate,
    queueSize: config.onlineEvals.queueSize,
    concurrency: config.onlineEvals.concurrency,
  });
  const evalSchedules = features.evalSchedules.create({
    db,
    audit,
    logger,
    evalRuns,
    resolveVersion: (p, sel) => prompts.resolveVersion(p, sel),
    promptExists: (m, name) => prompts.existsNamed(m, name),
    isKnownModel,
    tickMs: config.evalSchedules.tickMs,
    minIntervalMs: config.evalSchedules.minIntervalMs,
  });
  // Sampling happens after the trace is recorded, on a later turn than the request's: never on the hot path.
  traces.onRecorded((r) => onlineEvals.worker.offer(r));
  const dashboard = features.dashboard.create({});
  const services: Services = {
    apiKeys,
    audit,
    generation,
    budgets,
    alerts,
    prompts,
    routing,
    evalSets,
    evalRuns,
    traces,
    analytics,
    drift,
    models,
    guardrails,
    traceScores,
    review,
    onlineEvals,
    evalSchedules,
    dashboard,
  };

  const boot = await apiKeys.bootstrap(config.adminApiKey);
  const metrics = createMetrics({ isKnownModel: (id) => models.pricing.modelInfo(id) !== undefined });
  traces.writer.registerMetrics(metrics.registry);
  generation.authRefusals.registerMetrics(metrics.registry);
  metrics.queues.register('traces', () => traces.writer.pending);
  onlineEvals.worker.registerMetrics(metrics.registry);
  metrics.queues.register('online_evals', () => onlineEvals.worker.pending);
  // Eval runs waiting for a worker (the queue is the eval_runs table: counted at scrape time).
  metrics.queues.register('eval', async () => Number((await dataSource.query(`SELECT count(*)::int AS n FROM eval_runs WHERE status = 'QUEUED'`))[0]?.n ?? 0));
  // Observers of finished generations: metrics always; OpenTelemetry spans only when configured.
  traces.onRecorded((r) => metrics.recordGeneration(r));
  const spanExporter = await createGenerationSpanExporter(config.otel, logger);
  if (spanExporter) traces.onRecorded((r) => spanExporter.export(r));
  const schema = await buildAppSchema({ pubSub });
  const server = await createServer({
    schema,
    services,
    logger,
    metrics,
    corsOrigins: config.corsOrigins,
    production: config.production,
    generations: services.generation,
    shutdownGraceMs: config.shutdownGraceMs,
    keepAliveMs: config.httpKeepAliveMs,
    readiness: () => readiness(dataSource, models.mode),
    onAuthRefused: (refusal) => generation.authRefusals.trace(refusal),
  });

  const app: App = {
    config,
    dataSource,
    services,
    bus,
    server,
    schema,
    port: 0,
    generatedAdminSecret: boot.secret,
    metrics,
    spanExporter,
    modes: { database: config.databaseUrl ? 'postgresql' : 'pglite', models: models.mode },
    async start() {
      app.port = await server.listen(config.port, config.host);
      await traces.partitions.start();
      budgets.startReaper();
      await evalRuns.startWorker();
      alerts.scheduler.start();
      evalSchedules.start();
      return app.port;
    },
    async stop() {
      // Order matters: no new requests, then the model clients, then writers that still need the
      // database (reaper, traces), then the listeners, then the database itself.
      const steps: Array<[string, () => Promise<unknown>]> = [
        // First, so that the server's grace period waits for client streams only, not for eval
        // cases the worker would keep starting (its runs stay RUNNING and resume at the next start).
        // The eval scheduler first: a run it queued meanwhile would wait for the next start.
        ['eval schedules', () => evalSchedules.stop()],
        ['eval worker', () => evalRuns.stopWorker()],
        ['server', () => server.stop()],
        ['alert scheduler', () => alerts.scheduler.stop()],
        ['alert webhooks', () => alerts.webhookSender.close()],
        // Before the models and the database: its judge calls and score writes need both.
        ['online evals', () => onlineEvals.worker.stop()],
        ['models', () => models.close()],
        // After the server: no screening is in flight; the threads end with their last check.
        ['guardrail workers', () => guardrails.close()],
        ['budget reaper', () => budgets.stopReaper()],
        ['pubsub', () => pubSub.close()],
        ['traces', () => traces.close()],
        // After the last traces were recorded (their observers run a turn later).
        ['span export', () => new Promise((r) => setImmediate(r)).then(() => spanExporter?.shutdown())],
        ['change bus', () => bus.close()],
        ['database', () => dataSource.destroy()],
        ['data folder lock', async () => lock?.release()],
      ];
      for (const [name, step] of steps) {
        const t0 = performance.now();
        await step();
        logger.debug({ step: name, ms: Math.round(performance.now() - t0) }, 'stopped');
      }
    },
  };
  return app;
}

/**
 * The one seam between eval runs and the generate pipeline: a case runs as a production request
 * would (the pinned version, guardrails, routing, budgets, prompt caching), bypassing the response
 * cache so every case is really generated, traced with source EVAL and the run's id.
 */
async function generateEvalCase(pipeline: GenerationPipeline, req: EvalCaseRequest, ctx: { runId: string; actor: string | null; signal: AbortSignal }, rawPii = false): Promise<EvalCaseGeneration> {
  let parsed;
  try {
    parsed = parseGenerateInput({ ...req, cache: CacheMode.BYPASS } as unknown as GenerateInput);
  } catch (err) {
    return { traceId: null, output: null, error: `BAD_USER_INPUT: ${(err as Error).message}`, costMicros: 0, latencyMs: 0 };
  }
  // What the case's guardrails anonymized or blocked is scrubbed from the stored result as from its trace (unless TRACE_RAW_PII).
  const protectedValues = new ProtectedValues();
  const r = await collectResult(pipeline.run(parsed, { apiKeyId: null, apiKeyName: ctx.actor, source: 'EVAL', evalRunId: ctx.runId, protectedValues }, ctx.signal));
  const scrub = (s: string): string => (rawPii ? s : protectedValues.scrubText(s));
  const costMicros = Math.round((r.costUsd ?? 0) * 1e6);
  if (r.status !== 'COMPLETED') {
    return { traceId: r.traceId, output: null, error: r.error ? scrub(`${r.error.code}: ${r.error.message}`) : `generation ${r.status}`, costMicros, latencyMs: r.latencyMs ?? 0 };
  }
  return { traceId: r.traceId, output: r.text === null ? null : scrub(r.text), error: null, costMicros, latencyMs: r.latencyMs ?? 0 };
}

/**
 * The budget scope of online judging: the judge calls of a sampled trace are held, at their worst
 * case, on the budgets covering a request by API key `budgetKey` on the judge model (GLOBAL, that
 * MODEL, API_KEY `budgetKey`), and settled at their real cost. No DOWNGRADE: a refusal skips the judge.
 */
function judgeBudget(budgets: BudgetService, pricing: PricingService, budgetKey: string): JudgeBudget {
  return {
    async reserve(modelId, inputTokens, outputTokens) {
      const covering = await budgets.coveringBudgets({ prompt: '', modelId, apiKey: budgetKey, user: null });
      if (!covering.length) return { ok: true, settle: async () => undefined };
      const amountMicros = usageCostMicros({ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 }, pricing.pricesFor(modelId));
      const r = await budgets.reserve({ budgets: covering, amountMicros, requestId: randomUUID() });
      if (!r.ok) return { ok: false, message: r.message };
      return { ok: true, settle: (actualMicros) => budgets.settle(r.reservation, actualMicros) };
    },
  };
}

/** Cost of one call's usage at a model's prices (integer micro-USD; 0 for an unpriced model). */
function usageCostMicros(u: TokenUsage, prices: Prices | undefined): number {
  if (!prices) return 0;
  return picosToMicros(
    tokensCostPicos(u.inputTokens, prices.input) +
      tokensCostPicos(u.outputTokens, prices.output) +
      tokensCostPicos(u.cacheReadTokens, prices.cacheRead ?? prices.input) +
      tokensCostPicos(u.cacheWriteTokens, prices.cacheWrite ?? prices.input),
  );
}

/** What /readyz checks: the database answers (within 2 s), no migration is pending, a model provider is set. */
async function readiness(dataSource: DataSource, modelMode: string | undefined): Promise<Record<string, string>> {
  const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
  const checks: Record<string, string> = {};
  try {
    await within(dataSource.query('SELECT 1'), 2000);
    checks.database = 'ok';
    checks.migrations = (await within(dataSource.showMigrations(), 2000)) ? 'pending migrations' : 'ok';
  } catch (err) {
    checks.database = `unreachable: ${err instanceof Error ? err.message : String(err)}`;
    checks.migrations = 'unknown';
  }
  checks.modelProvider = modelMode ? 'ok' : 'not configured';
  return checks;
}
