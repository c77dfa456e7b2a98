import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

/** One config change: who did what to which entity, with the entity before and after. */
@ObjectType()
@Entity('audit_log')
@Index('ix_audit_log_at_id', ['at', 'id'])
export class AuditEntry {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field({ description: 'The name of the API key that made the change, or "system".' })
  @Column('text')
  actor!: string;

  @Field({ description: 'e.g. create, update, delete, promote, rollback, revoke' })
  @Column('text')
  action!: string;

  @Field({ description: 'The kind of entity, e.g. Prompt, RoutingRule.' })
  @Column('text', { name: 'entity_type' })
  entityType!: string;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'entity_id', nullable: true })
  entityId!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'entity_name', nullable: true })
  entityName!: string | null;

  /** The entity in one line, as API.md lists it: `RoutingRule "long-inputs"`. */
  @Field({ description: 'The entity changed, in one line: its kind and name (or id), e.g. RoutingRule "long-inputs".' })
  get entity(): string {
    const key = this.entityName ?? this.entityId;
    return key ? `${this.entityType} "${key}"` : this.entityType;
  }

  @Field(() => GraphQLJSON, { nullable: true })
  @Column('jsonb', { nullable: true })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column('jsonb', { nullable: true })
  after!: unknown;

  /** clock_timestamp(), not now(): entries of one transaction keep their order. */
  @Field()
  @Column('timestamptz', { default: () => 'clock_timestamp()' })
  at!: Date;
}
