import { countTokens } from '../providers';
import type { ContentPart, ConverseRequest, ModelMessage, TokenUsage } from '../providers';
import type { PromptCachingInfo } from '../providers';
import type { StageTokens } from '../providers';
import type { AssembledPrompt } from '../traces';

/**
 * Prompt assembly, pure: the one place that decides what the model sees and in which order
 * (API.md "Generation"): the version's system prompt, the version's messages, the history
 * (possibly with a summary of older turns), the retrieved context, then the user's input.
 */

/** The input stages a prompt token can belong to. */
export type InputStage = 'system' | 'history' | 'context' | 'input';

export interface Turn {
  role: 'USER' | 'ASSISTANT';
  content: string;
}

export interface Chunk {
  id: string;
  text: string;
  score: number | null;
  source: string | null;
}

export interface AssemblyParts {
  /** Rendered system prompt of the version. */
  system: string | null;
  /** Rendered messages of the version (few-shot examples, fixed turns). */
  templateMessages: Turn[];
  /** A summary of trimmed older history, sent before the kept turns. */
  historySummary: string | null;
  /** History turns kept verbatim. */
  history: Turn[];
  /** Chunks kept after right-sizing, best first. */
  context: Chunk[];
  input: string | null;
}

/** One text block with the stage its tokens are billed to. */
export interface CountedPart {
  stage: InputStage;
  tokens: number;
}

export interface Assembled {
  system: ContentPart[];
  messages: ModelMessage[];
  /** Every text block in prompt order, with its stage and counted tokens. */
  parts: CountedPart[];
  /** Counted tokens up to the last cache point (0 without one). */
  cachedPrefixTokens: number;
  /** Counted prompt tokens in all. */
  inputTokens: number;
  cachePoints: number;
}

export class AssemblyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const SUMMARY_PREFIX = 'Summary of the earlier conversation:\n';
export const CONVERSATION_START = '(The conversation starts.)';
export const CONTEXT_HEADER = 'Use the following retrieved context when it helps to answer.\n';

/** The text of a chunk as the model sees it. */
export function chunkText(c: Chunk): string {
  return `<context id="${c.id}"${c.source ? ` source="${c.source}"` : ''}>\n${c.text}\n</context>\n`;
}

/** The tokens of each chunk's `chunkText`, counted once per chunk object (its id, source and text checked on every read). */
const chunkCounts = new WeakMap<Chunk, { id: string; source: string | null; text: string; tokens: number }>();

/**
 * The tokens of `chunkText(c)`. Right-sizing and each assembly of a request (counted, then for its
 * model) ask for the same chunks: counted once (the count of 10 retrieved chunks was ~40% of a
 * request's token counting). A chunk whose text changed (an anonymized copy is a new object anyway) is counted again.
 */
export function chunkTokens(c: Chunk): number {
  const known = chunkCounts.get(c);
  if (known && known.text === c.text && known.id === c.id && known.source === c.source) return known.tokens;
  const tokens = countTokens(chunkText(c));
  chunkCounts.set(c, { id: c.id, source: c.source, text: c.text, tokens });
  return tokens;
}

const CONTEXT_HEADER_TOKENS = countTokens(CONTEXT_HEADER);

/**
 * The tokens of the context block (`CONTEXT_HEADER` + every `chunkText`, joined), from the chunks'
 * own counts: the header and every chunk text end with a non-space character and a newline, and
 * every chunk text starts with '<'. Counted alone, that final newline is a piece of its own (`\s+$`);
 * joined, it is the leading whitespace of the '<' piece after it. Everything before and after the
 * seam is split the same way (a piece never spans '>' or '<'), so each of the n seams counts one
 * piece less: header + sum of chunks - n, exactly `countTokens` of the joined text (a property test checks it).
 */
function contextTokens(context: readonly Chunk[]): number {
  let n = CONTEXT_HEADER_TOKENS;
  for (const c of context) n += chunkTokens(c) - 1;
  return n;
}

interface Block {
  role: 'user' | 'assistant';
  stage: InputStage;
  text: string;
  /** A cache point goes right after this block. */
  cacheAfter?: boolean;
}

/**
 * Builds the Converse system and messages. Adjacent blocks of the same role are merged into one
 * message (Converse wants user and assistant to alternate). Cache points go after the static
 * system prompt and after the version's fixed messages when the model caches prompts and the
 * prefix reaches its minimum (a shorter prefix would be ignored by Bedrock and only cost a slot).
 */
