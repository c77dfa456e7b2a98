import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';

@InputType({ description: 'A time range: from (inclusive) to (exclusive).' })
export class TimeRangeInput {
  @Field()
  from!: Date;

  @Field()
  to!: Date;
}

@ObjectType({ description: 'Whether one trace feature drifted between the baseline and the window.' })
export class DriftFeature {
  @Field({ description: 'latencyMs, ttftMs, inputTokens, outputTokens, costUsd (numeric); status, modelId (categorical).' })
  name!: string;

  @Field(() => Float, { nullable: true, description: 'KS statistic D, or PSI; null when either range has no data.' })
  statistic!: number | null;

  @Field({ description: 'ks (two-sample Kolmogorov–Smirnov, α = 0.05) or psi (population stability index).' })
  method!: string;

  @Field(() => Float, { nullable: true, description: 'Drifted when the statistic exceeds this.' })
  threshold!: number | null;

  @Field()
  drifted!: boolean;
}

@ObjectType({ description: 'Drift of the traces in a window against a baseline range.' })
export class DriftReport {
  @Field({ description: 'True when any feature drifted.' })
  drifted!: boolean;

  @Field(() => [DriftFeature])
  features!: DriftFeature[];

  @Field(() => Int, { description: 'Traces compared from the window (a random sample of at most 5,000).' })
  windowCount!: number;

  @Field(() => Int, { description: 'Traces compared from the baseline (a random sample of at most 5,000).' })
  baselineCount!: number;
}
