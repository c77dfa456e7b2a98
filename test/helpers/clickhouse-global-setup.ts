import { startThrowawayClickHouse, clickHouseServerBinary, type ThrowawayClickHouse } from './throwaway-clickhouse';

/**
 * Jest global setup: with `TEST_CLICKHOUSE=1` (and no CLICKHOUSE_URL), starts a throwaway
 * ClickHouse on a free port when the binary exists and sets CLICKHOUSE_URL for the test workers,
 * so the analytics and trace tests run against it. Without the binary, says so and leaves the
 * tests on PostgreSQL/PGlite only.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_CLICKHOUSE !== '1' || process.env.CLICKHOUSE_URL) return;
  if (!clickHouseServerBinary()) {
    process.stderr.write('TEST_CLICKHOUSE=1 but clickhouse-server is not installed: tests run without ClickHouse\n');
    return;
  }
  const server = await startThrowawayClickHouse();
  process.env.CLICKHOUSE_URL = server.url;
  (globalThis as { __throwawayClickHouse?: ThrowawayClickHouse }).__throwawayClickHouse = server;
}
