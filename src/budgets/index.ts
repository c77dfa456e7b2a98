/**
 * Budgets: config (CRUD) and the spend ledger the generate pipeline calls —
 * `admit` (covering budgets, `reserve`, DOWNGRADE: the one admission rule) → `extend` while the
 * model streams → `settle` / `release`.
 */
export { BudgetService, type BudgetServiceOptions } from './budget.service';
export { Budget, BudgetScope, BudgetPeriod, BudgetAction } from './budget.entity';
export { BudgetPeriodLedger } from './budget-period.entity';
export { BudgetHold, type HoldOutcome } from './budget-hold.entity';
export { BudgetLease } from './budget-lease.entity';
export { DEFAULT_LEASE_OPTIONS, type BudgetLeaseOptions } from './budget-leases';
export { BudgetThresholdCrossing } from './budget-threshold-crossing.entity';
export { BudgetResolver } from './budget.resolver';
export { BUDGET_EXCEEDED, budgetExceededMessage, formatUsd } from './budget.errors';
export { periodStart, periodEnd, periodOf, TOTAL_PERIOD_START, type BudgetPeriodKind } from './periods';
export { usdToMicros, microsToUsd, MICROS_PER_USD } from './money';
export {
  BudgetPeriodRow,
  type AdmitAttempt,
  type AdmitRequest,
  type AdmitResult,
  type BudgetData,
  type BudgetUsage,
  type CoverageRequest,
  type LeasedShare,
  type Reservation,
  type ReservationHold,
  type ReserveRefusal,
  type ReserveRequest,
  type ReserveResult,
} from './budget.types';
export { budgetEntities } from './entities';
export { budgetsModule } from './budgets.module';
