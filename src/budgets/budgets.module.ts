import { defineFeature } from '../core/feature-module';
import { BudgetResolver } from './budget.resolver';
import { BudgetService, type BudgetServiceOptions } from './budget.service';
import { budgetEntities } from './entities';

/** Budgets: config and the spend ledger the generate pipeline admits, settles and releases through. */
export const budgetsModule = defineFeature({
  entities: budgetEntities,
  resolvers: [BudgetResolver],
  create: (deps: BudgetServiceOptions) => new BudgetService(deps),
});
