import 'reflect-metadata';
import { loadConfig } from './config/config';
import { createLogger, resolveLogFormat, routeProcessWarnings, type Logger } from './observability/logger';
import { createApp, databaseDescription } from './app';

/**
 * Start-up: read config, open the database, start the server, stop cleanly on SIGTERM/SIGINT.
 * Everything the process says goes through the logger (JSON lines unless on a terminal or
 * `LOG_FORMAT=pretty`), start-up failures and process warnings included.
 */
async function main(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { format: config.logFormat ?? resolveLogFormat() });
  failureLogger = logger;
  routeProcessWarnings(logger);
  const app = await createApp(config, logger);
  const port = await app.start();
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  logger.info(
    { port, database: app.modes.database, modelProvider: app.modes.models, otelExport: Boolean(app.spanExporter), startupMs: Math.round(ms) },
    `GraphQL ready at http://localhost:${port}/graphql (database: ${databaseDescription(config)}; models: ${app.modes.models === 'bedrock' ? 'AWS Bedrock' : 'emulator'})`,
  );
  if (app.generatedAdminSecret) {
    // Shown once, on the first start of an empty database, so a newcomer can call the admin API.
    logger.warn({ adminApiKey: app.generatedAdminSecret }, 'No API key existed, so an ADMIN key was created. Its secret (adminApiKey) is shown only now: send it as "Authorization: Bearer <secret>"');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // The streams' grace period, then 20 s for the rest (HTTP drain, trace flush, database). The
    // timer keeps the process alive until the stop ends: unref'd, a stop step waiting on a promise with
    // no handle left (everything else closed) would let Node exit 0 without the 'stopped' line.
    const limitMs = config.shutdownGraceMs + 20_000;
    const timer = setTimeout(() => {
      logger.error(`clean stop took over ${Math.round(limitMs / 1000)} s; exiting`);
      process.exit(1);
    }, limitMs);
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

// Until the config is read (it may be what fails), a logger from LOG_LEVEL/LOG_FORMAT as given.
const early = createLogger(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL! : 'info');
let failureLogger: Logger = early;
routeProcessWarnings(early);

main().catch((err) => {
  // A process that exits 1 says why, even with LOG_LEVEL=silent.
  const log = failureLogger.level === 'silent' ? createLogger('fatal') : failureLogger;
  log.fatal({ err }, `start-up failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
