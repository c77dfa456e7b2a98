import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { RoutingCondition } from './routing-condition.schemas';
import type { RoutingRuleData } from './route';

/**
 * A routing rule: when its condition holds, requests go to `targetModelId` (then `fallbackModelIds`
 * on retryable errors). `condition` holds the parsed form of `routingConditionSchema`, validated on write.
 */
@ObjectType({ description: 'Sends matching requests to a model. Rules are tried by ascending priority, ties by name.' })
@Entity('routing_rules')
@Index('ix_routing_rules_priority_name', ['priority', 'name'])
export class RoutingRule implements RoutingRuleData {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field()
  @Index('uq_routing_rules_name', { unique: true })
  @Column('text')
  name!: string;

  @Field(() => Int, { description: 'Lower is tried first (0 or more).' })
  @Column('integer')
  priority!: number;

  @Field()
  @Column('boolean', { default: true })
  enabled!: boolean;

  @Field(() => GraphQLJSON, {
    description:
      'Any of minInputTokens, maxInputTokens, prompts, labels, inputMatches, keywordsAny, hasCode, minMessages, tagsAny, minComplexity, maxComplexity; all must hold ({} matches every request).',
  })
  @Column('jsonb')
  condition!: RoutingCondition;

  @Field()
  @Column('text', { name: 'target_model_id' })
  targetModelId!: string;

  @Field(() => [String], { description: 'Tried in order when the target fails with a retryable error (throttling, unavailable).' })
  @Column('text', { name: 'fallback_model_ids', array: true, default: () => "'{}'" })
  fallbackModelIds!: string[];

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
