import { Field, Float, InputType, Int, registerEnumType } from 'type-graphql';
import { z } from 'zod';
import { GraphQLJSON } from '../graphql/scalars';
import { parseInput } from '../graphql/validation';
import { BadUserInputError } from '../graphql/errors';
import { PromptRole } from '../prompts';

export enum CacheMode {
  DEFAULT = 'DEFAULT',
  BYPASS = 'BYPASS',
  REFRESH = 'REFRESH',
}
registerEnumType(CacheMode, {
  name: 'CacheMode',
  description: 'DEFAULT reads and writes the response cache, BYPASS neither, REFRESH writes without reading.',
});

@InputType({ description: 'One turn of the conversation history, oldest first.' })
export class ChatMessageInput {
  @Field(() => PromptRole)
  role!: PromptRole;

  @Field()
  content!: string;
}

@InputType({ description: 'A retrieved chunk (RAG).' })
export class ContextChunkInput {
  @Field()
  id!: string;

  @Field()
  text!: string;

  @Field(() => Float, { nullable: true, description: 'Retrieval score, 0..1; chunks under the minimum score are dropped.' })
  score?: number | null;

  @Field(() => String, { nullable: true })
  source?: string | null;
}

@InputType()
export class GenerateInput {
  @Field()
  prompt!: string;

  @Field(() => String, { nullable: true, description: 'Label to serve; `production` when neither label nor version is given.' })
  label?: string | null;

  @Field(() => Int, { nullable: true })
  version?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: "Values of the prompt version's {{variables}}: an object of strings." })
  variables?: unknown;

  @Field(() => [ChatMessageInput], { nullable: true, description: 'Conversation history, oldest first.' })
  messages?: ChatMessageInput[] | null;

  @Field(() => String, { nullable: true, description: "The user's new message." })
  input?: string | null;

  @Field(() => [ContextChunkInput], { nullable: true })
  context?: ContextChunkInput[] | null;

  @Field(() => String, { nullable: true })
  user?: string | null;

  @Field(() => String, { nullable: true })
  sessionId?: string | null;

  @Field(() => Int, { nullable: true })
  maxOutputTokens?: number | null;

  @Field(() => String, { nullable: true, description: 'Asks for this model; routing rules are then not consulted.' })
  modelId?: string | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => CacheMode, { nullable: true })
  cache?: CacheMode | null;
}

const text = z.string().max(1_000_000, 'must be at most 1,000,000 characters');
const optionalName = z.string().trim().min(1, 'must not be empty').max(200).nullish();

/** GenerateInput as the pipeline uses it: validated, normalized, defaults filled. */
export const generateRequestSchema = z.strictObject({
  prompt: z.string().trim().min(1, 'must not be empty').max(100),
  label: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'must be a lowercase label name')
    .nullish()
    .transform((v) => v ?? null),
  version: z
    .number()
    .int()
    .positive('must be a positive version number')
    .nullish()
    .transform((v) => v ?? null),
  variables: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.string({ error: 'must be a string' }).max(1_000_000, 'must be at most 1,000,000 characters'))
    .nullish()
    .transform((v) => v ?? {}),
  messages: z
    .array(z.strictObject({ role: z.enum(['USER', 'ASSISTANT'], { error: 'must be USER or ASSISTANT' }), content: text.min(1, 'must not be empty') }))
    .max(500)
    .nullish()
    .transform((v) => v ?? []),
  input: text.nullish().transform((v) => v ?? null),
  context: z
    .array(
      z.strictObject({
        id: z.string().min(1, 'must not be empty').max(200),
        text: text,
        score: z
          .number()
          .min(0, 'must be in 0..1')
          .max(1, 'must be in 0..1')
          .nullish()
          .transform((v) => v ?? null),
        source: z
          .string()
          .max(500)
          .nullish()
          .transform((v) => v ?? null),
      }),
    )
    .max(200)
    .nullish()
    .transform((v) => v ?? []),
  user: optionalName.transform((v) => v ?? null),
  sessionId: optionalName.transform((v) => v ?? null),
  maxOutputTokens: z
    .number()
    .int()
    .positive('must be a positive number of tokens')
    .nullish()
    .transform((v) => v ?? null),
  modelId: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(300)
    .nullish()
    .transform((v) => v ?? null),
  tags: z
    .array(z.string().min(1).max(100))
    .max(50)
    .nullish()
    .transform((v) => [...new Set(v ?? [])]),
  cache: z
    .enum(CacheMode)
    .nullish()
    .transform((v) => v ?? CacheMode.DEFAULT),
});

/** A validated generate request. */
export type GenerateRequest = z.output<typeof generateRequestSchema>;

/**
 * Validates a GenerateInput; bad input is BAD_USER_INPUT naming the field (`input.context.2.score`).
 * An input {@link checkedGenerateRequest} vouches for skips the copy and zod (the same result).
 */
export function parseGenerateInput(input: GenerateInput): GenerateRequest {
  const checked = checkedGenerateRequest(input);
  if (checked) return checked;
  let plain: Record<string, unknown>;
  try {
    plain = JSON.parse(JSON.stringify(input ?? {})) as Record<string, unknown>;
  } catch (err) {
    // Nesting deep enough to exhaust the stack (JSON variables thousands of levels deep) is bad input.
    if (err instanceof RangeError) throw new BadUserInputError('input', 'nested too deeply');
    throw err;
  }
  for (const k of Object.keys(plain)) if (plain[k] === undefined) delete plain[k];
  return parseInput(generateRequestSchema, plain, 'input');
}

