import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Prompt } from './prompt.entity';
import { ModelParams, PromptMessage } from './prompt.types';
import type { ModelParamsData, PromptMessageData } from './prompt.schemas';

/**
 * One immutable version of a prompt. Versions are only ever inserted: there is no update path, and
 * a trigger (see the migration) refuses UPDATE on the table.
 */
@ObjectType()
@Entity('prompt_versions')
@Index('uq_prompt_versions_prompt_number', ['promptId', 'number'], { unique: true })
export class PromptVersion {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'prompt_id' })
  promptId!: string;

  @ManyToOne(() => Prompt, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'prompt_id', foreignKeyConstraintName: 'fk_prompt_versions_prompt' })
  promptRef?: Prompt;

  @Field(() => Int, { description: '1, 2, 3, ... per prompt.' })
  @Column('int')
  number!: number;

  @Field(() => String, { nullable: true, description: 'May hold {{variable}} slots.' })
  @Column('text', { nullable: true })
  system!: string | null;

  @Field(() => [PromptMessage])
  @Column('jsonb')
  messages!: PromptMessageData[];

  @Field(() => [String], { description: 'The distinct {{name}} slots of system and messages, in order of first appearance.' })
  @Column('text', { array: true })
  variables!: string[];

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'model_id', nullable: true })
  modelId!: string | null;

  @Field(() => ModelParams, { nullable: true })
  @Column('jsonb', { nullable: true })
  params!: ModelParamsData | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'commit_message', nullable: true })
  commitMessage!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  @Field({ description: 'When true, the response cache may share answers of this version across API keys.' })
  @Column('boolean', { default: false })
  shareable!: boolean;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
