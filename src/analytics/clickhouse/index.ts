/** The analytics queries answered from the ClickHouse trace store. */
export { ClickHouseAnalyticsService } from './clickhouse-analytics.service';
