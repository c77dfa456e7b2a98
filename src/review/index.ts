/** Human review of sampled traces and eval results, and the judge's agreement with people. */
export { ReviewItem, ReviewKind } from './review-item.entity';
export { ReviewService, type ReviewOptions, type TraceReviewSample } from './review.service';
export { judgeAgreement, PASS_AT, type Agreement, type ScorePair } from './agreement';
export { reviewModule } from './review.module';
