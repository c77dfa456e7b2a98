import { randomUUID } from 'node:crypto';
import { ClickHouseTraceStore } from '../../src/traces';
import { clickHouseServerBinary, startThrowawayClickHouse, type ThrowawayClickHouse } from './throwaway-clickhouse';

/** A ClickHouse trace store of a test's own, and how to remove it. */
export interface TestClickHouseStore {
  store: ClickHouseTraceStore;
  /** Drops the store's database, closes it and stops the throwaway server it started, if any. */
  close(): Promise<void>;
}

/**
 * A ClickHouse trace store in a fresh database (`<prefix>_<uuid>`), initialized: on the suite's
 * ClickHouse (CLICKHOUSE_URL) when set, else on a throwaway server started for it.
 */
export async function openTestClickHouseStore(prefix: string): Promise<TestClickHouseStore> {
  let ch: ThrowawayClickHouse | null = null;
  let base = process.env.CLICKHOUSE_URL;
  if (!base) {
    if (!clickHouseServerBinary()) throw new Error('clickhouse-server is not installed (apt-get install clickhouse-server; .ci/run does it)');
    ch = await startThrowawayClickHouse();
    base = ch.url;
  }
  const store = new ClickHouseTraceStore({ url: `${base.replace(/\/+$/, '')}/${prefix}_${randomUUID().replace(/-/g, '')}` });
  try {
    await store.init();
  } catch (err) {
    await ch?.destroy();
    throw err;
  }
  return {
    store,
    async close() {
      await store.dropDatabase();
      await store.close();
      await ch?.destroy();
    },
  };
}
