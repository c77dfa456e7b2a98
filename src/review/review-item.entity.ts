import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

export enum ReviewKind {
  TRACE = 'TRACE',
  EVAL_RESULT = 'EVAL_RESULT',
}
registerEnumType(ReviewKind, { name: 'ReviewKind', description: 'TRACE: a sampled production trace; EVAL_RESULT: a sampled eval result.' });

/**
 * An item awaiting (or given) a person's score: a copy of what the reviewer needs (input, output,
 * context, the judge's score and reason), so the queue reads one table. At most one item per trace
 * and per eval result (partial unique indexes in the migration).
 */
@ObjectType()
@Entity('review_items')
@Index('ix_review_items_queue', ['createdAt', 'id'])
@Index('uq_review_items_trace', ['traceId'], { unique: true, where: `kind = 'TRACE'` })
@Index('uq_review_items_eval_result', ['evalResultId'], { unique: true, where: 'eval_result_id IS NOT NULL' })
export class ReviewItem {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ReviewKind)
  @Column('text')
  kind!: ReviewKind;

  @Field(() => ID, { nullable: true })
  @Column('uuid', { name: 'trace_id', nullable: true })
  traceId!: string | null;

  @Field(() => ID, { nullable: true })
  @Column('uuid', { name: 'eval_result_id', nullable: true })
  evalResultId!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'eval_set', nullable: true })
  evalSet!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  prompt!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  input!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  output!: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column('jsonb', { nullable: true })
  context!: unknown;

  @Field(() => Float, { nullable: true })
  @Column('float8', { name: 'judge_score', nullable: true })
  judgeScore!: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'judge_reason', nullable: true })
  judgeReason!: string | null;

  @Field(() => Float, { nullable: true, description: "The reviewer's score (0..1), once submitted." })
  @Column('float8', { name: 'human_score', nullable: true })
  humanScore!: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  label!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  comment!: string | null;

  @Field(() => String, { nullable: true, description: 'The API key name of whoever submitted the score.' })
  @Column('text', { name: 'reviewed_by', nullable: true })
  reviewedBy!: string | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'reviewed_at', nullable: true })
  reviewedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Who holds the item (API key name) until claimedUntil.' })
  @Column('text', { name: 'claimed_by', nullable: true })
  claimedBy!: string | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'claimed_until', nullable: true })
  claimedUntil!: Date | null;

  @Field({ description: 'When the trace or eval result was made (the queue is oldest first).' })
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