export function assemble(parts: AssemblyParts, caching: PromptCachingInfo | null): Assembled {
  const systemTokens = parts.system ? countTokens(parts.system) : 0;
  const blocks: Block[] = [];
  for (const m of parts.templateMessages) blocks.push({ role: m.role === 'USER' ? 'user' : 'assistant', stage: 'history', text: m.content });
  let templateEnd = blocks.length;
  if (parts.historySummary) blocks.push({ role: 'user', stage: 'history', text: SUMMARY_PREFIX + parts.historySummary });
  for (const m of parts.history) blocks.push({ role: m.role === 'USER' ? 'user' : 'assistant', stage: 'history', text: m.content });
  if (parts.context.length) {
    blocks.push({ role: 'user', stage: 'context', text: CONTEXT_HEADER + parts.context.map(chunkText).join('') });
  }
  if (parts.input) blocks.push({ role: 'user', stage: 'input', text: parts.input });
  if (!blocks.length) throw new AssemblyError('input.input', 'required: the prompt version has no messages and no input was given');
  // Converse conversations start with a user turn; a chat that opens with the assistant's greeting
  // gets a neutral first user turn instead of failing at the provider.
  if (blocks[0]!.role === 'assistant') {
    blocks.unshift({ role: 'user', stage: 'history', text: CONVERSATION_START });
    if (templateEnd > 0) templateEnd++;
  }
  if (blocks[blocks.length - 1]!.role !== 'user') {
    throw new AssemblyError('input.input', 'required: the conversation must end with a user turn');
  }

  const counted = blocks.map((b) => (b.stage === 'context' ? contextTokens(parts.context) : countTokens(b.text)));
  let cachePoints = 0;
  let cachedPrefixTokens = 0;
  let systemCache = false;
  if (caching) {
    if (parts.system && systemTokens >= caching.minTokens && cachePoints < caching.maxCheckpoints) {
      systemCache = true;
      cachePoints++;
      cachedPrefixTokens = systemTokens;
    }
    const templateTokens = counted.slice(0, templateEnd).reduce((a, b) => a + b, 0);
    // Long fixed few-shot turns are static too: cache them with the system prompt.
    // A further checkpoint counts only once the prefix reaches the minimum again (k × minimum for the k-th).
    if (templateEnd > 0 && systemTokens + templateTokens >= caching.minTokens * (cachePoints + 1) && cachePoints < caching.maxCheckpoints) {
      blocks[templateEnd - 1]!.cacheAfter = true;
      cachePoints++;
      cachedPrefixTokens = systemTokens + templateTokens;
    }
  }

  const system: ContentPart[] = parts.system ? [{ text: parts.system }] : [];
  if (systemCache) system.push({ cachePoint: true });
  const messages: ModelMessage[] = [];
  const countedParts: CountedPart[] = parts.system ? [{ stage: 'system', tokens: systemTokens }] : [];
  blocks.forEach((b, i) => {
    const last = messages[messages.length - 1];
    const content: ContentPart[] = [{ text: b.text }];
    if (b.cacheAfter) content.push({ cachePoint: true });
    if (last && last.role === b.role) last.content.push(...content);
    else messages.push({ role: b.role, content });
    countedParts.push({ stage: b.stage, tokens: counted[i]! });
  });
  const inputTokens = countedParts.reduce((a, p) => a + p.tokens, 0);
  return { system, messages, parts: countedParts, cachedPrefixTokens, inputTokens, cachePoints };
}

/** `maxOutputTokens`: the request's ask, capped by the version's `params.maxTokens` and the model's maximum. */
export function outputLimit(requested: number | null, versionMax: number | null | undefined, modelMax: number | null, fallback: number): number {
  let limit = requested ?? versionMax ?? fallback;
  if (versionMax) limit = Math.min(limit, versionMax);
  if (modelMax) limit = Math.min(limit, modelMax);
  return Math.max(1, limit);
}

/**
 * Splits the provider's reported prompt usage over the stages. Counted tokens per stage give the
 * shares; cached tokens (read or written) are taken from the start of the prompt, where the cache
 * points are; the uncached remainder is scaled to the provider's `inputTokens` with the
 * largest-remainder rule, so the stages add up exactly to what was billed.
 */
export function reconcileStages(parts: CountedPart[], usage: TokenUsage): StageTokens {
  let cached = usage.cacheReadTokens + usage.cacheWriteTokens;
  const uncached: Record<InputStage, number> = { system: 0, history: 0, context: 0, input: 0 };
  for (const p of parts) {
    const take = Math.min(cached, p.tokens);
    cached -= take;
    uncached[p.stage] += p.tokens - take;
  }
  const stages: InputStage[] = ['system', 'context', 'history', 'input'];
  const shares = distribute(
    stages.map((s) => uncached[s]),
    usage.inputTokens,
  );
  return {
    system: shares[0]!,
    context: shares[1]!,
    history: shares[2]!,
    input: shares[3]!,
    output: usage.outputTokens,
    cacheRead: usage.cacheReadTokens,
    cacheWrite: usage.cacheWriteTokens,
  };
}

/** Integer shares of `total` proportional to `weights` (largest remainder; equal split when all weights are 0). */
export function distribute(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return weights.map(() => 0);
  if (sum === 0) {
    // Nothing was counted but the provider billed input: put it on the last stage (the user input).
    return weights.map((_, i) => (i === weights.length - 1 ? total : 0));
  }
  const exact = weights.map((w) => (w * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]! += 1;
    left--;
  }
  return out;
}

/** The request as sent, for the trace (cache points kept, so the trace shows where they were). */
export function requestForTrace(req: ConverseRequest): AssembledPrompt {
  return { modelId: req.modelId, system: req.system, messages: req.messages, inferenceConfig: req.inferenceConfig };
}
