import clickhouseGlobalTeardown from './clickhouse-global-teardown';

/** Jest global teardown: undoes global-setup.ts (the template database, the throwaway ClickHouse). */
export default async function globalTeardown(): Promise<void> {
  try {
    await clickhouseGlobalTeardown();
  } finally {
    await (globalThis as { __dropDatabaseSnapshots?: () => Promise<void> }).__dropDatabaseSnapshots?.();
  }
}
