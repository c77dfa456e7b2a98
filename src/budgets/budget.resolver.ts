import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Budget } from './budget.entity';
import { BudgetInput } from './budget.inputs';
import { BudgetPeriodRow } from './budget.types';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import type { BudgetService } from './budget.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ budgets: BudgetService }>;

@Resolver()
export class BudgetResolver {
  @Authorized(Roles.READ)
  @Query(() => [Budget], { description: 'Every budget with the spend of its current period.' })
  budgets(@Ctx() ctx: ServicesContext): Promise<Budget[]> {
    return ctx.services.budgets.list();
  }

  @Authorized(Roles.READ)
  @Query(() => Budget, { nullable: true })
  budget(@Arg('name') name: string, @Ctx() ctx: ServicesContext): Promise<Budget | null> {
    return ctx.services.budgets.get(name);
  }

  @Authorized(Roles.READ)
  @Query(() => [BudgetPeriodRow], { description: 'Every period of a budget that saw a reservation, newest first.' })
  budgetHistory(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<BudgetPeriodRow[]> {
    return ctx.services.budgets.history(id);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Budget)
  createBudget(@Arg('input', () => BudgetInput) input: BudgetInput, @Ctx() ctx: ServicesContext): Promise<Budget> {
    return ctx.services.budgets.create(input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Budget, { description: 'Replaces the settable fields; a new limit applies to the current period at once.' })
  updateBudget(@Arg('id', () => ID) id: string, @Arg('input', () => BudgetInput) input: BudgetInput, @Ctx() ctx: ServicesContext): Promise<Budget> {
    return ctx.services.budgets.update(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean, { description: 'Deletes the budget and its ledger.' })
  deleteBudget(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.budgets.delete(id, ctx.actor);
  }
}
