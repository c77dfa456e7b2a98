import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { BudgetPeriodLedger } from './budget-period.entity';
import { bigintNumber } from './money';

/**
 * A slice of one budget period's room leased by one server process (`holder`), which admits
 * requests from it in memory. `amount_micros` is what the lease still holds in the period's
 * `leased_micros` (granted, minus what its requests were charged, minus what was given back). The
 * holder renews `expires_at` whenever it writes; a lease left by a crashed process expires and is
 * reaped like a hold (its amount returns to the period's room).
 */
@Entity('budget_leases')
@Index('ix_budget_leases_period', ['budgetPeriodId'])
@Index('ix_budget_leases_open_expires', ['expiresAt'], { where: '"released_at" IS NULL' })
export class BudgetLease {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'budget_period_id' })
  budgetPeriodId!: string;

  @ManyToOne(() => BudgetPeriodLedger, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'budget_period_id', foreignKeyConstraintName: 'fk_budget_leases_period' })
  budgetPeriod?: BudgetPeriodLedger;

  /** The process holding the lease (host, pid and a random suffix), for operators reading the table. */
  @Column('text')
  holder!: string;

  @Column('bigint', { name: 'amount_micros', default: 0, transformer: bigintNumber })
  amountMicros!: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  /** When the lease was reaped (its holder stopped renewing it); null while held. */
  @Column('timestamptz', { name: 'released_at', nullable: true })
  releasedAt!: Date | null;
}
