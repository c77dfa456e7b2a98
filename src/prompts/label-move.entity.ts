import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Int, ObjectType } from 'type-graphql';
import { PromptLabel } from './prompt-label.entity';

/** One move of a label, kept forever: from which version number to which, when and by whom. */
@ObjectType()
@Entity('label_moves')
@Index('ix_label_moves_label_at', ['labelId', 'at'])
export class LabelMove {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'label_id' })
  labelId!: string;

  @ManyToOne(() => PromptLabel, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'label_id', foreignKeyConstraintName: 'fk_label_moves_label' })
  labelRef?: PromptLabel;

  @Field(() => Int, { nullable: true, description: 'The version number before the move; null when the label was created.' })
  @Column('int', { name: 'from_version', nullable: true })
  fromVersion!: number | null;

  @Field(() => Int)
  @Column('int', { name: 'to_version' })
  toVersion!: number;

  @Field({ description: 'promote or rollback.' })
  @Column('text')
  kind!: string;

  /** clock_timestamp(), not now(): two moves in one transaction keep their order. */
  @Field()
  @Column('timestamptz', { default: () => 'clock_timestamp()' })
  at!: Date;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'moved_by', nullable: true })
  by!: string | null;

  /** The eval run whose score allowed a gated promotion (EvalRun id); null for an ungated move. */
  @Column('uuid', { name: 'eval_run_id', nullable: true })
  evalRunId!: string | null;
}
