import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { BudgetPeriodLedger } from './budget-period.entity';
import { bigintNumber } from './money';

/** How a hold ended: settled to the real cost, released unused, or expired and reaped. */
export type HoldOutcome = 'SETTLED' | 'RELEASED' | 'EXPIRED';

/**
 * One request's reservation against one budget period: the worst-case cost, held in the period's
 * `reserved_micros` until it settles, is released, or expires (a crashed process) and is reaped.
 */
@Entity('budget_holds')
@Index('ix_budget_holds_request', ['requestId'])
@Index('ix_budget_holds_period', ['budgetPeriodId'])
@Index('ix_budget_holds_open_expires', ['expiresAt'], { where: '"settled_at" IS NULL' })
export class BudgetHold {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'budget_period_id' })
  budgetPeriodId!: string;

  @ManyToOne(() => BudgetPeriodLedger, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'budget_period_id', foreignKeyConstraintName: 'fk_budget_holds_period' })
  budgetPeriod?: BudgetPeriodLedger;

  @Column('text', { name: 'request_id' })
  requestId!: string;

  @Column('bigint', { name: 'amount_micros', transformer: bigintNumber })
  amountMicros!: number;

  /** The real cost charged when the hold settled. */
  @Column('bigint', { name: 'actual_micros', nullable: true, transformer: bigintNumber })
  actualMicros!: number | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  /** When the hold stopped holding (settled, released or reaped); null while open. */
  @Column('timestamptz', { name: 'settled_at', nullable: true })
  settledAt!: Date | null;

  @Column('text', { nullable: true })
  outcome!: HoldOutcome | null;
}
