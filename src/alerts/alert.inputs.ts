import { Field, InputType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

@InputType()
export class AlertRuleInput {
  @Field()
  name!: string;

  @Field({ description: 'cost, p95_latency, error_rate, guardrail_trigger_rate, eval_score, drift or budget' })
  metric!: string;

  @Field(() => GraphQLJSON, { description: '{"above": n} or {"below": n}; for metric budget {"budget": "<budget name>"}' })
  condition!: unknown;

  @Field({ description: 'e.g. "5m", "1h", "1d" (at most 30 days)' })
  window!: string;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;
}
