import { z } from 'zod';
import { nameSchema } from '../graphql/validation';

/** A uuid argument (checked before it reaches the database). */
export { idSchema } from '../graphql/validation';

/** The metrics an alert rule can watch. `budget` fires on budget threshold crossings; the others are evaluated by the alert scheduler. */
export const ALERT_METRICS = ['cost', 'p95_latency', 'error_rate', 'guardrail_trigger_rate', 'eval_score', 'drift', 'budget'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** The metrics the alert scheduler computes from traces, eval results and drift reports each tick. */
export const SCHEDULED_METRICS = ['cost', 'p95_latency', 'error_rate', 'guardrail_trigger_rate', 'eval_score', 'drift'] as const;
export type ScheduledMetric = (typeof SCHEDULED_METRICS)[number];

/** Rules named `budget:<budget name>` belong to that budget: metric `budget`, condition `{ budget: <name> }`. */
export const BUDGET_RULE_PREFIX = 'budget:';

const KINDS = ['above', 'below', 'ratio', 'zScore'] as const;

/**
 * A condition on a metric: exactly one of
 * - `above` / `below`: an absolute bound on the metric over the rule's window;
 * - `ratio`: the window's value against the same metric over a trailing baseline window, fires when
 *   value >= ratio x baseline (`direction` "up", the default) or value <= baseline / ratio ("down");
 * - `zScore`: the window's value against the values of the window-sized slices of the baseline
 *   window, fires when (value - mean) / sd >= zScore ("up") or <= -zScore ("down").
 * `baselineWindow` (default 24 x the window, at most 30 days) is the trailing window just before
 * the rule's window; `minSamples` (default 1) is the fewest traces (or eval results) the window
 * needs before the rule can fire, and each baseline slice needs. `prompt` restricts the metric to
 * one prompt's traces, `evalSet` (eval_score only) to one eval set's results.
 */
function comparison(min: number, max: number, unit: string, metric: string) {
  const n = z.number().finite().min(min, `must be at least ${min}`).max(max, `must be at most ${max}${unit}`);
  return z
    .strictObject({
      above: n.optional(),
      below: n.optional(),
      ratio: z.number().finite().gt(1, 'must be greater than 1').max(1e6, 'must be at most 1000000').optional(),
      zScore: z.number().finite().gt(0, 'must be greater than 0').max(100, 'must be at most 100').optional(),
      direction: z.enum(['up', 'down'], { message: 'must be "up" or "down"' }).optional(),
      baselineWindow: z.lazy(() => windowSchema).optional(),
      minSamples: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000').optional(),
      prompt: nameSchema.optional(),
      evalSet: nameSchema.optional(),
    })
    .superRefine((c, ctx) => {
      const given = KINDS.filter((k) => c[k] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({ code: 'custom', message: 'give exactly one of "above", "below", "ratio" or "zScore"' });
        return;
      }
      const deviation = given[0] === 'ratio' || given[0] === 'zScore';
      for (const k of ['direction', 'baselineWindow'] as const) {
        if (!deviation && c[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'only with "ratio" or "zScore"' });
      }
      if (c.evalSet !== undefined && metric !== 'eval_score') ctx.addIssue({ code: 'custom', path: ['evalSet'], message: 'only for metric eval_score' });
    });
}

/** The parsed condition of a scheduled metric. */
export interface MetricCondition {
  above?: number;
  below?: number;
  ratio?: number;
  zScore?: number;
  direction?: 'up' | 'down';
  baselineWindow?: string;
  minSamples?: number;
  prompt?: string;
  evalSet?: string;
}

/**
 * The condition of a `drift` rule: the rule's window is compared with the trailing `baselineWindow`
 * (default 24 x the window, at most 30 days) by the drift report (docs/drift.md). With `feature`, the
 * rule watches that one signal: it fires when the signal drifted (its statistic past its own
 * threshold), or, with `above`, when the statistic (absolute value for z and t) exceeds `above`.
 * Without `feature`, it fires when more than `above` (default 0) signals drifted. `minSamples`
 * (default 1) is the fewest traces the window needs; `prompt` restricts both ranges to one prompt.
 */
export interface DriftCondition {
  feature?: string;
  above?: number;
  baselineWindow?: string;
  minSamples?: number;
  prompt?: string;
}

/** The signals of a drift report (docs/drift.md), which a `drift` rule may name. */
export const DRIFT_SIGNALS = [
  'inputLength',
  'inputLanguage',
  'inputTopicCentroid',
  'inputTopicOutliers',
  'modelId',
  'routeRule',
  'contextScore',
  'contextDropped',
  'errorRate',
  'guardrailTriggerRate',
  'outputLength',
  'evalScoreOnline',
  'evalScoreRuns',
  'latencyMs',
  'ttftMs',
  'inputTokens',
  'outputTokens',
  'costUsd',
  'status',
] as const;

const driftCondition = z.strictObject({
  feature: z.enum(DRIFT_SIGNALS, { message: `must be one of ${DRIFT_SIGNALS.join(', ')}` }).optional(),
  above: z.number().finite().min(0, 'must be at least 0').max(Number.MAX_SAFE_INTEGER, 'must be at most 9007199254740991').optional(),
  baselineWindow: z.lazy(() => windowSchema).optional(),
  minSamples: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000').optional(),
  prompt: nameSchema.optional(),
});

/** The condition of each metric; unknown keys are refused. */
export const conditionSchemas: Record<AlertMetric, z.ZodType> = {
  /** Spend in USD over the window. */
  cost: comparison(0, Number.MAX_SAFE_INTEGER, '', 'cost'),
  /** p95 latency in milliseconds over the window. */
  p95_latency: comparison(0, 86_400_000, ' ms', 'p95_latency'),
  error_rate: comparison(0, 1, '', 'error_rate'),
  guardrail_trigger_rate: comparison(0, 1, '', 'guardrail_trigger_rate'),
  eval_score: comparison(0, 1, '', 'eval_score'),
  /** Drift of the window against a trailing baseline (DriftCondition). */
  drift: driftCondition,
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
    webhookUrl: z
      .string()
      .trim()
      .max(2000, 'must be at most 2000 characters')
      .url('must be an http(s) URL')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
      .nullish()
      .transform((v) => v ?? null),
    webhookSecret: z
      .string()
      .min(8, 'must be at least 8 characters')
      .max(500, 'must be at most 500 characters')
      .nullish()
      .transform((v) => v ?? null),
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
    if (r.webhookSecret !== null && r.webhookUrl === null) {
      ctx.addIssue({ code: 'custom', path: ['webhookSecret'], message: 'needs a webhookUrl' });
      return z.NEVER;
    }
    return { ...r, condition: parsed.data as Record<string, unknown> };
  });

export type AlertRuleData = z.output<typeof alertRuleInputSchema>;
