import clickhouseGlobalSetup from './clickhouse-global-setup';
import { prepareDatabaseSnapshots } from './database-snapshot';

/**
 * Jest global setup: the migrated database snapshots every test app starts from
 * (database-snapshot.ts), then, with `TEST_CLICKHOUSE=1`, a throwaway ClickHouse.
 */
export default async function globalSetup(): Promise<void> {
  (globalThis as { __dropDatabaseSnapshots?: () => Promise<void> }).__dropDatabaseSnapshots = await prepareDatabaseSnapshots();
  await clickhouseGlobalSetup();
}
