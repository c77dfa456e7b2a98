import { z } from 'zod';

/**
 * zod schemas for what a prompt version stores: the JSON columns (`messages`, `params`) and the
 * names. Objects are strict (unknown keys refused), so the service can be called with plain data
 * from anywhere and still never writes a shape the rest of the system does not expect.
 */

/** Label names: lowercase, a letter first. `latest` is reserved (implicit, the highest number). */
export const LABEL_NAME = /^[a-z][a-z0-9_-]*$/;
export const LATEST = 'latest';
export const DEFAULT_LABEL = 'production';

export const labelNameSchema = z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters').regex(LABEL_NAME, 'must be lowercase: a letter, then letters, digits, _ or -');

/** PostgreSQL text cannot hold U+0000: refused here, naming the field, before any query. */
const noNul = (s: string) => !s.includes('\u0000');
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

export const promptMessageSchema = z.strictObject({
  role: z.enum(['USER', 'ASSISTANT'], { error: 'must be USER or ASSISTANT' }),
  content: z.string().min(1, 'must not be empty').max(200_000, 'must be at most 200000 characters').refine(noNul, NUL_MESSAGE),
});
/** A stored message of a prompt version. */
export type PromptMessageData = z.infer<typeof promptMessageSchema>;

export const MAX_STOP_SEQUENCES = 4;
export const MAX_TOKENS_LIMIT = 200_000;

export const modelParamsSchema = z.strictObject({
  maxTokens: z.number().int('must be an integer').positive('must be positive').max(MAX_TOKENS_LIMIT, `must be at most ${MAX_TOKENS_LIMIT}`).nullish(),
  temperature: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
  topP: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
  stopSequences: z.array(z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters')).max(MAX_STOP_SEQUENCES, `at most ${MAX_STOP_SEQUENCES} stop sequences`).nullish(),
});

/** Stored inference parameters; only the keys that were given. */
export interface ModelParamsData {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** Drops unset keys; null when nothing is set. */
export function compactParams(p: z.infer<typeof modelParamsSchema> | null | undefined): ModelParamsData | null {
  if (!p) return null;
  const out: ModelParamsData = {};
  if (p.maxTokens != null) out.maxTokens = p.maxTokens;
  if (p.temperature != null) out.temperature = p.temperature;
  if (p.topP != null) out.topP = p.topP;
  if (p.stopSequences != null) out.stopSequences = p.stopSequences;
  return Object.keys(out).length ? out : null;
}

export const createPromptVersionSchema = z.strictObject({
  prompt: z.string().trim().min(1, 'must not be empty'),
  system: z.string().max(200_000, 'must be at most 200000 characters').refine(noNul, NUL_MESSAGE).nullish(),
  messages: z.array(promptMessageSchema).max(100, 'at most 100 messages').nullish(),
  modelId: z.string().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters').nullish(),
  params: modelParamsSchema.nullish(),
  commitMessage: z.string().max(2000, 'must be at most 2000 characters').nullish(),
  shareable: z.boolean().nullish(),
});