const LABEL = /^[a-z][a-z0-9_-]*$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_TEXT = 1_000_000;
const CACHE_MODES: ReadonlySet<unknown> = new Set(Object.values(CacheMode));
const INPUT_KEYS: ReadonlySet<string> = new Set(Object.keys(generateRequestSchema.shape));
const isInputKey = (k: string) => INPUT_KEYS.has(k);
const isChunkKey = (k: string) => k === 'id' || k === 'text' || k === 'score' || k === 'source';
const isMessageKey = (k: string) => k === 'role' || k === 'content';
// `__proto__` would not survive the copy into a record as an own key.
const isVariableName = (k: string) => k !== '__proto__' && VARIABLE_NAME.test(k);

const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

/**
 * The own fields of a record as JSON would copy them (undefined values left out), when it holds
 * only `allowed` keys; null for anything else (not an object, an array, a toJSON of its own).
 */
function fieldsOf(v: unknown, allowed: (key: string) => boolean): Record<string, unknown> | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return null;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    const value = (v as Record<string, unknown>)[k];
    if (value === undefined) continue;
    if (!allowed(k)) return null;
    out[k] = value;
  }
  return out;
}

/** A trimmed name of 1..max characters, null when absent; undefined when zod must decide. */
function trimmedName(v: unknown, max: number): string | null | undefined {
  if (absent(v)) return null;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t.length >= 1 && t.length <= max ? t : undefined;
}

function positiveInt(v: unknown): number | null | undefined {
  if (absent(v)) return null;
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/**
 * The request `generateRequestSchema` makes of a well-formed input (the common case: the fields
 * as GraphQL coerced them), built by hand, key for key in the schema's order; null whenever it
 * cannot vouch for the input (any rule broken, any value of an unexpected type), which then goes
 * through the JSON copy and zod for its verdict and message. `generate-inputs-check.test.ts` holds
 * the two to the same result.
 */
export function checkedGenerateRequest(input: unknown): GenerateRequest | null {
  const o = fieldsOf(input, isInputKey);
  if (!o) return null;
  const prompt = typeof o.prompt === 'string' ? o.prompt.trim() : '';
  if (prompt.length < 1 || prompt.length > 100) return null;
  const label = o.label;
  if (!absent(label) && !(typeof label === 'string' && LABEL.test(label))) return null;
  const version = positiveInt(o.version);
  const maxOutputTokens = positiveInt(o.maxOutputTokens);
  if (version === undefined || maxOutputTokens === undefined) return null;
  const variables: Record<string, string> = {};
  if (!absent(o.variables)) {
    const vars = fieldsOf(o.variables, isVariableName);
    if (!vars) return null;
    for (const k in vars) {
      const v = vars[k];
      if (typeof v !== 'string' || v.length > MAX_TEXT) return null;
      variables[k] = v;
    }
  }
  const messages: GenerateRequest['messages'] = [];
  if (!absent(o.messages)) {
    if (!Array.isArray(o.messages) || o.messages.length > 500) return null;
    for (const m of o.messages as unknown[]) {
      const f = fieldsOf(m, isMessageKey);
      if (!f || (f.role !== 'USER' && f.role !== 'ASSISTANT') || typeof f.content !== 'string' || f.content.length < 1 || f.content.length > MAX_TEXT) return null;
      messages.push({ role: f.role, content: f.content });
    }
  }
  const text = o.input;
  if (!absent(text) && !(typeof text === 'string' && text.length <= MAX_TEXT)) return null;
  const context: GenerateRequest['context'] = [];
  if (!absent(o.context)) {
    if (!Array.isArray(o.context) || o.context.length > 200) return null;
    for (const c of o.context as unknown[]) {
      const f = fieldsOf(c, isChunkKey);
      if (!f || typeof f.id !== 'string' || f.id.length < 1 || f.id.length > 200 || typeof f.text !== 'string' || f.text.length > MAX_TEXT) return null;
      const { score, source } = f;
      if (!absent(score) && !(typeof score === 'number' && score >= 0 && score <= 1 && !Object.is(score, -0))) return null;
      if (!absent(source) && !(typeof source === 'string' && source.length <= 500)) return null;
      context.push({ id: f.id, text: f.text, score: absent(score) ? null : score, source: absent(source) ? null : source });
    }
  }
  const user = trimmedName(o.user, 200);
  const sessionId = trimmedName(o.sessionId, 200);
  const modelId = trimmedName(o.modelId, 300);
  if (user === undefined || sessionId === undefined || modelId === undefined) return null;
  let tags: string[] = [];
  if (!absent(o.tags)) {
    if (!Array.isArray(o.tags) || o.tags.length > 50) return null;
    for (const t of o.tags as unknown[]) if (typeof t !== 'string' || t.length < 1 || t.length > 100) return null;
    tags = [...new Set(o.tags as string[])];
  }
  const cache = absent(o.cache) ? CacheMode.DEFAULT : o.cache;
  if (!CACHE_MODES.has(cache)) return null;
  return {
    prompt,
    label: absent(label) ? null : label,
    version,
    variables,
    messages,
    input: absent(text) ? null : text,
    context,
    user,
    sessionId,
    maxOutputTokens,
    modelId,
    tags,
    cache: cache as CacheMode,
  };
}
