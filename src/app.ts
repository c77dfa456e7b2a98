import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config/config';
import { createDataSource } from './db/data-source';
import { createLocalChangeBus, createPostgresChangeBus, type ChangeBus } from './db/change-bus';
import { AuditService } from './audit/audit.service';
import { ApiKeyService } from './auth/api-key.service';
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
  const services: Services = { apiKeys, audit };

  const boot = await apiKeys.bootstrap(config.adminApiKey);
  const metrics = createMetrics();
  const schema = await buildAppSchema();
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
      return app.port;
    },
    async stop() {
      await server.stop();
      await bus.close();
      await dataSource.destroy();
    },
  };
  return app;
}
