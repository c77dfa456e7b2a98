import { Field, Float, InputType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

/** Create or replace an online evaluator. On update, an omitted `enabled` keeps its value. */
@InputType({ description: 'An online evaluator: which production traces to sample, and how to score them.' })
export class OnlineEvaluatorInput {
  @Field({ description: 'Unique name.' })
  name!: string;

  @Field({ description: 'An existing prompt: its production traces are scored.' })
  prompt!: string;

  @Field(() => String, { nullable: true, description: 'Only traces served under this label; default every label.' })
  label?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'An existing eval set: its rubric and judge model grade llm-rubric assertions, and its evalScoreTrend shows these scores. Required for llm-rubric without its own value.',
  })
  evalSet?: string | null;

  @Field(() => Float, { description: 'Share of matching traces scored, 0..1 (1: every trace).' })
  sampleRate!: number;

  @Field(() => Float, { nullable: true, description: 'Share of scored traces also sent to the review queue, 0..1; default REVIEW_SAMPLE_RATE.' })
  reviewSampleRate?: number | null;

  @Field(() => GraphQLJSON, { description: 'A list of assertions (see OnlineEvaluator.assertions), e.g. [{"type": "is-json"}, {"type": "llm-rubric"}].' })
  assertions!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'See OnlineEvaluator.filter; unknown keys are refused.' })
  filter?: unknown;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;
}
