import { z } from 'zod';
import { BudgetAction, BudgetPeriod, BudgetScope } from './budget.entity';
import { usdToMicros } from './money';
import { nameSchema } from '../graphql/validation';

/** A uuid argument (checked before it reaches the database). */
export { idSchema } from '../graphql/validation';

/** The largest limit accepted: keeps every micro-USD amount an exact JS number. */
export const MAX_LIMIT_USD = 1_000_000_000;

const thresholdSchema = z.number().finite().gt(0, 'must be greater than 0').lte(1, 'must be at most 1 (a fraction of the limit)');

/**
 * A budget as written through createBudget/updateBudget, validated and normalised: money to
 * integer micro-USD, thresholds sorted, scopeValue only where the scope needs one.
 */
export const budgetInputSchema = z
  .object({
    name: nameSchema,
    scope: z.enum(BudgetScope),
    scopeValue: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').nullish(),
    period: z.enum(BudgetPeriod),
    limitUsd: z
      .number()
      .finite()
      .gt(0, 'must be greater than 0')
      .max(MAX_LIMIT_USD, `must be at most ${MAX_LIMIT_USD}`)
      .refine((usd) => usdToMicros(usd) >= 1, 'must be at least 0.000001 (one micro-USD)')
      // Money is exact micro-USD: a seventh decimal would be rounded away silently.
      .refine((usd) => Math.abs(usd * 1e6 - Math.round(usd * 1e6)) < 1e-6, 'must have at most 6 decimals (micro-USD)'),
    alertThresholds: z
      .array(thresholdSchema)
      .max(20, 'at most 20 thresholds')
      .nullish()
      .transform((t) => [...(t ?? [])].sort((a, b) => a - b))
      .refine((t) => t.every((v, i) => i === 0 || v !== t[i - 1]), 'thresholds must be unique'),
    onExceed: z.enum(BudgetAction).nullish(),
    downgradeModelId: z.string().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters').nullish(),
  })
  .superRefine((b, ctx) => {
    if (b.scope === BudgetScope.GLOBAL && b.scopeValue) ctx.addIssue({ code: 'custom', path: ['scopeValue'], message: 'must be empty for a GLOBAL budget' });
    if (b.scope !== BudgetScope.GLOBAL && !b.scopeValue) {
      ctx.addIssue({ code: 'custom', path: ['scopeValue'], message: `is required for a ${b.scope} budget (the ${scopeNoun(b.scope)})` });
    }
    const action = b.onExceed ?? BudgetAction.BLOCK;
    if (action === BudgetAction.DOWNGRADE && !b.downgradeModelId) ctx.addIssue({ code: 'custom', path: ['downgradeModelId'], message: 'is required when onExceed is DOWNGRADE' });
    if (action === BudgetAction.BLOCK && b.downgradeModelId) ctx.addIssue({ code: 'custom', path: ['downgradeModelId'], message: 'is only allowed when onExceed is DOWNGRADE' });
  })
  .transform((b) => ({
    name: b.name,
    scope: b.scope,
    scopeValue: b.scope === BudgetScope.GLOBAL ? null : (b.scopeValue ?? null),
    period: b.period,
    limitMicros: usdToMicros(b.limitUsd),
    alertThresholds: b.alertThresholds,
    onExceed: b.onExceed ?? BudgetAction.BLOCK,
    downgradeModelId: b.downgradeModelId ?? null,
  }));

export type BudgetFields = z.output<typeof budgetInputSchema>;

function scopeNoun(scope: BudgetScope): string {
  switch (scope) {
    case BudgetScope.PROMPT:
      return 'prompt name';
    case BudgetScope.MODEL:
      return 'model id';
    case BudgetScope.API_KEY:
      return 'API key name';
    case BudgetScope.USER:
      return 'user';
    default:
      return 'value';
  }
}
