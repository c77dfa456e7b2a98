import { backtrackingRisk } from '../graphql/regex-safety';
import { z } from 'zod';
import { BadUserInputError } from '../graphql/errors';
import { parseInput } from '../graphql/validation';
import { jsonSchemaError } from './assertions/json-schema';

/**
 * zod schemas for eval cases and their assertions (API.md "Evaluation"), validated on write. Objects
 * are strict: unknown keys are refused, and every error names its field path, e.g.
 * `input.cases.0.assertions.1.value`. The stored JSON is the parsed form (defaults filled).
 */

const MAX_TEXT = 1_000_000;
const text = z.string({ error: 'must be a string' }).max(MAX_TEXT, 'must be at most 1,000,000 characters');
const unit = z.number({ error: 'must be a number in 0..1' }).min(0, 'must be in 0..1').max(1, 'must be in 0..1');
const weight = z.number({ error: 'must be a number' }).min(0, 'must be at least 0').max(1000, 'must be at most 1000').default(1);
const needle = z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(100_000, 'must be at most 100,000 characters');

/** Flags a `regex` assertion may carry; `g` and `y` are refused because they make `test()` stateful. */
const REGEX_FLAGS = /^[imsu]*$/;

const regexAssertion = z
  .strictObject({
    type: z.literal('regex'),
    value: z.string({ error: 'must be a regular expression (string)' }).min(1, 'must not be empty').max(1000, 'must be at most 1000 characters'),
    flags: z.string().regex(REGEX_FLAGS, 'must be made of the flags i, m, s, u').optional(),
    weight,
  })
  .superRefine((a, ctx) => {
    try {
      new RegExp(a.value, a.flags);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `invalid regular expression: ${(err as Error).message}` });
      return;
    }
    // Runs on every eval output: refuse shapes that backtrack catastrophically.
    const risk = backtrackingRisk(a.value, a.flags);
    if (risk) ctx.addIssue({ code: 'custom', path: ['value'], message: risk });
  });

/**
 * A JSON Schema, compiled with ajv on write: a schema ajv refuses (unknown keyword, wrong type,
 * unresolvable $ref) is refused here, with ajv's message, before any model call.
 */
const jsonSchemaValue = z.record(z.string(), z.unknown(), { error: 'must be a JSON Schema object' }).superRefine((s, ctx) => {
  const t = s.type;
  const ok = (v: unknown) => typeof v === 'string';
  if (t !== undefined && !ok(t) && !(Array.isArray(t) && t.length > 0 && t.every(ok))) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: 'must be a JSON Schema type name or a list of them' });
    return;
  }
  const err = jsonSchemaError(s);
  if (err) ctx.addIssue({ code: 'custom', message: `invalid JSON Schema: ${err}` });
});

const ASSERTION_TYPE_LIST =
  'equals, contains, icontains, not-contains, regex, starts-with, is-json, json-schema, max-length, llm-rubric, similar, cost-below, latency-below (each may be negated with a "not-" prefix)';

