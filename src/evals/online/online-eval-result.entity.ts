import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One trace scored by one online evaluator: the weighted score over its assertions and whether all
 * passed (the per-assertion scores are `Trace.scores`). Names are copied, not referenced, so the
 * history (and evalScoreTrend) outlives a deleted or renamed evaluator.
 */
@Entity('online_eval_results')
@Index('uq_online_eval_results_trace', ['evaluatorId', 'traceId'], { unique: true })
@Index('ix_online_eval_results_set', ['evalSet', 'traceAt'])
export class OnlineEvalResult {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'evaluator_id' })
  evaluatorId!: string;

  @Column('text')
  evaluator!: string;

  @Column('text', { name: 'eval_set', nullable: true })
  evalSet!: string | null;

  @Column('text')
  prompt!: string;

  @Column('integer', { name: 'prompt_version', nullable: true })
  promptVersion!: number | null;

  @Column('uuid', { name: 'trace_id' })
  traceId!: string;

  /** When the trace was made: the bucket evalScoreTrend counts it in. */
  @Column('timestamptz', { name: 'trace_at' })
  traceAt!: Date;

  @Column('float8')
  score!: number;

  @Column('boolean')
  passed!: boolean;

  @Column('float8', { name: 'judge_score', nullable: true })
  judgeScore!: number | null;

  @Column('text', { name: 'judge_reason', nullable: true })
  judgeReason!: string | null;

  /** What the judge calls cost (integer micro-USD). */
  @Column('bigint', { name: 'judge_cost_micros', default: 0, transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  judgeCostMicros!: number;

  @Column('timestamptz', { name: 'scored_at', default: () => 'now()' })
  scoredAt!: Date;
}
