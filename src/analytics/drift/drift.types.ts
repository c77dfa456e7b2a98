import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';

@InputType({ description: 'A time range: from (inclusive) to (exclusive).' })
export class TimeRangeInput {
  @Field()
  from!: Date;

  @Field()
  to!: Date;
}

@ObjectType({ description: 'Whether one signal drifted between the baseline and the window (docs/drift.md lists every signal, method and threshold).' })
export class DriftFeature {
  @Field({
    description:
      'The signal. Inputs: inputLength, inputLanguage, inputTopicCentroid, inputTopicOutliers. Routing: modelId, routeRule. Retrieval: contextScore, contextDropped. ' +
      'Outcomes: errorRate, guardrailTriggerRate, outputLength, evalScoreOnline, evalScoreRuns, latencyMs, ttftMs, status. Also inputTokens, outputTokens, costUsd.',
  })
  name!: string;

  @Field(() => Float, { nullable: true, description: 'KS D, PSI, Jensen–Shannon divergence, z, t, cosine distance or a share (see `method`); null when there is no verdict (see `note`).' })
  statistic!: number | null;

  @Field({
    description:
      'ks (two-sample Kolmogorov–Smirnov, α = 0.05), psi (population stability index), jensen-shannon (divergence, base 2), two-proportion-z (α = 0.01), welch-t (α = 0.01), ' +
      'centroid-cosine (permutation test, α = 0.01) or outlier-share (share of inputs outside the baseline clusters).',
  })
  method!: string;

  @Field(() => Float, { nullable: true, description: 'Drifted when the statistic exceeds this (for z and t: when its absolute value does).' })
  threshold!: number | null;

  @Field({ description: 'Whether this signal drifted; false when there were too few samples to judge.' })
  drifted!: boolean;

  @Field({ description: 'True when the window or the baseline had too few samples for this signal: no verdict, `drifted` is false.' })
  insufficientData!: boolean;

  @Field(() => String, { nullable: true, description: 'Why there is no verdict (too few samples, embeddings unavailable), or what a missing statistic means.' })
  note!: string | null;

  @Field(() => Int, { description: 'Values of this signal compared from the window (traces, inputs, chunks or scores).' })
  windowSamples!: number;

  @Field(() => Int, { description: 'Values of this signal compared from the baseline.' })
  baselineSamples!: number;
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
