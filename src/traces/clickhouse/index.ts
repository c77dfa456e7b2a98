/** The ClickHouse trace store (`CLICKHOUSE_URL`): tables, batched idempotent writes, the trace API's reads. */
export { ClickHouseTraceStore, literal, clickHouseRow, type ClickHouseTraceStoreOptions } from './clickhouse-trace-store';
export { ClickHouseTraceService } from './clickhouse-trace.service';
export { clickHouseFilterConditions, clickHouseTimeConditions, clickHouseSeconds } from './clickhouse-filter';
export { NULL_KEY, NULL_VERSION, STAGE_COST_COLUMNS, STORED_PERCENTILES_TABLE, TOKEN_COLUMNS } from './clickhouse-schema';
