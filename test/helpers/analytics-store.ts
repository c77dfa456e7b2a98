import { AnalyticsService, ClickHouseAnalyticsService, type AnalyticsServiceOptions } from '../../src/analytics';
import { ClickHouseTraceService } from '../../src/traces';
import type { TestApp } from './test-app';

/**
 * An analytics service over the test app's trace store: ClickHouse when the app runs with
 * CLICKHOUSE_URL (the same test suite then checks the ClickHouse answers), else the database.
 */
export function analyticsFor(t: TestApp, options: AnalyticsServiceOptions = {}): AnalyticsService {
  const traces = t.app.services.traces;
  return traces instanceof ClickHouseTraceService ? new ClickHouseAnalyticsService(t.app.dataSource, traces.store, options) : new AnalyticsService(t.app.dataSource, options);
}

/**
 * Rows as plain JSON for comparison. Across two stores (ClickHouse against the PostgreSQL GROUP BY)
 * floating-point sums are added in another order: averages and interpolated percentiles are compared
 * to 12 significant digits; integers (counts, tokens) and money (exact micro-USD) stay exact.
 */
export function plainRows<T>(rows: T[], crossStore: boolean): T[] {
  return JSON.parse(JSON.stringify(rows), (_k, v: unknown) => (crossStore && typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v)) as T[];
}
