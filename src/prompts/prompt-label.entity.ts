import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Prompt } from './prompt.entity';
import { PromptVersion } from './prompt-version.entity';

/** A movable name (`production`, `staging`, ...) pointing at one version of a prompt. */
@ObjectType()
@Entity('prompt_labels')
@Index('uq_prompt_labels_prompt_name', ['promptId', 'name'], { unique: true })
export class PromptLabel {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'prompt_id' })
  promptId!: string;

  @ManyToOne(() => Prompt, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'prompt_id', foreignKeyConstraintName: 'fk_prompt_labels_prompt' })
  promptRef?: Prompt;

  @Field({ description: 'Lowercase: a letter, then letters, digits, _ or -.' })
  @Column('text')
  name!: string;

  @Index('ix_prompt_labels_version')
  @Column('uuid', { name: 'version_id' })
  versionId!: string;

  @ManyToOne(() => PromptVersion, { onDelete: 'NO ACTION' })
  @JoinColumn({ name: 'version_id', foreignKeyConstraintName: 'fk_prompt_labels_version' })
  versionRef?: PromptVersion;

  @Field()
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'updated_by', nullable: true })
  updatedBy!: string | null;
}
