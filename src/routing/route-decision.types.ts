import { Field, Float, Int, ObjectType } from 'type-graphql';
import { RoutingRule } from './routing-rule.entity';
import type { RouteDecisionData } from './route';

/** Which model a request would go to, and why (the answer of `explainRoute`). */
@ObjectType({ description: 'Which model a request goes to, and why.' })
export class RouteDecision implements RouteDecisionData<RoutingRule> {
  @Field()
  modelId!: string;

  @Field(() => [String])
  fallbackModelIds!: string[];

  @Field(() => RoutingRule, { nullable: true, description: 'The rule that matched; null when the prompt version or default model serves.' })
  rule!: RoutingRule | null;

  @Field({ description: 'e.g. rule "long-inputs" (priority 10): inputTokens 5234 >= minInputTokens 4000' })
  reason!: string;

  @Field(() => Int)
  inputTokens!: number;

  @Field(() => Float, { description: 'The complexity score of the input, 0..1.' })
  complexity!: number;

  /** Wraps a decision of `resolveTarget` for GraphQL. */
  static from(data: RouteDecisionData<RoutingRule>): RouteDecision {
    return Object.assign(new RouteDecision(), data);
  }
}
