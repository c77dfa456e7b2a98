import { z } from 'zod';
import { BadUserInputError } from './errors';

/** Names of config entities: non-empty, trimmed, at most 100 characters. */
export const nameSchema = z
  .string()
  .trim()
  // One spelling per name: "café" typed as e + combining accent is the same name as the precomposed one.
  .transform((s) => s.normalize('NFC'))
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .refine((s) => !s.includes('\u0000'), 'must not contain the NUL character'),
  );

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

/** Entity ids are uuids (any version: PostgreSQL's gen_random_uuid() makes v4). */
export const idSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');

/** Checks an id argument; a malformed one is BAD_USER_INPUT naming `field`. */
export function parseId(id: unknown, field = 'id'): string {
  return parseInput(idSchema, id, field);
}
