import { Field, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

/** Create or replace a routing rule. On update, an omitted `enabled` or `fallbackModelIds` keeps its value. */
@InputType()
export class RoutingRuleInput {
  @Field()
  name!: string;

  @Field(() => Int, { description: 'Lower is tried first; 0 or more.' })
  priority!: number;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;

  @Field(() => GraphQLJSON, { description: 'See RoutingRule.condition; unknown keys and wrong types are refused.' })
  condition!: unknown;

  @Field()
  targetModelId!: string;

  @Field(() => [String], { nullable: true, description: 'Default [].' })
  fallbackModelIds?: string[] | null;
}
