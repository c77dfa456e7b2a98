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

/** Validates a GenerateInput; bad input is BAD_USER_INPUT naming the field (`input.context.2.score`). */
export function parseGenerateInput(input: GenerateInput): GenerateRequest {
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
