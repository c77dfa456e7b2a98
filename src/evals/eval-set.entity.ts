import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { EvalCase } from './eval-case.entity';

/** A named set of eval cases, with the rubric and judge model its `llm-rubric` assertions use. */
@ObjectType({ description: 'A named set of eval cases.' })
@Entity('eval_sets')
export class EvalSet {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field()
  @Index('uq_eval_sets_name', { unique: true })
  @Column('text')
  name!: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true, description: 'What the judge grades `llm-rubric` assertions against.' })
  @Column('text', { nullable: true })
  rubric!: string | null;

  @Field(() => String, { nullable: true, description: 'The judge model; the service default when null.' })
  @Column('text', { name: 'judge_model_id', nullable: true })
  judgeModelId!: string | null;

  /** Loaded on demand; the GraphQL field resolves through `EvalSetResolver.cases`. */
  @Field(() => [EvalCase], { description: 'The cases, in the order they were added.' })
  @OneToMany(() => EvalCase, (c) => c.evalSet)
  cases?: EvalCase[];

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
