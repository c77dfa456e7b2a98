import { Field, Float, InputType } from 'type-graphql';
import { BudgetAction, BudgetPeriod, BudgetScope } from './budget.entity';

/** The settable fields of a Budget (createBudget, and updateBudget replacing them all). */
@InputType()
export class BudgetInput {
  @Field()
  name!: string;

  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => String, { nullable: true, description: 'Required unless GLOBAL: the prompt name, model id, API key name or user.' })
  scopeValue?: string | null;

  @Field(() => BudgetPeriod)
  period!: BudgetPeriod;

  @Field(() => Float, { description: 'USD, greater than 0.' })
  limitUsd!: number;

  @Field(() => [Float], { nullable: true, description: 'Fractions of the limit, each in (0, 1], unique. Default none.' })
  alertThresholds?: number[] | null;

  @Field(() => BudgetAction, { nullable: true, description: 'Default BLOCK.' })
  onExceed?: BudgetAction | null;

  @Field(() => String, { nullable: true, description: 'Required when onExceed is DOWNGRADE.' })
  downgradeModelId?: string | null;
}
