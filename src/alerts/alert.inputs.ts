import { Field, InputType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

@InputType()
export class AlertRuleInput {
  @Field()
  name!: string;

  @Field({ description: 'cost, p95_latency, error_rate, guardrail_trigger_rate, eval_score, drift or budget' })
  metric!: string;

  @Field(() => GraphQLJSON, {
    description:
      'One of {"above": n}, {"below": n}, {"ratio": r} or {"zScore": z} (deviation from a trailing baseline; with "direction" up|down and "baselineWindow"), ' +
      'plus "minSamples" and "prompt" (eval_score: "evalSet"); for metric budget {"budget": "<budget name>"}',
  })
  condition!: unknown;

  @Field({ description: 'e.g. "5m", "1h", "1d" (at most 30 days)' })
  window!: string;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL each event of this rule is POSTed to as JSON (retried with backoff; see alertDeliveries).' })
  webhookUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'With webhookUrl: the POST carries X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with this secret>. Never returned.',
  })
  webhookSecret?: string | null;
}
