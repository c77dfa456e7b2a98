import { z } from 'zod';
import { nameSchema } from '../../graphql/validation';
import { assertionSchema, baseOf, type Assertion } from '../eval-case.schemas';

/**
 * zod schemas of an online evaluator (API.md "Watching production"), validated on write; every
 * error names its field (`input.assertions.1.value`, `input.sampleRate`, ...).
 */

/**
 * The assertion types an online evaluator may use: those that need no expected answer (production
 * traces have none), and their `not-` negations. `equals` and `similar` compare with an expected
 * answer and are refused.
 */
export const ONLINE_ASSERTION_TYPES = ['is-json', 'json-schema', 'regex', 'contains', 'icontains', 'starts-with', 'max-length', 'cost-below', 'latency-below', 'llm-rubric'] as const;
const ONLINE_BASES = new Set<string>(ONLINE_ASSERTION_TYPES);
const ONLINE_TYPE_LIST = `${ONLINE_ASSERTION_TYPES.join(', ')} (each may be negated with a "not-" prefix, e.g. not-contains)`;

const unit = (what: string) =>
  z
    .number({ error: `must be a number in 0..1 (${what})` })
    .min(0, 'must be in 0..1')
    .max(1, 'must be in 0..1');

/** One assertion of an online evaluator: an eval assertion whose base type needs no expected answer. */
const onlineAssertionSchema = z.unknown().transform((raw, ctx): Assertion => {
  const type = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { type?: unknown }).type : undefined;
  if (typeof type === 'string') {
    const base = type.startsWith('not-') ? type.slice(4) : type;
    if (!ONLINE_BASES.has(base)) {
      const why = base === 'equals' || base === 'similar' ? `"${type}" compares with an expected answer, which production traces lack; ` : '';
      ctx.addIssue({ code: 'custom', path: ['type'], message: `${why}type must be one of ${ONLINE_TYPE_LIST}` });
      return z.NEVER;
    }
  }
  const parsed = assertionSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return parsed.data;
});

/** Which traces an evaluator looks at beyond its prompt and label. Every key given must hold. */
export const onlineFilterSchema = z
  .strictObject({
    /** The trace carries any of these tags. */
    tags: z
      .array(z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(100), { error: 'must be a list of strings' })
      .min(1, 'must hold at least one tag')
      .max(50, 'must hold at most 50 tags')
      .optional(),
    /** The trace was served by one of these models. */
    models: z
      .array(z.string({ error: 'must be a model id' }).trim().min(1, 'must not be empty').max(300), { error: 'must be a list of model ids' })
      .min(1, 'must hold at least one model')
      .max(50, 'must hold at most 50 models')
      .optional(),
  })
  .nullish()
  .transform((f) => (f && (f.tags || f.models) ? f : null));
export type OnlineFilter = NonNullable<z.output<typeof onlineFilterSchema>>;

export const onlineEvaluatorInputSchema = z.object({
  name: nameSchema,
  prompt: nameSchema,
  label: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
  evalSet: nameSchema.nullish(),
  sampleRate: unit('the share of matching traces scored'),
  reviewSampleRate: unit('the share of scored traces sent to the review queue').nullish(),
  assertions: z.array(onlineAssertionSchema, { error: 'must be a list of assertions' }).min(1, 'must hold at least one assertion').max(50, 'must hold at most 50 assertions'),
  filter: onlineFilterSchema,
  enabled: z.boolean().nullish(),
});
export type OnlineEvaluatorFields = z.output<typeof onlineEvaluatorInputSchema>;

/** True when an assertion is graded by the judge model (needs the eval set's rubric or its own value). */
export function isJudged(a: Assertion): boolean {
  return baseOf(a.type).base === 'llm-rubric';
}
