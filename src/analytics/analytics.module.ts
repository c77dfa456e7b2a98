import type { DataSource } from 'typeorm';
import { defineFeature } from '../core/feature-module';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';

/** Analytics: BI queries over the traces table (owns no tables). */
export const analyticsModule = defineFeature({
  entities: [],
  resolvers: [AnalyticsResolver],
  create: (deps: { db: DataSource }) => new AnalyticsService(deps.db),
});
