import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';

/** Who scored a trace: an LLM judge, a rule (an assertion), or a person. */
export enum ScoreSource {
  JUDGE = 'JUDGE',
  RULE = 'RULE',
  HUMAN = 'HUMAN',
}
registerEnumType(ScoreSource, { name: 'ScoreSource', description: 'JUDGE: an LLM judge; RULE: an assertion; HUMAN: a person (submitReview).' });

/**
 * A score attached to a trace after it was written (traces are written once and never updated, so
 * scores live beside them). No foreign key: traces may be partitioned or kept elsewhere.
 */
@ObjectType()
@Entity('trace_scores')
@Index('ix_trace_scores_trace', ['traceId', 'at'])
export class TraceScore {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'trace_id' })
  traceId!: string;

  @Field({ description: 'What was scored, e.g. "human", or an assertion type.' })
  @Column('text')
  name!: string;

  @Field(() => ScoreSource)
  @Column('text')
  source!: ScoreSource;

  @Field(() => Float, { description: '0..1' })
  @Column('float8')
  score!: number;

  @Field(() => Boolean, { nullable: true })
  @Column('boolean', { nullable: true })
  passed!: boolean | null;

  @Field(() => String, { nullable: true, description: "The judge's reason, or the reviewer's comment." })
  @Column('text', { nullable: true })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'The online evaluator, or the reviewer (API key name) for HUMAN scores.' })
  @Column('text', { nullable: true })
  evaluator!: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  at!: Date;
}
