import { Budget } from './budget.entity';
import { BudgetHold } from './budget-hold.entity';
import { BudgetLease } from './budget-lease.entity';
import { BudgetPeriodLedger } from './budget-period.entity';
import { BudgetThresholdCrossing } from './budget-threshold-crossing.entity';

/** The tables of the budgets feature, for the data source. */
export const budgetEntities = [Budget, BudgetPeriodLedger, BudgetHold, BudgetLease, BudgetThresholdCrossing];
