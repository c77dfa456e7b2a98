import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { StageCost } from '../traces';
import { GuardrailDirection } from '../guardrails';

/** What a row of an analytics query is grouped by. TAG counts a trace once per tag (untagged: key null). */
export enum Dimension {
  PROMPT = 'PROMPT',
  PROMPT_VERSION = 'PROMPT_VERSION',
  LABEL = 'LABEL',
  MODEL = 'MODEL',
  ROUTE_RULE = 'ROUTE_RULE',
  USER = 'USER',
  API_KEY = 'API_KEY',
  TAG = 'TAG',
}
registerEnumType(Dimension, { name: 'Dimension' });

/** Time buckets, truncated in UTC; WEEK starts on Monday. */
export enum TimeBucket {
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(TimeBucket, { name: 'TimeBucket' });

/** Keys of a grouped row, e.g. `{ "MODEL": "amazon.nova-micro-v1:0", "PROMPT": "support" }`. */
export type RowKeys = Partial<Record<Dimension, string | number | null>>;

@ObjectType()
export class CostRow {
  @Field(() => GraphQLJSON, { description: 'The value of each groupBy dimension, e.g. { "MODEL": "...", "PROMPT": "..." }.' })
  keys!: RowKeys;

  @Field(() => Date, { nullable: true, description: 'Start of the time bucket (UTC); null without `bucket`.' })
  bucket!: Date | null;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  inputTokens!: number;

  @Field(() => Int)
  outputTokens!: number;

  @Field(() => Int)
  cacheReadTokens!: number;

  @Field(() => Int)
  cacheWriteTokens!: number;

  @Field(() => Float, { description: 'Summed exactly in micro-USD by the database.' })
  costUsd!: number;

  @Field(() => StageCost)
  costByStage!: StageCost;
}

@ObjectType()
export class LatencyRow {
  @Field(() => GraphQLJSON)
  keys!: RowKeys;

  @Field(() => Date, { nullable: true })
  bucket!: Date | null;

  @Field(() => Int)
  requests!: number;

  @Field(() => Float, { nullable: true, description: 'Null when no trace of the row has a latency.' })
  avgMs!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Exact continuous percentile (percentile_cont) when the time range holds at most 20 000 traces; beyond, from DDSketch rollups: within 1% of the latency of that rank.',
  })
  p50Ms!: number | null;

  @Field(() => Float, { nullable: true })
  p95Ms!: number | null;

  @Field(() => Float, { nullable: true })
  p99Ms!: number | null;

  @Field(() => Float, { nullable: true })
  ttftP50Ms!: number | null;

  @Field(() => Float, { nullable: true })
  ttftP95Ms!: number | null;
}

@ObjectType({ description: 'One policy × finding kind × direction in one bucket. Only combinations that triggered at least once appear.' })
export class GuardrailRow {
  @Field(() => Date, { nullable: true })
  bucket!: Date | null;

  @Field()
  policy!: string;

  @Field(() => String, { nullable: true, description: 'PII TOPIC WORD PROMPT_INJECTION CONTENT; null for an intervention without findings.' })
  kind!: string | null;

  @Field(() => GuardrailDirection)
  direction!: GuardrailDirection;

  @Field(() => Int, { description: 'All requests in the bucket (matching the filter): the denominator of `rate`.' })
  requests!: number;

  @Field(() => Int, { description: 'Requests with at least one finding of this kind (action other than NONE).' })
  triggered!: number;

  @Field(() => Int, { description: 'Requests where such a finding blocked.' })
  blocked!: number;

  @Field(() => Int, { description: 'Requests where such a finding anonymized.' })
  anonymized!: number;

  @Field(() => Float, { description: 'triggered / requests' })
  rate!: number;
}

@ObjectType()
export class CacheRow {
  @Field(() => Date, { nullable: true })
  bucket!: Date | null;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int, { description: 'Requests answered from the response cache.' })
  hits!: number;

  @Field(() => Float, { description: 'hits / requests (0 when there are no requests).' })
  hitRate!: number;

  @Field(() => Float, { description: 'What the cached answers cost when they were generated: the money the hits saved.' })
  savedUsd!: number;

  @Field(() => Int, { description: 'Input tokens read from the model provider’s prompt cache.' })
  promptCacheReadTokens!: number;
}
