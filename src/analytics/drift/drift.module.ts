import type { DataSource } from 'typeorm';
import { defineFeature } from '../../core/feature-module';
import { DriftResolver } from './drift.resolver';
import { DriftService } from './drift.service';

/** Drift of trace features between two time ranges (reads the traces table, owns none). */
export const driftModule = defineFeature({
  entities: [],
  resolvers: [DriftResolver],
  create: (deps: { db: DataSource }) => new DriftService(deps.db),
});
