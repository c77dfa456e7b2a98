/**
 * Entry of a second server process for tests (see server-process.ts): the real app on the database
 * in DATABASE_URL, on a random port. Prints `SERVER_PROCESS_PORT=<port>` once listening; stops
 * cleanly on the parent's `stop` message (or when the parent goes away).
 */
import 'reflect-metadata';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/observability/logger';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config, createLogger(config.logLevel));
  const port = await app.start();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
      },
    ));
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.stdout.write(`SERVER_PROCESS_PORT=${port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`server process failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
