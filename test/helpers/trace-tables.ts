import type { DataSource } from 'typeorm';

/** The traces table and every rollup table fed from it. */
export const TRACE_TABLES = [
  'traces',
  'trace_rollups_hourly',
  'trace_guardrail_rollups_hourly',
  'trace_rollups_daily',
  'trace_guardrail_rollups_daily',
  'trace_latency_rollups_hourly',
  'trace_latency_rollups_daily',
] as const;

/** Empties the traces and all their rollups, for a test that counts what it writes itself. */
export async function clearTraceTables(ds: DataSource): Promise<void> {
  for (const table of TRACE_TABLES) await ds.query(`DELETE FROM ${table}`);
}
