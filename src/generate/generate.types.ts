import { createUnionType, Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GuardrailAction, GuardrailDirection, GuardrailFinding } from '../guardrails';
import { GenerationStatus, StageCost, Usage } from '../traces';

@ObjectType()
export class GenerationStarted {
  @Field(() => ID)
  traceId!: string;

  @Field()
  modelId!: string;

  @Field(() => Int)
  promptVersion!: number;

  @Field(() => String, { nullable: true })
  label!: string | null;

  @Field(() => String, { nullable: true, description: 'The routing rule that chose the model, `request`, or `budget:<name>` after a downgrade.' })
  routedBy!: string | null;

  @Field()
  cached!: boolean;
}

@ObjectType()
export class TextDelta {
  @Field()
  text!: string;

  @Field(() => Int)
  index!: number;
}

@ObjectType()
export class GuardrailIntervened {
  @Field(() => GuardrailDirection)
  direction!: GuardrailDirection;

  @Field(() => GuardrailAction)
  action!: GuardrailAction;

  @Field()
  policy!: string;

  @Field(() => [GuardrailFinding])
  findings!: GuardrailFinding[];
}

@ObjectType()
export class GenerationCompleted {
  @Field(() => ID)
  traceId!: string;

  @Field({ description: 'The model that served: a fallback or a budget downgrade when GenerationStarted named another.' })
  modelId!: string;

  @Field()
  stopReason!: string;

  @Field(() => Usage)
  usage!: Usage;

  @Field(() => Float)
  costUsd!: number;

  @Field(() => StageCost, { description: 'Adds up to costUsd.' })
  costByStage!: StageCost;

  @Field(() => Float)
  latencyMs!: number;

  @Field(() => Float, { nullable: true })
  ttftMs!: number | null;

  @Field()
  cached!: boolean;
}

@ObjectType()
export class GenerationFailed {
  @Field(() => ID, { nullable: true })
  traceId!: string | null;

  @Field(() => String, {
    description:
      'Why the generation did not complete, one of GenerationFailureCode: BUDGET_EXCEEDED, GUARDRAIL_BLOCKED, PROVIDER_ERROR, BAD_USER_INPUT, NOT_FOUND, SERVICE_UNAVAILABLE, KEY_REVOKED or SERVER_SHUTDOWN (CANCELLED, UNAUTHENTICATED, FORBIDDEN and INTERNAL_ERROR appear on traces only).',
  })
  code!: string;

  @Field()
  message!: string;
}

const members = { GenerationStarted, TextDelta, GuardrailIntervened, GenerationCompleted, GenerationFailed };

export const GenerateEvent = createUnionType({
  name: 'GenerateEvent',
  types: () => [GenerationStarted, TextDelta, GuardrailIntervened, GenerationCompleted, GenerationFailed] as const,
  resolveType: (value) => members[(value as unknown as { __typename: keyof typeof members }).__typename],
});

@ObjectType({ description: 'A whole generation as one result (generateOnce).' })
export class GenerateResult {
  @Field(() => ID, { nullable: true })
  traceId!: string | null;

  @Field(() => GenerationStatus)
  status!: GenerationStatus;

  @Field()
  text!: string;

  @Field(() => String, { nullable: true })
  modelId!: string | null;

  @Field(() => Int, { nullable: true })
  promptVersion!: number | null;

  @Field(() => String, { nullable: true })
  routedBy!: string | null;

  @Field(() => String, { nullable: true })
  stopReason!: string | null;

  @Field(() => Usage, { nullable: true })
  usage!: Usage | null;

  @Field(() => Float, { nullable: true })
  costUsd!: number | null;

  @Field(() => StageCost, { nullable: true })
  costByStage!: StageCost | null;

  @Field(() => Float, { nullable: true })
  latencyMs!: number | null;

  @Field(() => Float, { nullable: true })
  ttftMs!: number | null;

  @Field()
  cached!: boolean;

  @Field(() => [GuardrailIntervened])
  guardrailEvents!: GuardrailIntervened[];

  @Field(() => GenerationFailed, { nullable: true })
  error!: GenerationFailed | null;
}

/**
 * The `generate` subscription's event types and every type under them: plain objects whose fields
 * are read as properties (no field resolver, middleware, role or argument), so graphql-ws turns an
 * event into its result with a plan compiled once per document (`createCompiledSubscribe`) instead
 * of executing the selection set per delta. A test checks this list against type-graphql's metadata.
 */
export const PLAIN_EVENT_TYPES: ReadonlySet<string> = new Set([
  'GenerationStarted',
  'TextDelta',
  'GuardrailIntervened',
  'GuardrailFinding',
  'GenerationCompleted',
  'Usage',
  'StageTokens',
  'StageCost',
  'GenerationFailed',
]);
/** Subscription fields whose per-event resolver returns the event unchanged (`GenerateResolver.generate`). */
export const IDENTITY_SUBSCRIPTION_FIELDS: ReadonlySet<string> = new Set(['generate']);
