import { createLogger, routeProcessWarnings } from '../../observability/logger';
import { startEmulator } from './emulator.server';

/** `npm run emulator`: the Bedrock emulator on its own, for other tools (PORT, default 4010; HOST, default 127.0.0.1). */
const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
routeProcessWarnings(logger);

async function main(): Promise<void> {
  const port = Number.parseInt(process.env.PORT ?? '4010', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${process.env.PORT}"`);
  const emulator = await startEmulator({ port, host: process.env.HOST ?? '127.0.0.1', logger });
  logger.info({ url: emulator.url }, `Bedrock emulator at ${emulator.url} (set BEDROCK_ENDPOINT=${emulator.url} or AWS_ENDPOINT_URL_BEDROCK_RUNTIME=${emulator.url})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the emulator');
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, `emulator start-up failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
