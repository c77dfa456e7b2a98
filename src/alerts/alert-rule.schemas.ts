import { z } from 'zod';
import { nameSchema } from '../graphql/validation';

/** A uuid argument (checked before it reaches the database). */
export { idSchema } from '../graphql/validation';

/** The metrics an alert rule can watch. Only `budget` fires today (on budget threshold crossings). */
export const ALERT_METRICS = ['cost', 'p95_latency', 'error_rate', 'guardrail_trigger_rate', 'eval_score', 'drift', 'budget'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** Rules named `budget:<budget name>` belong to that budget: metric `budget`, condition `{ budget: <name> }`. */
export const BUDGET_RULE_PREFIX = 'budget:';

/** `{ "above": n }` or `{ "below": n }`, exactly one, with n in [min, max]. */
function comparison(min: number, max: number, unit: string) {
  const n = z.number().finite().min(min, `must be at least ${min}`).max(max, `must be at most ${max}${unit}`);
  return z.strictObject({ above: n.optional(), below: n.optional() }).refine((c) => (c.above === undefined) !== (c.below === undefined), { message: 'give exactly one of "above" or "below"' });
}

/** The condition of each metric; unknown keys are refused. */
export const conditionSchemas: Record<AlertMetric, z.ZodType> = {
  /** Spend in USD over the window. */
  cost: comparison(0, Number.MAX_SAFE_INTEGER, ''),
  /** p95 latency in milliseconds over the window. */
  p95_latency: comparison(0, 86_400_000, ' ms'),
  error_rate: comparison(0, 1, ''),
  guardrail_trigger_rate: comparison(0, 1, ''),
  eval_score: comparison(0, 1, ''),
  /** A drift statistic (e.g. PSI); non-negative. */
  drift: comparison(0, Number.MAX_SAFE_INTEGER, ''),
  /** Fires when the named budget crosses one of its alertThresholds. */
  budget: z.strictObject({ budget: nameSchema }),
};

const WINDOW_UNITS_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WINDOW_MS = 30 * 86_400_000;

/** "5m", "1h", "1d": a positive whole number of minutes, hours or days, at most 30 days. */
export const windowSchema = z
  .string()
  .trim()
  .regex(/^[1-9][0-9]{0,5}[mhd]$/, 'must look like "5m", "1h" or "1d"')
  .refine((w) => windowMs(w) <= MAX_WINDOW_MS, 'must be at most 30 days');

/** The length of a window like "5m" in milliseconds. */
export function windowMs(window: string): number {
  const unit = window.slice(-1) as keyof typeof WINDOW_UNITS_MS;
  return Number(window.slice(0, -1)) * WINDOW_UNITS_MS[unit];
}

export const alertRuleInputSchema = z
  .object({
    // A budget's own rule is `budget:` + the budget's name (up to 100 characters): room for both.
    name: nameSchema.or(
      z
        .string()
        .trim()
        .startsWith(BUDGET_RULE_PREFIX)
        .max(BUDGET_RULE_PREFIX.length + 100, 'must be at most 107 characters'),
    ),
    metric: z.enum(ALERT_METRICS, { message: `must be one of ${ALERT_METRICS.join(', ')}` }),
    condition: z.unknown(),
    window: windowSchema,
    enabled: z
      .boolean()
      .nullish()
      .transform((v) => v ?? true),
  })
  // One step (not refine + transform): zod 4 runs a transform even after a refinement added issues.
  .transform((r, ctx) => {
    const parsed = conditionSchemas[r.metric].safeParse(r.condition);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['condition', ...issue.path] } as never);
      return z.NEVER;
    }
    if (r.name.startsWith(BUDGET_RULE_PREFIX)) {
      const budget = r.name.slice(BUDGET_RULE_PREFIX.length);
      if (r.metric !== 'budget' || (parsed.data as { budget?: string }).budget !== budget) {
        ctx.addIssue({ code: 'custom', path: ['name'], message: `names starting with "${BUDGET_RULE_PREFIX}" are for metric budget with condition {"budget": "${budget}"}` });
        return z.NEVER;
      }
    }
    return { ...r, condition: parsed.data as Record<string, unknown> };
  });

export type AlertRuleData = z.output<typeof alertRuleInputSchema>;
