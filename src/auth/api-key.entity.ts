import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { ApiRole } from '../graphql/roles';

export { ApiRole };

/** An API key. Only a SHA-256 hash of the secret is stored; the secret is shown once, at creation. */
@ObjectType()
@Entity('api_keys')
export class ApiKey {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field()
  @Index('uq_api_keys_name', { unique: true })
  @Column('text')
  name!: string;

  @Field(() => ApiRole)
  @Column('text')
  role!: ApiRole;

  @Index('uq_api_keys_secret_hash', { unique: true })
  @Column('text', { name: 'secret_hash' })
  secretHash!: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field({ description: 'The secret, shown only this once. Send it as `Authorization: Bearer <secret>`.' })
  secret!: string;
}
