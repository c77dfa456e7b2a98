import type { ThrowawayClickHouse } from './throwaway-clickhouse';

/** Jest global teardown: stops the throwaway ClickHouse the global setup started, if any. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __throwawayClickHouse?: ThrowawayClickHouse }).__throwawayClickHouse?.destroy();
}
