import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config/config';
import { createDataSource } from './db/data-source';
import { createLocalChangeBus, createPostgresChangeBus, type ChangeBus } from './db/change-bus';
import { AuditService } from './audit/audit.service';
import { ApiKeyService } from './auth/api-key.service';
import { BudgetService } from './budgets/index';
import { AlertService, ALERTS_TOPIC } from './alerts/index';
import { createPubSub } from './graphql/pubsub';
import { PromptService } from './prompts/index';
import { RoutingService } from './routing/index';
import { EvalSetService } from './evals/index';
import { TraceService } from './traces/index';
import { AnalyticsService } from './analytics/index';
import { createModelRuntime, resolveModel } from './providers/index';
import { GuardrailService } from './guardrails/index';
import { createGenerationPipeline, type BudgetsPort } from './generate/index';
import { buildAppSchema } from './graphql/schema';
import { createServer, type RunningServer } from './server';
import { createMetrics } from './observability/metrics';
import type { Logger } from './observability/logger';
import type { Services } from './services';

export interface App {
  config: AppConfig;
  dataSource: DataSource;
  services: Services;
  bus: ChangeBus;
  server: RunningServer;
  /** The port bound by `start()`. */
  port: number;
  start(): Promise<number>;
  /** Stops cleanly: drain HTTP, close sockets, flush pending writes, close the database. */
  stop(): Promise<void>;
  /** Secret of an ADMIN key generated at first start (no ADMIN_API_KEY and no key yet). */
  generatedAdminSecret?: string;
}

/**
 * The composition root: the one place that builds every dependency and passes them on as plain
 * objects. Runs pending migrations before serving.
 */
export async function createApp(config: AppConfig, logger: Logger): Promise<App> {
  const dataSource = createDataSource({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await dataSource.initialize();
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  if (ran.length) logger.info({ migrations: ran.map((m) => m.name) }, 'migrations applied');

  const bus = config.databaseUrl ? await createPostgresChangeBus(config.databaseUrl, logger) : createLocalChangeBus();
  const audit = new AuditService(dataSource);
  const apiKeys = new ApiKeyService(dataSource, audit, bus, logger);
  const pubSub = await createPubSub({ databaseUrl: config.databaseUrl, relayTopics: [ALERTS_TOPIC], logger });
  const alerts = new AlertService(dataSource, audit, pubSub, logger);
  const isKnownModel = (id: string): boolean => resolveModel(id) !== undefined;
  const budgets = new BudgetService({ db: dataSource, audit, bus, alerts, logger, holdTtlMs: config.generation.budgetHoldTtlMs, isKnownModel });
  const prompts = new PromptService(dataSource, audit, bus, { isKnownModel });
  const routing = new RoutingService(dataSource, audit, bus, { isKnownModel });
  const evalSets = new EvalSetService(dataSource, audit, { isKnownModel });
  const traces = new TraceService(dataSource, logger);
  const analytics = new AnalyticsService(dataSource);
  const models = await createModelRuntime(config, logger, { dataSource, audit, bus });
  const guardrails = new GuardrailService(dataSource, audit, bus, logger, models.provider);
  const budgetsPort: BudgetsPort = {
    covering: (req) => budgets.coveringBudgets(req),
    reserve: (covering, amountMicros, requestId) =>
      budgets.reserve({ budgets: covering as Awaited<ReturnType<BudgetService['coveringBudgets']>>, amountMicros, requestId }),
    async settle(reservation, actualMicros, servedBudgetIds) {
      const r = reservation as Parameters<BudgetService['settle']>[0];
      if (!servedBudgetIds) return budgets.settle(r, actualMicros);
      const served = new Set(servedBudgetIds);
      await budgets.settle({ ...r, holds: r.holds.filter((h) => served.has(h.budgetId)) }, actualMicros);
      await budgets.release({ ...r, holds: r.holds.filter((h) => !served.has(h.budgetId)) });
    },
    release: (reservation) => budgets.release(reservation as Parameters<BudgetService['release']>[0]),
    extend: (reservation) => budgets.extend(reservation as Parameters<BudgetService['extend']>[0]),
  };
  const { pipeline: generation } = createGenerationPipeline({
    config,
    prompts,
    routing,
    guardrails,
    budgets: budgetsPort,
    models: { provider: models.provider, modelInfo: (id) => models.pricing.modelInfo(id), pricesFor: (id) => models.pricing.pricesFor(id) },
    traces,
  });
  const services: Services = { apiKeys, audit, generation, budgets, alerts, prompts, routing, evalSets, traces, analytics, models, guardrails };

  const boot = await apiKeys.bootstrap(config.adminApiKey);
  const metrics = createMetrics();
  traces.writer.registerMetrics(metrics.registry);
  const schema = await buildAppSchema({ pubSub });
  const server = await createServer({
    schema,
    services,
    logger,
    metrics,
    healthy: async () => (await dataSource.query('SELECT 1')).length === 1,
  });

  const app: App = {
    config,
    dataSource,
    services,
    bus,
    server,
    port: 0,
    generatedAdminSecret: boot.secret,
    async start() {
      app.port = await server.listen(config.port, config.host);
      budgets.startReaper();
      return app.port;
    },
    async stop() {
      // Order matters: no new requests, then the model clients, then writers that still need the
      // database (reaper, traces), then the listeners, then the database itself.
      const steps: Array<[string, () => Promise<unknown>]> = [
        ['server', () => server.stop()],
        ['models', () => models.close()],
        ['budget reaper', () => budgets.stopReaper()],
        ['pubsub', () => pubSub.close()],
        ['traces', () => traces.close()],
        ['change bus', () => bus.close()],
        ['database', () => dataSource.destroy()],
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
