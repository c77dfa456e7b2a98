import { z } from 'zod';
import { BadUserInputError } from './errors';

/** Names of config entities: non-empty, trimmed, at most 100 characters. */
export const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/**
 * Parses input with a zod schema, turning the first problem into BAD_USER_INPUT that names the
 * field path (e.g. `input.condition.minInputTokens: expected number`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [field, ...issue.path.map(String)].filter(Boolean).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  throw new BadUserInputError(path, message);
}
