import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { Assertion } from '../eval-case.schemas';
import type { OnlineFilter } from './online-evaluator.schemas';

/**
 * An online evaluator: production traces of `prompt` (under `label`, when set) that pass `filter`
 * are sampled at `sampleRate` after they are recorded and scored off the hot path by the
 * assertions; `llm-rubric` ones are graded by the eval set's judge against its rubric.
 */
@ObjectType({ description: "Scores a sample of production traces of a prompt with assertions that need no expected answer (and the eval set's judge)." })
@Entity('online_evaluators')
export class OnlineEvaluator {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field({ description: 'Unique name; recorded as `evaluator` on the scores it gives.' })
  @Index('uq_online_evaluators_name', { unique: true })
  @Column('text')
  name!: string;

  @Field({ description: 'The prompt whose production traces are scored.' })
  @Column('text')
  prompt!: string;

  @Field(() => String, { nullable: true, description: 'Only traces served under this label; null: every label.' })
  @Column('text', { nullable: true })
  label!: string | null;

  @Field(() => String, { nullable: true, description: "The eval set whose rubric and judge model grade `llm-rubric` assertions; its evalScoreTrend includes this evaluator's scores." })
  @Column('text', { name: 'eval_set', nullable: true })
  evalSet!: string | null;

  @Field(() => Float, { description: 'Share of matching traces scored (0..1).' })
  @Column('float8', { name: 'sample_rate' })
  sampleRate!: number;

  @Field(() => Float, { nullable: true, description: 'Share of scored traces also sent to the review queue (0..1); null: REVIEW_SAMPLE_RATE.' })
  @Column('float8', { name: 'review_sample_rate', nullable: true })
  reviewSampleRate!: number | null;

  @Field(() => GraphQLJSON, {
    description:
      'Assertions as in eval cases, of the types that need no expected answer: is-json, json-schema, regex, contains, icontains, starts-with, max-length, cost-below, latency-below, llm-rubric, and their not- negations (e.g. not-contains).',
  })
  @Column('jsonb')
  assertions!: Assertion[];

  @Field(() => GraphQLJSON, { nullable: true, description: '{"tags": [...]} (the trace carries any of them) and/or {"models": [...]} (served by one of them); null: every trace of the prompt.' })
  @Column('jsonb', { nullable: true })
  filter!: OnlineFilter | null;

  @Field()
  @Column('boolean', { default: true })
  enabled!: boolean;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
