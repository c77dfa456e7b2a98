import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { EvalCase } from '../eval-case.entity';
import { EvalRun } from './eval-run.entity';
import type { AssertionScore } from '../assertions/score-case';

/** The outcome of one case in one run: the output, its trace, and the score of every assertion. */
@ObjectType({ description: 'The outcome of one case in one eval run.' })
@Entity('eval_results')
@Index('uq_eval_results_run_case', ['runId', 'caseId'], { unique: true })
@Index('ix_eval_results_run_position', ['runId', 'position'])
@Index('ix_eval_results_case', ['caseId'])
export class EvalResult {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'run_id' })
  runId!: string;

  @ManyToOne(() => EvalRun, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_eval_results_run' })
  run?: EvalRun;

  @Column('uuid', { name: 'case_id' })
  caseId!: string;

  @ManyToOne(() => EvalCase, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_eval_results_case' })
  caseRef?: EvalCase;

  @Field(() => Int, { description: "The case's position in its set." })
  @Column('int')
  position!: number;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  output!: string | null;

  @Field(() => ID, { nullable: true })
  @Column('uuid', { name: 'trace_id', nullable: true })
  traceId!: string | null;

  @Field(() => GraphQLJSON, { description: '[{ type, weight, score, passed, reason, error? }], one per assertion.' })
  @Column('jsonb')
  scores!: AssertionScore[];

  @Field()
  @Column('boolean')
  passed!: boolean;

  @Field(() => Float)
  @Column('float8')
  score!: number;

  @Field(() => Float, { nullable: true })
  @Column('float8', { name: 'judge_score', nullable: true })
  judgeScore!: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'judge_reason', nullable: true })
  judgeReason!: string | null;

  @Field(() => Float, { nullable: true })
  @Column('float8', { name: 'human_score', nullable: true })
  humanScore!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the generation failed (the case then scores 0).' })
  @Column('text', { nullable: true })
  error!: string | null;

  @Column({ type: 'bigint', name: 'cost_micros', default: 0 })
  costMicros!: string | number;

  @Column({ type: 'bigint', name: 'judge_cost_micros', default: 0 })
  judgeCostMicros!: string | number;

  @Field(() => Float, { nullable: true })
  @Column('float8', { name: 'latency_ms', nullable: true })
  latencyMs!: number | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field(() => Float, { description: 'USD: the generation plus its judge calls.' })
  get costUsd(): number {
    return (Number(this.costMicros) + Number(this.judgeCostMicros)) / 1e6;
  }
}
