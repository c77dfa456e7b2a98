/**
 * Recomputes the trace rollups from the raw traces: `npm run rollups:rebuild` (DATABASE_URL or DATA_DIR
 * as for the service). Safe while the service runs: trace writes wait for the rebuild's transaction.
 */
import { rebuildRollups } from '../src/traces';
import { openDatabase } from './db-cli';

async function main(): Promise<void> {
  const ds = await openDatabase();
  const started = Date.now();
  try {
    const n = await rebuildRollups(ds);
    console.log(`rollups rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s: ${n.rollups} hourly rows, ${n.guardrails} guardrail rows`);
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
