import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { AlertRule } from './alert-rule.entity';

/** One firing of an alert rule. */
@ObjectType()
@Entity('alert_events')
@Index('ix_alert_events_fired_at_id', ['firedAt', 'id'])
@Index('ix_alert_events_rule', ['ruleId'])
export class AlertEvent {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'rule_id' })
  ruleId!: string;

  @Field(() => AlertRule)
  @ManyToOne(() => AlertRule, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'rule_id', foreignKeyConstraintName: 'fk_alert_events_rule' })
  rule!: AlertRule;

  @Field()
  @Column('timestamptz', { name: 'fired_at' })
  firedAt!: Date;

  @Field(() => Float, { description: 'The metric value that fired the rule (for budgets: the fraction of the limit spent).' })
  @Column('double precision')
  value!: number;

  @Field(() => Float, { nullable: true, description: 'What the value was compared with (for budgets: the threshold crossed).' })
  @Column('double precision', { nullable: true })
  baseline!: number | null;

  @Field()
  @Column('text')
  message!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Facts about the firing, e.g. the budget, period and amounts.' })
  @Column('jsonb', { nullable: true })
  details!: Record<string, unknown> | null;
}
