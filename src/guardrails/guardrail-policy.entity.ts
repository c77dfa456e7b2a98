import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { GuardrailDirection } from './guardrail.types';
import type { BedrockGuardrailRef, ContentCategories, DeniedTopics, PiiConfig, PromptInjectionConfig, WordFilters } from './guardrail-policy.schemas';

/** Shown to the client in place of a blocked input or output when a policy does not set its own. */
export const DEFAULT_BLOCKED_MESSAGE = "Sorry, I can't help with that.";

/**
 * A guardrail policy: which checks run on which side of the model, for which prompts. The JSON
 * columns hold the parsed (defaulted) form of `guardrail-policy.schemas.ts`, validated on write.
 */
@ObjectType({ description: 'Checks that run on the input and/or the output of generations.' })
@Entity('guardrail_policies')
export class GuardrailPolicy {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field()
  @Index('uq_guardrail_policies_name', { unique: true })
  @Column('text')
  name!: string;

  @Field({ description: 'A disabled policy applies to no generation; checkGuardrail still evaluates it.' })
  @Column('boolean')
  enabled!: boolean;

  @Field(() => [GuardrailDirection])
  @Column('text', { name: 'applies_to', array: true })
  appliesTo!: GuardrailDirection[];

  @Field(() => [String], { description: 'Prompt names the policy applies to; empty means every prompt.' })
  @Column('text', { array: true })
  prompts!: string[];

  @Field(() => GraphQLJSON, { description: '[{ name, definition, examples? }]' })
  @Column('jsonb', { name: 'denied_topics' })
  deniedTopics!: DeniedTopics;

  @Field(() => GraphQLJSON, { description: '{ entities: [{ type, action: BLOCK | ANONYMIZE }] }' })
  @Column('jsonb')
  pii!: PiiConfig;

  @Field(() => GraphQLJSON, { description: '{ words: [...], profanity? }' })
  @Column('jsonb', { name: 'word_filters' })
  wordFilters!: WordFilters;

  @Field(() => GraphQLJSON, { description: '{ enabled, sensitivity: LOW | MEDIUM | HIGH, onContext: DROP | BLOCK }' })
  @Column('jsonb', { name: 'prompt_injection' })
  promptInjection!: PromptInjectionConfig;

  @Field(() => GraphQLJSON, { description: '[{ category, action: BLOCK, strength? }]' })
  @Column('jsonb', { name: 'content_categories' })
  contentCategories!: ContentCategories;

  @Field(() => GraphQLJSON, { nullable: true, description: '{ identifier, version }: also run Bedrock ApplyGuardrail.' })
  @Column('jsonb', { name: 'bedrock_guardrail', nullable: true })
  bedrockGuardrail!: BedrockGuardrailRef;

  @Field({ description: 'What the client sees in place of a blocked text.' })
  @Column('text', { name: 'blocked_message' })
  blockedMessage!: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
