/** Analytics: BI queries over the traces table (owns no tables). */
export {
  AnalyticsService,
  MAX_ANALYTICS_ROWS,
  EXACT_PERCENTILE_MAX_ROWS,
  planRange,
  latencyRangePlan,
  latencyRollupDims,
  type AnalyticsServiceOptions,
  type RangePlan,
  type LatencyRangePlan,
  type LatencyRollupDims,
} from './analytics.service';
export { AnalyticsResolver } from './analytics.resolver';
export { Dimension, TimeBucket, CostRow, LatencyRow, GuardrailRow, CacheRow, type RowKeys } from './analytics.types';
export { analyticsModule } from './analytics.module';
export { ClickHouseAnalyticsService } from './clickhouse';
