import 'reflect-metadata';
import { loadConfig } from './config/config';
import { createLogger } from './observability/logger';
import { createApp } from './app';

/** Start-up: read config, open the database, start the server, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  const port = await app.start();
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  logger.info({ port, database: config.databaseUrl ? 'postgresql' : `pglite:${config.dataDir}`, startupMs: Math.round(ms) }, `GraphQL ready at http://localhost:${port}/graphql`);
  if (app.generatedAdminSecret) {
    // Printed once, on the first start of an empty database, so a newcomer can call the admin API.
    process.stdout.write(`\nNo API key existed, so an ADMIN key was created. Its secret (shown only now):\n\n  ${app.generatedAdminSecret}\n\n`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // The streams' grace period, then 20 s for the rest (HTTP drain, trace flush, database).
    const limitMs = config.shutdownGraceMs + 20_000;
    const timer = setTimeout(() => {
      logger.error(`clean stop took over ${Math.round(limitMs / 1000)} s; exiting`);
      process.exit(1);
    }, limitMs).unref();
    try {
      await app.stop();
      clearTimeout(timer);
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  // eslint-disable-next-line no-console
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
