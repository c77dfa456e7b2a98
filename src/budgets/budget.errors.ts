import { microsToUsd } from './money';
import type { BudgetData } from './budget.types';

/** The code a refused request fails with (GenerationFailed.code); a value, not a thrown error. */
export const BUDGET_EXCEEDED = 'BUDGET_EXCEEDED' as const;

/** USD with up to 6 decimals, no trailing zeros beyond cents: $0.0042, $1.50. */
export function formatUsd(micros: number): string {
  const usd = microsToUsd(micros);
  const s = usd.toFixed(6).replace(/0+$/, '');
  const [whole, frac = ''] = s.split('.');
  return `$${whole}.${frac.padEnd(2, '0')}`;
}

/** e.g. `budget "team-a" (DAILY) exceeded: $0.0042 left of $1.00; this request may cost up to $0.01` */
export function budgetExceededMessage(budget: BudgetData, m: { limitMicros: number; remainingMicros: number; amountMicros: number }): string {
  return `budget "${budget.name}" (${budget.period}) exceeded: ${formatUsd(m.remainingMicros)} left of ${formatUsd(m.limitMicros)}; this request may cost up to ${formatUsd(m.amountMicros)}`;
}
