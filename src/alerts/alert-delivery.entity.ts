import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { AlertEvent } from './alert-event.entity';
import { AlertRule } from './alert-rule.entity';

/** One attempt to POST an alert event to a webhook (every attempt, retries included, is a row). */
@ObjectType()
@Entity('alert_deliveries')
@Index('ix_alert_deliveries_rule_attempted_at', ['ruleId', 'attemptedAt'])
@Index('ix_alert_deliveries_attempted_at', ['attemptedAt'])
@Index('ix_alert_deliveries_event', ['eventId'])
export class AlertDelivery {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID)
  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @ManyToOne(() => AlertEvent, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'fk_alert_deliveries_event' })
  event!: AlertEvent;

  @Field(() => ID)
  @Column('uuid', { name: 'rule_id' })
  ruleId!: string;

  @ManyToOne(() => AlertRule, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'rule_id', foreignKeyConstraintName: 'fk_alert_deliveries_rule' })
  rule!: AlertRule;

  @Field()
  @Column('text')
  url!: string;

  @Field(() => Int, { description: '1 for the first try, then 2, 3, ...' })
  @Column('int')
  attempt!: number;

  @Field({ description: 'True when the receiver answered 2xx.' })
  @Column('boolean')
  ok!: boolean;

  @Field(() => Int, { nullable: true, description: 'The HTTP status, or null when no answer came (network error, timeout).' })
  @Column('int', { name: 'status_code', nullable: true })
  statusCode!: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  error!: string | null;

  @Field(() => Float)
  @Column('double precision', { name: 'duration_ms' })
  durationMs!: number;

  @Field()
  @Column('timestamptz', { name: 'attempted_at' })
  attemptedAt!: Date;
}
