import { Field, InputType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { GuardrailDirection } from './guardrail.types';

/**
 * Create or update a guardrail policy. On update, an omitted field keeps its value. The JSON fields
 * are validated with the strict schemas of `guardrail-policy.schemas.ts` (API.md "Guardrail policies").
 */
@InputType()
export class GuardrailPolicyInput {
  @Field()
  name!: string;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;

  @Field(() => [GuardrailDirection], { nullable: true, description: 'Default [INPUT, OUTPUT]; at least one.' })
  appliesTo?: GuardrailDirection[] | null;

  @Field(() => [String], { nullable: true, description: 'Prompt names; empty (the default) means every prompt.' })
  prompts?: string[] | null;

  @Field(() => GraphQLJSON, { nullable: true })
  deniedTopics?: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  pii?: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  wordFilters?: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  promptInjection?: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  contentCategories?: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: '{ identifier, version }, or null for none.' })
  bedrockGuardrail?: unknown;

  @Field(() => String, { nullable: true })
  blockedMessage?: string | null;
}
