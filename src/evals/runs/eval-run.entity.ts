import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { EvalSet } from '../eval-set.entity';

/** QUEUED → RUNNING → SUCCEEDED | FAILED; CANCELLED when `cancelEvalRun` stopped it. */
export enum EvalRunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(EvalRunStatus, { name: 'EvalRunStatus', description: 'QUEUED → RUNNING → SUCCEEDED or FAILED; CANCELLED when cancelEvalRun stopped it.' });

/** Whether a run has ended (no more progress will come). */
export function isFinished(status: EvalRunStatus): boolean {
  return status === EvalRunStatus.SUCCEEDED || status === EvalRunStatus.FAILED || status === EvalRunStatus.CANCELLED;
}

const bigint = { type: 'bigint' as const };

/**
 * One evaluation of a prompt version on an eval set. The worker keeps the aggregates (`done`,
 * `passed`, `scoreSum`, `costMicros`) up to date after every case, so progress and the final score
 * never need the results loaded. `setHash` fingerprints the set's cases at the start: a finished run
 * is reused by a gate only for the same version, set content and model.
 */
@ObjectType({ description: 'One evaluation of a prompt version on an eval set.' })
@Entity('eval_runs')
@Index('ix_eval_runs_set_created_at', ['evalSetId', 'createdAt'])
@Index('ix_eval_runs_prompt_created_at', ['prompt', 'createdAt'])
@Index('ix_eval_runs_status', ['status'])
@Index('ix_eval_runs_reuse', ['promptVersionId', 'setHash', 'requestedModelId'])
export class EvalRun {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'eval_set_id' })
  evalSetId!: string;

  @ManyToOne(() => EvalSet, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'eval_set_id', foreignKeyConstraintName: 'fk_eval_runs_eval_set' })
  evalSetRef?: EvalSet;

  @Field({ description: 'The prompt name.' })
  @Column('text')
  prompt!: string;

  @Field(() => Int)
  @Column('int', { name: 'prompt_version' })
  promptVersion!: number;

  @Column('uuid', { name: 'prompt_version_id' })
  promptVersionId!: string;

  @Field(() => String, { nullable: true, description: 'The label the version was selected by, if any.' })
  @Column('text', { nullable: true })
  label!: string | null;

  @Field({ description: "The model the cases ran on: the one asked for, else the version's, else the default." })
  @Column('text', { name: 'model_id' })
  modelId!: string;

  /** The model the run input asked for (sent with every case, so routing is bypassed); null lets routing decide. */
  @Column('text', { name: 'requested_model_id', nullable: true })
  requestedModelId!: string | null;

  @Field(() => EvalRunStatus)
  @Column('text')
  status!: EvalRunStatus;

  @Field(() => String, { nullable: true, description: 'Why the run FAILED or was CANCELLED.' })
  @Column('text', { nullable: true })
  error!: string | null;

  @Field(() => Int, { description: 'Cases in the run.' })
  @Column('int', { name: 'case_count' })
  caseCount!: number;

  @Field(() => Int, { description: 'Cases scored so far.' })
  @Column('int', { name: 'done_count', default: 0 })
  doneCount!: number;

  @Field(() => Int, { description: 'Cases passed so far.' })
  @Column('int', { name: 'passed_count', default: 0 })
  passedCount!: number;

  /** Sum of the case scores so far (the score is its mean). */
  @Column('float8', { name: 'score_sum', default: 0 })
  scoreSum!: number;

  @Column({ ...bigint, name: 'cost_micros', default: 0 })
  costMicros!: string | number;

  @Column({ ...bigint, name: 'judge_cost_micros', default: 0 })
  judgeCostMicros!: string | number;

  /** Wall time spent in judge calls (ms), summed over cases: the judge's share of the run. */
  @Column('float8', { name: 'judge_ms', default: 0 })
  judgeMs!: number;

  /** sha256 of the set's cases (ids, content, assertions) when the run was created. */
  @Column('text', { name: 'set_hash' })
  setHash!: string;

  @Field(() => String, { nullable: true, description: 'The API key name that started the run (schedule:<name> for a scheduled re-run).' })
  @Column('text', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  @Field(() => ID, { nullable: true, description: 'The eval schedule that started this run, if a schedule did.' })
  @Column('uuid', { name: 'schedule_id', nullable: true })
  scheduleId!: string | null;

  /** The process working on the run, and when it last said so; a stale heartbeat lets another process resume it. */
  @Column('text', { nullable: true })
  owner!: string | null;

  @Column('timestamptz', { nullable: true })
  heartbeat!: Date | null;

  @Field(() => Int, { description: 'How many times a restart resumed this run (its finished cases were kept).' })
  @Column('int', { default: 0 })
  resumes!: number;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @Field(() => Float, { nullable: true, description: 'The mean of the case scores (so far, while running).' })
  get score(): number | null {
    return this.doneCount > 0 ? this.scoreSum / this.doneCount : null;
  }

  @Field(() => Float, { nullable: true, description: 'The share of cases passed (so far, while running).' })
  get passRate(): number | null {
    return this.doneCount > 0 ? this.passedCount / this.doneCount : null;
  }

  @Field(() => Float, { nullable: true, description: 'USD: the generations plus the judge calls.' })
  get costUsd(): number {
    return (Number(this.costMicros) + Number(this.judgeCostMicros)) / 1e6;
  }

  @Field(() => Float, { description: 'USD spent on judge calls (part of costUsd).' })
  get judgeCostUsd(): number {
    return Number(this.judgeCostMicros) / 1e6;
  }
}
