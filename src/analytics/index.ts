/** Analytics: BI queries over the traces table (owns no tables). */
export { AnalyticsService } from './analytics.service';
export { AnalyticsResolver } from './analytics.resolver';
export { Dimension, TimeBucket, CostRow, LatencyRow, GuardrailRow, CacheRow, type RowKeys } from './analytics.types';
