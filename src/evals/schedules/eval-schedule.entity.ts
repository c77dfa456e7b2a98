import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';

/**
 * A scheduled re-run: every `every`, the eval set is run on the prompt version that `label` points at
 * then, so a provider-side model change shows up as a score change (evalScoreTrend, eval_score
 * alerts) without a deploy. Claimed once across processes by a row update (see EvalScheduleService.tick).
 */
@ObjectType({ description: 'Re-runs an eval set on the version under a prompt label at a fixed interval.' })
@Entity('eval_schedules')
@Index('ix_eval_schedules_due', ['nextRunAt'])
export class EvalSchedule {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field({ description: 'Unique name; its runs are created by "schedule:<name>".' })
  @Index('uq_eval_schedules_name', { unique: true })
  @Column('text')
  name!: string;

  @Field({ description: 'The eval set run.' })
  @Column('text', { name: 'eval_set' })
  evalSet!: string;

  @Field({ description: 'The prompt evaluated.' })
  @Column('text')
  prompt!: string;

  @Field({ description: 'The label whose version is run (resolved at each run).' })
  @Column('text')
  label!: string;

  @Field(() => String, { nullable: true, description: 'Run every case on this model; null: routing decides, as in production.' })
  @Column('text', { name: 'model_id', nullable: true })
  modelId!: string | null;

  @Field({ description: 'The interval between runs: "30m", "6h", "1d" (s, m, h or d).' })
  @Column('text')
  every!: string;

  @Column('int', { name: 'every_seconds' })
  everySeconds!: number;

  @Field()
  @Column('boolean', { default: true })
  enabled!: boolean;

  @Field({ description: 'When the next run is due.' })
  @Column('timestamptz', { name: 'next_run_at' })
  nextRunAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the schedule last fired.' })
  @Column('timestamptz', { name: 'last_fired_at', nullable: true })
  lastFiredAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The run it last queued.' })
  @Column('uuid', { name: 'last_run_id', nullable: true })
  lastRunId!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the last firing queued no run (e.g. the label no longer exists, or the previous run is still going), or null.' })
  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
