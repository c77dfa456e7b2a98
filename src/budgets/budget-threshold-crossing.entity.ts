import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { BudgetPeriodLedger } from './budget-period.entity';

/** An alert threshold a budget period has crossed; the unique key makes each fire once per period. */
@Entity('budget_threshold_crossings')
@Index('uq_budget_threshold_crossings_period_threshold', ['budgetPeriodId', 'threshold'], { unique: true })
export class BudgetThresholdCrossing {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'budget_period_id' })
  budgetPeriodId!: string;

  @ManyToOne(() => BudgetPeriodLedger, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'budget_period_id', foreignKeyConstraintName: 'fk_budget_threshold_crossings_period' })
  budgetPeriod?: BudgetPeriodLedger;

  @Column('double precision')
  threshold!: number;

  @Column('timestamptz', { name: 'crossed_at' })
  crossedAt!: Date;
}
