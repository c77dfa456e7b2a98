import type { DataSource } from 'typeorm';
import { defineFeature } from '../core/feature-module';
import type { TraceScoreService } from '../scores/index';
import { ReviewItem } from './review-item.entity';
import { ReviewSampler } from './review-sampler.entity';
import { ReviewResolver } from './review.resolver';
import { ReviewService, type ReviewOptions } from './review.service';

/** The human review queue and judge agreement. */
export const reviewModule = defineFeature({
  entities: [ReviewItem, ReviewSampler],
  resolvers: [ReviewResolver],
  create: (deps: { db: DataSource; traceScores: TraceScoreService; options: ReviewOptions }) => new ReviewService(deps.db, deps.traceScores, deps.options),
});