/** The base (not negated) assertion types and their fields. `not-contains` is `contains` negated. */
const baseAssertionSchema = z.discriminatedUnion(
  'type',
  [
    /** The output, trimmed, equals `value`, trimmed. */
    z.strictObject({ type: z.literal('equals'), value: text, weight }),
    /** The output contains `value` (case-sensitive). */
    z.strictObject({ type: z.literal('contains'), value: needle, weight }),
    /** The output contains `value`, ignoring case. */
    z.strictObject({ type: z.literal('icontains'), value: needle, weight }),
    /** The output matches the regex `value` with `flags`. */
    regexAssertion,
    /** The output, trimmed, starts with `value`. */
    z.strictObject({ type: z.literal('starts-with'), value: needle, weight }),
    /** The output parses as JSON. */
    z.strictObject({ type: z.literal('is-json'), weight }),
    /** The output parses as JSON and validates against the JSON Schema `value` (ajv). */
    z.strictObject({ type: z.literal('json-schema'), value: jsonSchemaValue, weight }),
    /** The output is at most `value` characters long. */
    z.strictObject({ type: z.literal('max-length'), value: z.int({ error: 'must be a whole number' }).min(0, 'must be at least 0'), weight }),
    /**
     * The judge model grades the output 0..1 against the set's rubric plus `value` (this case's own
     * criteria); it passes at `threshold` (default 0.5).
     */
    z.strictObject({ type: z.literal('llm-rubric'), value: needle.optional(), threshold: unit.default(0.5), weight }),
    /** Embedding cosine similarity of the output to the case's `expected` is at least `threshold` (default 0.8). */
    z.strictObject({ type: z.literal('similar'), threshold: unit.default(0.8), weight }),
    /** The generation cost less than `value` USD. */
    z.strictObject({ type: z.literal('cost-below'), value: z.number({ error: 'must be a number (USD)' }).min(0, 'must be at least 0'), weight }),
    /** The generation took less than `value` milliseconds. */
    z.strictObject({ type: z.literal('latency-below'), value: z.number({ error: 'must be a number (ms)' }).min(0, 'must be at least 0'), weight }),
  ],
  {
    error: (iss) => ((iss.code as string) === 'invalid_type' ? 'must be an assertion object { type, value?, weight? }' : `type must be one of ${ASSERTION_TYPE_LIST}`),
  },
);

type BaseAssertion = z.output<typeof baseAssertionSchema>;
/** A base assertion type: `contains`, `regex`, ... */
export type BaseAssertionType = BaseAssertion['type'];
type Negated<A> = A extends { type: infer T extends string } ? Omit<A, 'type'> & { type: `not-${T}` } : never;
/** A validated assertion (defaults filled: `weight`, and `threshold` where it applies); `not-X` negates X. */
export type Assertion = BaseAssertion | Negated<BaseAssertion>;

/** The base types, in the order API.md lists them. */
export const BASE_ASSERTION_TYPES = [
  'equals',
  'contains',
  'icontains',
  'regex',
  'starts-with',
  'is-json',
  'json-schema',
  'max-length',
  'llm-rubric',
  'similar',
  'cost-below',
  'latency-below',
] as const satisfies ReadonlyArray<BaseAssertionType>;

/** Every assertion type: the base ones and their `not-` negations (promptfoo's convention). */
export const ASSERTION_TYPES = [...BASE_ASSERTION_TYPES, ...BASE_ASSERTION_TYPES.map((t) => `not-${t}` as const)];
export type AssertionType = Assertion['type'];

/** Splits `not-X` into X and a negation flag. */
export function baseOf(type: AssertionType): { base: BaseAssertionType; negated: boolean } {
  return type.startsWith('not-') ? { base: type.slice(4) as BaseAssertionType, negated: true } : { base: type as BaseAssertionType, negated: false };
}

/**
 * One assertion of an eval case. Any type may carry a `not-` prefix: `not-is-json`, `not-regex`,
 * `not-similar`... The negated form takes the same fields as the base type and passes when the
 * base assertion fails (score 1 - base score).
 */
