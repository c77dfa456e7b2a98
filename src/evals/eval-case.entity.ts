import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { EvalSet } from './eval-set.entity';
import type { Assertion, CaseContextChunk, CaseMessage } from './eval-case.schemas';

/**
 * One case of an eval set: what to send (variables, history, input, context), what is expected, and
 * the assertions that score the output. JSON columns hold the parsed form of `eval-case.schemas.ts`.
 */
@ObjectType({ description: 'One case of an eval set.' })
@Entity('eval_cases')
@Index('uq_eval_cases_set_position', ['evalSetId', 'position'], { unique: true })
export class EvalCase {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'eval_set_id' })
  evalSetId!: string;

  @ManyToOne('EvalSet', 'cases', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'eval_set_id', foreignKeyConstraintName: 'fk_eval_cases_eval_set' })
  evalSet?: EvalSet;

  @Field(() => GraphQLJSON, { nullable: true, description: "Values of the prompt's {{variables}}: an object of strings." })
  @Column('jsonb', { default: () => "'{}'" })
  variables!: Record<string, string>;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Conversation history, oldest first: [{ role: USER | ASSISTANT, content }].' })
  @Column('jsonb', { default: () => "'[]'" })
  messages!: CaseMessage[];

  @Field(() => String, { nullable: true, description: "The user's new message." })
  @Column('text', { nullable: true })
  input!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Retrieved chunks: [{ id, text, score?, source? }].' })
  @Column('jsonb', { default: () => "'[]'" })
  context!: CaseContextChunk[];

  @Field(() => String, { nullable: true, description: 'The reference answer (`similar` compares with it).' })
  @Column('text', { nullable: true })
  expected!: string | null;

  @Field(() => GraphQLJSON, { description: '[{ type, value?, weight (default 1), threshold?, flags? }]' })
  @Column('jsonb')
  assertions!: Assertion[];

  @Field(() => Float, { nullable: true, description: 'The case passes when its score reaches this; without it, when every assertion passes.' })
  @Column('float8', { nullable: true })
  threshold!: number | null;

  @Field(() => [String])
  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  @Field(() => Int, { description: 'Order within the set, from 0.' })
  @Column('integer')
  position!: number;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
