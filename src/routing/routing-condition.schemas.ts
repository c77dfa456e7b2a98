import { backtrackingRisk } from '../graphql/regex-safety';
import { z } from 'zod';
import { BadUserInputError } from '../graphql/errors';
import { parseInput } from '../graphql/validation';

/**
 * The `condition` of a routing rule (API.md "Routing rules"), validated on write. The object is
 * strict: an unknown key or a wrong type is BAD_USER_INPUT naming the key. Every key is optional and
 * all present keys must hold; `{}` matches every request.
 */

/** Longest `inputMatches` pattern accepted: the regex runs on every request that reaches the rule. */
export const MAX_PATTERN_LENGTH = 500;
const MAX_LIST = 100;

/**
 * Compiles an `inputMatches` pattern. A plain string is the regex source (no flags); the literal form
 * `/source/flags` with flags from `imsu` is also accepted, so `/refund|chargeback/i` matches any case.
 * Throws a SyntaxError for a pattern that does not compile.
 */
export function compilePattern(pattern: string): RegExp {
  const literal = /^\/(.+)\/([imsu]*)$/s.exec(pattern);
  if (literal) return new RegExp(literal[1]!, literal[2]);
  return new RegExp(pattern);
}

export const inputPatternSchema = z
  .string({ error: 'must be a regular expression (string)' })
  .min(1, 'must not be empty')
  .max(MAX_PATTERN_LENGTH, `must be at most ${MAX_PATTERN_LENGTH} characters`)
  .superRefine((pattern, ctx) => {
    try {
      compilePattern(pattern);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
      return;
    }
    // The regex runs on untrusted input on the hot path: refuse shapes that backtrack catastrophically.
    const literal = /^\/(.+)\/([imsu]*)$/s.exec(pattern);
    const risk = literal ? backtrackingRisk(literal[1]!, literal[2]) : backtrackingRisk(pattern);
    if (risk) ctx.addIssue({ code: 'custom', message: risk });
  });

const nameList = (what: string) =>
  z
    .array(
      z
        .string({ error: `must be a ${what} (string)` })
        .trim()
        .min(1, 'must not be empty')
        .max(200, 'must be at most 200 characters'),
      {
        error: `must be a list of ${what}s`,
      },
    )
    .min(1, 'must not be empty (omit the key to match any)')
    .max(MAX_LIST, `must hold at most ${MAX_LIST} entries`);

const tokens = z.int({ error: 'must be a whole number' }).min(0, 'must be at least 0');
const unit = z.number({ error: 'must be a number in 0..1' }).min(0, 'must be in 0..1').max(1, 'must be in 0..1');

export const routingConditionSchema = z
  .strictObject(
    {
      /** Holds when the request's input tokens (whole assembled prompt) are at least this. */
      minInputTokens: tokens.optional(),
      /** Holds when the request's input tokens are at most this. */
      maxInputTokens: tokens.optional(),
      /** Prompt names; holds when the request's prompt is one of them. */
      prompts: nameList('prompt name').optional(),
      /** Label names; holds when the request was served through one of these labels. */
      labels: z
        .array(
          z
            .string()
            .trim()
            .regex(/^[a-z][a-z0-9_-]*$/, 'must be a label name: lowercase, a letter, then letters, digits, _ or -'),
          { error: 'must be a list of labels' },
        )
        .min(1, 'must not be empty (omit the key to match any)')
        .max(MAX_LIST, `must hold at most ${MAX_LIST} entries`)
        .optional(),
      /** Regex tested on the user's input (see {@link compilePattern}). */
      inputMatches: inputPatternSchema.optional(),
      /** Holds when the input contains any of these words or phrases (case-insensitive, whole words). */
      keywordsAny: nameList('keyword').optional(),
      /** true: the input contains code; false: it does not. */
      hasCode: z.boolean({ error: 'must be true or false' }).optional(),
      /** Holds when the conversation history has at least this many messages. */
      minMessages: tokens.optional(),
      /** Holds when the request carries any of these tags. */
      tagsAny: nameList('tag').optional(),
      /** Holds when the complexity score (0..1) is at least this. */
      minComplexity: unit.optional(),
      /** Holds when the complexity score (0..1) is at most this. */
      maxComplexity: unit.optional(),
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
  )
  .superRefine((c, ctx) => {
    if (c.minInputTokens !== undefined && c.maxInputTokens !== undefined && c.minInputTokens > c.maxInputTokens) {
      ctx.addIssue({ code: 'custom', path: ['maxInputTokens'], message: 'must be at least minInputTokens' });
    }
    if (c.minComplexity !== undefined && c.maxComplexity !== undefined && c.minComplexity > c.maxComplexity) {
      ctx.addIssue({ code: 'custom', path: ['maxComplexity'], message: 'must be at least minComplexity' });
    }
  });

/** A validated routing condition, as stored in `routing_rules.condition`. */
export type RoutingCondition = z.output<typeof routingConditionSchema>;

/** The condition keys in the order they are evaluated and explained. */
export const CONDITION_KEYS = [
  'prompts',
  'labels',
  'tagsAny',
  'minInputTokens',
  'maxInputTokens',
  'minMessages',
  'hasCode',
  'keywordsAny',
  'inputMatches',
  'minComplexity',
  'maxComplexity',
] as const satisfies ReadonlyArray<keyof RoutingCondition>;

/**
 * Parses a condition for `field` (e.g. `input.condition`). An unknown key is reported at its own path
 * (`input.condition.minTokens: unknown key; expected one of ...`), anything else as zod found it.
 */
export function parseCondition(value: unknown, field: string): RoutingCondition {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const unknown = Object.keys(value).find((k) => !(CONDITION_KEYS as readonly string[]).includes(k));
    if (unknown !== undefined) throw new BadUserInputError(`${field}.${unknown}`, `unknown key; expected one of ${CONDITION_KEYS.join(', ')}`);
  }
  return parseInput(routingConditionSchema, value, field);
}