export const assertionSchema = z.unknown().transform((raw, ctx): Assertion => {
  const obj = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  const negated = typeof obj?.type === 'string' && obj.type.startsWith('not-') && obj.type.length > 4;
  const parsed = baseAssertionSchema.safeParse(negated ? { ...obj, type: (obj!.type as string).slice(4) } : raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return (negated ? { ...parsed.data, type: `not-${parsed.data.type}` } : parsed.data) as Assertion;
});

export const assertionsSchema = z
  .array(assertionSchema, { error: 'must be a list of assertions' })
  .min(1, 'must hold at least one assertion')
  .max(50, 'must hold at most 50 assertions')
  .refine((list) => list.some((a) => a.weight > 0), 'weights must not all be 0');

/** A case passes when its score reaches `threshold`; without one, when every assertion passes. */
export const caseThresholdSchema = unit;

/** One turn of a case's conversation history; `role` is accepted in any case and stored upper-case. */
export const caseMessageSchema = z.strictObject({
  role: z
    .string({ error: 'must be USER or ASSISTANT' })
    .transform((r) => r.toUpperCase())
    .pipe(z.enum(['USER', 'ASSISTANT'], { error: 'must be USER or ASSISTANT' })),
  content: text.min(1, 'must not be empty'),
});
export type CaseMessage = z.output<typeof caseMessageSchema>;

/** A retrieved chunk given to the case, as in GenerateInput.context. */
export const caseContextChunkSchema = z.strictObject({
  id: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200),
  text,
  score: unit.optional(),
  source: z.string({ error: 'must be a string' }).max(500).optional(),
});
export type CaseContextChunk = z.output<typeof caseContextChunkSchema>;

export const caseVariablesSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a variable name'), text, { error: 'must be an object of strings' })
  .refine((v) => Object.keys(v).length <= 200, 'must hold at most 200 variables');

/** An eval case as written: every field but `assertions` optional. */
export const evalCaseSchema = z.strictObject({
  variables: caseVariablesSchema.nullish().transform((v) => v ?? {}),
  messages: z
    .array(caseMessageSchema, { error: 'must be a list of { role, content }' })
    .max(500, 'must hold at most 500 messages')
    .nullish()
    .transform((v) => v ?? []),
  input: text.nullish().transform((v) => v ?? null),
  context: z
    .array(caseContextChunkSchema, { error: 'must be a list of { id, text, score?, source? }' })
    .max(200, 'must hold at most 200 chunks')
    .nullish()
    .transform((v) => v ?? []),
  expected: text.nullish().transform((v) => v ?? null),
  assertions: assertionsSchema,
  /** The case passes when its weighted score reaches this (0..1); without it, when every assertion passes. */
  threshold: caseThresholdSchema.nullish().transform((v) => v ?? null),
  tags: z
    .array(z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(100), { error: 'must be a list of strings' })
    .max(50, 'must hold at most 50 tags')
    .nullish()
    .transform((v) => [...new Set(v ?? [])]),
});
/** A validated eval case, ready to store. */
export type EvalCaseData = z.output<typeof evalCaseSchema>;

/** Most cases one createEvalSet or addEvalCases call may carry. */
export const MAX_CASES_PER_CALL = 1000;

/**
 * Validates cases for `field` (e.g. `input.cases`), including the rules that span fields: a
 * `similar` assertion needs the case's `expected`, an `llm-rubric` without its own `value` needs the
 * set's rubric.
 */
export function parseEvalCases(cases: unknown, field: string, set: { rubric: string | null }): EvalCaseData[] {
  const list = parseInput(z.array(z.unknown(), { error: 'must be a list of cases' }).max(MAX_CASES_PER_CALL, `must hold at most ${MAX_CASES_PER_CALL} cases`), cases, field);
  return list.map((raw, i) => {
    const at = `${field}.${i}`;
    const c = parseInput(evalCaseSchema, stripUndefined(raw), at);
    c.assertions.forEach((a, j) => {
      const { base } = baseOf(a.type);
      if (base === 'similar' && c.expected === null) {
        throw new BadUserInputError(`${at}.expected`, `assertion ${j} ("${a.type}") compares with expected, which this case lacks`);
      }
      if (base === 'llm-rubric' && !('value' in a && a.value !== undefined) && !set.rubric) {
        throw new BadUserInputError(`${at}.assertions.${j}.value`, 'an llm-rubric assertion needs a value when the eval set has no rubric');
      }
    });
    return c;
  });
}

/** GraphQL input objects carry undefined for omitted fields; strict schemas should see them as absent. */
function stripUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
