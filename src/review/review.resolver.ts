import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ReviewItem } from './review-item.entity';
import { JudgeAgreement, ReviewInput } from './review.inputs';
import type { ReviewService } from './review.service';
import { ApiRole, Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import { TimeBucket } from '../analytics/index';

type ServicesContext = RequestContext<{ review: ReviewService }>;

/** People review: ANALYST (and ADMIN) keys. */
const REVIEWERS = [ApiRole.ANALYST];

@Resolver()
export class ReviewResolver {
  @Authorized(REVIEWERS)
  @Query(() => [ReviewItem], {
    description: 'Sampled production traces and eval results awaiting a person, oldest first, claimed for the caller (default 10, at most 100).',
  })
  reviewQueue(@Ctx() ctx: ServicesContext, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<ReviewItem[]> {
    return ctx.services.review.queue(ctx.actor, first ?? 10);
  }

  @Authorized(REVIEWERS)
  @Mutation(() => ReviewItem, { description: "Records a person's score (0..1) on the item, its eval result (humanScore) and its trace (Trace.scores)." })
  submitReview(@Arg('input', () => ReviewInput) input: ReviewInput, @Ctx() ctx: ServicesContext): Promise<ReviewItem> {
    return ctx.services.review.submit(input, ctx.actor);
  }

  @Authorized(Roles.READ)
  @Query(() => JudgeAgreement, { description: 'Judge vs human over eval results with both scores; per time bucket with `bucket`.' })
  judgeAgreement(
    @Ctx() ctx: ServicesContext,
    @Arg('evalSet', () => String, { nullable: true }) evalSet?: string,
    @Arg('bucket', () => TimeBucket, { nullable: true }) bucket?: TimeBucket,
  ): Promise<JudgeAgreement> {
    return ctx.services.review.agreement(evalSet, bucket);
  }
}
