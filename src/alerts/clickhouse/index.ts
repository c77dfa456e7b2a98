/** The alert metrics' reads of the ClickHouse trace store. */
export { ClickHouseTraceMetricReader } from './clickhouse-trace-metrics';
