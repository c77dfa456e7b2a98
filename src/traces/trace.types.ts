import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { microsToUsd } from '../providers/cost';

import { GenerationStatus, TraceSource, type StageCostMicrosData, type StageTokensData, type UsageData } from './trace-record';

/** How a generation ended (API.md `GenerationStatus`); shared by traces and the generate feature. */
export { GenerationStatus };
registerEnumType(GenerationStatus, { name: 'GenerationStatus' });

export type { StageCostMicrosData, StageTokensData, UsageData };

/** PRODUCTION or EVAL (see `trace-record.ts`). */
export { TraceSource };
registerEnumType(TraceSource, { name: 'TraceSource', description: 'PRODUCTION: a client request; EVAL: a case of an eval run.' });

/** Integer micro-USD to USD for the wire (one definition, in the providers' cost arithmetic). */
export { microsToUsd };

/** Tokens split by the pipeline stage they came from (uncached input per stage, and output). */
@ObjectType()
export class StageTokens {
  @Field(() => Int)
  system!: number;

  @Field(() => Int)
  context!: number;

  @Field(() => Int)
  history!: number;

  @Field(() => Int)
  input!: number;

  @Field(() => Int)
  output!: number;

  static from(s: StageTokensData): StageTokens {
    return Object.assign(new StageTokens(), { system: s.system, context: s.context, history: s.history, input: s.input, output: s.output });
  }
}

/** Token usage of one generation as Bedrock reports it (`inputTokens` excludes cached tokens). */
@ObjectType()
export class Usage {
  @Field(() => Int)
  inputTokens!: number;

  @Field(() => Int)
  outputTokens!: number;

  @Field(() => Int)
  cacheReadTokens!: number;

  @Field(() => Int)
  cacheWriteTokens!: number;

  @Field(() => StageTokens)
  byStage!: StageTokens;

  static from(u: UsageData): Usage {
    return Object.assign(new Usage(), {
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      cacheReadTokens: u.cacheReadTokens,
      cacheWriteTokens: u.cacheWriteTokens,
      byStage: StageTokens.from(u.byStage),
    });
  }
}

/** Cost per stage in USD; the stages add up to the generation's `costUsd`. */
@ObjectType()
export class StageCost {
  @Field(() => Float)
  system!: number;

  @Field(() => Float)
  context!: number;

  @Field(() => Float)
  history!: number;

  @Field(() => Float)
  input!: number;

  @Field(() => Float)
  output!: number;

  @Field(() => Float)
  cacheRead!: number;

  @Field(() => Float)
  cacheWrite!: number;

  /** From exact integer micro-USD per stage (numbers, or the strings `bigint`/`numeric` columns give). */
  static fromMicros(m: { [K in keyof StageCostMicrosData]: number | string | bigint }): StageCost {
    return Object.assign(new StageCost(), {
      system: microsToUsd(m.system),
      context: microsToUsd(m.context),
      history: microsToUsd(m.history),
      input: microsToUsd(m.input),
      output: microsToUsd(m.output),
      cacheRead: microsToUsd(m.cacheRead),
      cacheWrite: microsToUsd(m.cacheWrite),
    });
  }
}

/** One timed step of the pipeline (names: routing, prompt_assembly, guardrail_input, cache_lookup, ...). */
@ObjectType()
export class Span {
  @Field()
  name!: string;

  @Field()
  startedAt!: Date;

  @Field(() => Float)
  durationMs!: number;

  @Field(() => GraphQLJSON, { nullable: true })
  attributes!: Record<string, unknown> | null;
}
