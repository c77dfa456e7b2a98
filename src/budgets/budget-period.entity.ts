import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Budget } from './budget.entity';
import { bigintNumber } from './money';

/**
 * The ledger row of one budget for one period. `reserved_micros` is the sum of the period's open
 * holds; `leased_micros` the sum of its open leases; `spent_micros` the sum of settled costs. Rows are kept after their period ends (history).
 */
@Entity('budget_periods')
@Index('uq_budget_periods_budget_start', ['budgetId', 'periodStart'], { unique: true })
export class BudgetPeriodLedger {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'budget_id' })
  budgetId!: string;

  @ManyToOne(() => Budget, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'budget_id', foreignKeyConstraintName: 'fk_budget_periods_budget' })
  budget?: Budget;

  @Column('timestamptz', { name: 'period_start' })
  periodStart!: Date;

  /** Null for TOTAL. */
  @Column('timestamptz', { name: 'period_end', nullable: true })
  periodEnd!: Date | null;

  /** The budget's limit for this period (kept current while the period is open). */
  @Column('bigint', { name: 'limit_micros', transformer: bigintNumber })
  limitMicros!: number;

  @Column('bigint', { name: 'spent_micros', default: 0, transformer: bigintNumber })
  spentMicros!: number;

  @Column('bigint', { name: 'reserved_micros', default: 0, transformer: bigintNumber })
  reservedMicros!: number;

  /** Room leased by server processes (the sum of the period's open leases); never spent + reserved + leased > limit at admission. */
  @Column('bigint', { name: 'leased_micros', default: 0, transformer: bigintNumber })
  leasedMicros!: number;
}
