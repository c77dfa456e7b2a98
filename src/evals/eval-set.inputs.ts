import { Field, Float, InputType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

/** One eval case to add; the JSON fields are validated with `eval-case.schemas.ts`. */
@InputType()
export class EvalCaseInput {
  @Field(() => GraphQLJSON, { nullable: true, description: 'An object of strings.' })
  variables?: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: '[{ role: USER | ASSISTANT, content }]' })
  messages?: unknown;

  @Field(() => String, { nullable: true })
  input?: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: '[{ id, text, score?, source? }]' })
  context?: unknown;

  @Field(() => String, { nullable: true })
  expected?: string | null;

  @Field(() => GraphQLJSON, { description: '[{ type, value?, weight?, threshold?, flags? }], at least one.' })
  assertions!: unknown;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => Float, { nullable: true, description: 'The case passes when its score reaches this (0..1); without it, when every assertion passes.' })
  threshold?: number | null;
}

@InputType()
export class EvalSetInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  rubric?: string | null;

  @Field(() => String, { nullable: true })
  judgeModelId?: string | null;

  @Field(() => [EvalCaseInput], { nullable: true })
  cases?: EvalCaseInput[] | null;
}

/** Changes an eval set's settings: an omitted field keeps its value, null clears it. Cases are added with addEvalCases. */
@InputType()
export class EvalSetUpdateInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  rubric?: string | null;

  @Field(() => String, { nullable: true })
  judgeModelId?: string | null;
}
