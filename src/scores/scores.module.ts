import type { DataSource } from 'typeorm';
import { defineFeature } from '../core/feature-module';
import { TraceScore } from './trace-score.entity';
import { TraceScoresResolver } from './trace-scores.resolver';
import { TraceScoreService } from './trace-score.service';

/** Scores given to traces after they were written (`Trace.scores`). */
export const scoresModule = defineFeature({
  entities: [TraceScore],
  resolvers: [TraceScoresResolver],
  create: (deps: { db: DataSource }) => new TraceScoreService(deps.db),
});
