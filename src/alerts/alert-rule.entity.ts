import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

/**
 * A condition on a metric over a window. Budget threshold crossings fire on a system rule per
 * budget named `budget:<budget name>` (metric `budget`), created on first use; the other metrics
 * are evaluated by the alert scheduler (`alert-scheduler.ts`).
 */
@ObjectType()
@Entity('alert_rules')
export class AlertRule {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field()
  @Index('uq_alert_rules_name', { unique: true })
  @Column('text')
  name!: string;

  @Field({ description: 'cost, p95_latency, error_rate, guardrail_trigger_rate, eval_score, drift or budget' })
  @Column('text')
  metric!: string;

  @Field(() => GraphQLJSON, { description: 'e.g. {"above": 0.05}; for metric budget {"budget": "<name>"}' })
  @Column('jsonb')
  condition!: Record<string, unknown>;

  @Field({ description: 'The window the metric is computed over, e.g. "5m", "1h", "1d".' })
  @Column('text')
  window!: string;

  @Field()
  @Column('boolean', { default: true })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Where each event of this rule is POSTed (JSON, signed with webhookSecret when set).' })
  @Column('text', { name: 'webhook_url', nullable: true })
  webhookUrl!: string | null;

  /** HMAC-SHA256 key of the X-Signature-256 header; never returned. */
  @Column('text', { name: 'webhook_secret', nullable: true })
  webhookSecret!: string | null;

  @Field(() => Boolean, { description: 'Whether the condition held at the last evaluation (a rule fires again only after it clears).' })
  @Column('boolean', { default: false })
  firing!: boolean;

  /** When a scheduler last claimed this rule for evaluation (one process per interval). */
  @Column('timestamptz', { name: 'evaluated_at', nullable: true })
  evaluatedAt!: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
