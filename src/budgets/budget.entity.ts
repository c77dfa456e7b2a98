import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { bigintNumber, microsToUsd } from './money';

export enum BudgetScope {
  GLOBAL = 'GLOBAL',
  PROMPT = 'PROMPT',
  MODEL = 'MODEL',
  API_KEY = 'API_KEY',
  USER = 'USER',
}
registerEnumType(BudgetScope, {
  name: 'BudgetScope',
  description: 'What a budget covers: every request, or those of one prompt, model, API key (by name) or user.',
});

export enum BudgetPeriod {
  DAILY = 'DAILY',
  WEEKLY = 'WEEKLY',
  MONTHLY = 'MONTHLY',
  TOTAL = 'TOTAL',
}
registerEnumType(BudgetPeriod, {
  name: 'BudgetPeriod',
  description: 'When spend resets, at UTC boundaries: DAILY at 00:00, WEEKLY on Monday, MONTHLY on the 1st; TOTAL never.',
});

export enum BudgetAction {
  BLOCK = 'BLOCK',
  DOWNGRADE = 'DOWNGRADE',
}
registerEnumType(BudgetAction, {
  name: 'BudgetAction',
  description: 'What happens to a request that does not fit: refused (BUDGET_EXCEEDED) or routed to downgradeModelId.',
});

/**
 * A spend limit over a period. The ledger of each period lives in `budget_periods`; the usage fields
 * (`spentUsd`, `reservedUsd`, `periodStart`, `periodEnd`) are those of the current period, filled in
 * by the service.
 */
@ObjectType()
@Entity('budgets')
export class Budget {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field()
  @Index('uq_budgets_name', { unique: true })
  @Column('text')
  name!: string;

  @Field(() => BudgetScope)
  @Column('text')
  scope!: BudgetScope;

  @Field(() => String, { nullable: true, description: 'The prompt name, model id, API key name or user; null for GLOBAL.' })
  @Column('text', { name: 'scope_value', nullable: true })
  scopeValue!: string | null;

  @Field(() => BudgetPeriod)
  @Column('text')
  period!: BudgetPeriod;

  @Column('bigint', { name: 'limit_micros', transformer: bigintNumber })
  limitMicros!: number;

  @Field(() => [Float], { description: 'Fractions of the limit, each in (0, 1], ascending; crossing one fires an alert once per period.' })
  @Column('jsonb', { name: 'alert_thresholds', default: () => "'[]'" })
  alertThresholds!: number[];

  @Field(() => BudgetAction)
  @Column('text', { name: 'on_exceed' })
  onExceed!: BudgetAction;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'downgrade_model_id', nullable: true })
  downgradeModelId!: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  @Field(() => Float)
  get limitUsd(): number {
    return microsToUsd(this.limitMicros);
  }

  @Field(() => Float, { description: 'Settled spend of the current period.' })
  spentUsd!: number;

  @Field(() => Float, { description: 'Held for requests in flight in the current period (their worst-case cost).' })
  reservedUsd!: number;

  @Field(() => Float, {
    description: 'Room of the current period leased by server processes to admit requests from, not used yet (given back when idle; spent + reserved + leased never passes the limit at admission).',
  })
  leasedUsd!: number;

  @Field({ description: 'Start of the current period (the Unix epoch for TOTAL).' })
  periodStart!: Date;

  @Field(() => Date, { nullable: true, description: 'End (exclusive) of the current period; null for TOTAL.' })
  periodEnd!: Date | null;
}
