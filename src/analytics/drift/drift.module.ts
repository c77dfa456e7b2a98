import type { DataSource } from 'typeorm';
import { defineFeature } from '../../core/feature-module';
import { DriftResolver } from './drift.resolver';
import { DriftService, type InputEmbedder } from './drift.service';
import { DriftInputEmbedding } from './input-embedding.entity';

/** Drift of traffic between two time ranges (reads traces, trace scores and eval results; owns the input embedding cache). */
export const driftModule = defineFeature({
  entities: [DriftInputEmbedding],
  resolvers: [DriftResolver],
  create: (deps: { db: DataSource; embedder?: InputEmbedder }) => new DriftService(deps.db, { embedder: deps.embedder }),
});
