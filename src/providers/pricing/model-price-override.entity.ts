import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn, type ValueTransformer } from 'typeorm';

/** numeric comes back from PostgreSQL as a string; prices have at most 6 decimals, exact in a double. */
const numericPrice: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};

/**
 * An admin's price for one model id (USD per 1M tokens), winning over the catalog in `prices.json`.
 * Keyed by the id as Bedrock receives it: a base id also prices its inference profiles (with the
 * regional premium), a profile id (`us.…`) prices only that profile.
 */
@Entity('model_price_overrides')
export class ModelPriceOverride {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('uq_model_price_overrides_model_id', { unique: true })
  @Column('text', { name: 'model_id' })
  modelId!: string;

  @Column('numeric', { name: 'input_usd_per_mtok', precision: 14, scale: 6, transformer: numericPrice })
  input!: number;

  @Column('numeric', { name: 'output_usd_per_mtok', precision: 14, scale: 6, transformer: numericPrice })
  output!: number;

  /** Null: the catalog's cache-read price stays. */
  @Column('numeric', { name: 'cache_read_usd_per_mtok', precision: 14, scale: 6, nullable: true, transformer: numericPrice })
  cacheRead!: number | null;

  /** Null: the catalog's cache-write price stays. */
  @Column('numeric', { name: 'cache_write_usd_per_mtok', precision: 14, scale: 6, nullable: true, transformer: numericPrice })
  cacheWrite!: number | null;

  @Column('text', { name: 'updated_by' })
  updatedBy!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
