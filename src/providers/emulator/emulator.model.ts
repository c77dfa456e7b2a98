import { createHash, type Hash } from 'node:crypto';
import { z } from 'zod';
import type { ModelInfo } from '../catalog';
import { countTokens, splitTokens } from '../tokens';
import { parseScript, type EmulatorScript } from './emulator.script';
import { mulberry32 } from '../../core/seeded-random';

/** A Bedrock error the emulator answers with (pre-stream: rest-json; in-stream: a frame). */
export class EmulatorError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const blockSchema = z.record(z.string(), z.unknown());
const converseBodySchema = z.object({
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.array(blockSchema) })).min(1, 'A conversation must start with a user message.'),
  system: z.array(blockSchema).optional(),
  inferenceConfig: z
    .object({
      maxTokens: z.number().int().min(1).optional(),
      temperature: z.number().min(0).max(1).optional(),
      topP: z.number().min(0).max(1).optional(),
      stopSequences: z.array(z.string().min(1)).max(2500).optional(),
    })
    .optional(),
  toolConfig: z.object({ tools: z.array(blockSchema).min(1), toolChoice: z.unknown().optional() }).optional(),
});

/** The parts of a Converse / ConverseStream / CountTokens body the emulator reads. */
export type ConverseBody = z.infer<typeof converseBodySchema>;

function zodMessage(error: z.ZodError): string {
  const issues = error.issues.map((i) => `Value at '${i.path.join('.') || 'body'}' failed to satisfy constraint: ${i.message}`);
  return `${issues.length} validation error${issues.length === 1 ? '' : 's'} detected: ${issues.join('; ')}`;
}

/** Validates a Converse-shaped body; throws EmulatorError(ValidationException). */
export function parseConverseBody(raw: unknown): ConverseBody {
  const parsed = converseBodySchema.safeParse(raw);
  if (!parsed.success) throw new EmulatorError('ValidationException', zodMessage(parsed.error));
  if (parsed.data.messages[0].role !== 'user') {
    throw new EmulatorError('ValidationException', 'A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  return parsed.data;
}

type CacheTtl = '5m' | '1h';
type Segment = { kind: 'text'; where: string; text: string } | { kind: 'cachePoint'; where: string; ttl: CacheTtl };

const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };
/** Models that take `ttl: "1h"` cache points (BEDROCK.md section 6). */
const ONE_HOUR_CACHE = /claude-(?:sonnet-4-[56]|opus-4-[56]|haiku-4-5)/;

/** Flattens one content block into countable text or a cache point; media blocks carry no text. */
function blockSegment(block: Record<string, unknown>, where: string): Segment | undefined {
  const keys = Object.keys(block);
  if (keys.length !== 1) {
    throw new EmulatorError('ValidationException', `A content block at ${where} must set exactly one member.`);
  }
  const [key] = keys;
  const value = block[key];
  switch (key) {
    case 'text':
      if (typeof value !== 'string') throw new EmulatorError('ValidationException', `Value at '${where}.text' must be a string.`);
      return { kind: 'text', where, text: value };
    case 'cachePoint': {
      const point = typeof value === 'object' && value !== null ? (value as { type?: unknown; ttl?: unknown }) : {};
      if (point.type !== 'default') throw new EmulatorError('ValidationException', `Value at '${where}.cachePoint.type' must be 'default'.`);
      const ttl = point.ttl ?? '5m';
      if (ttl !== '5m' && ttl !== '1h') throw new EmulatorError('ValidationException', `Value at '${where}.cachePoint.ttl' must be '5m' or '1h'.`);
      return { kind: 'cachePoint', where, ttl };
    }
    case 'guardContent': {
      const text = (value as { text?: { text?: unknown } } | null)?.text?.text;
      return typeof text === 'string' ? { kind: 'text', where, text } : undefined;
    }
    case 'toolSpec':
    case 'toolUse':
    case 'toolResult':
      return { kind: 'text', where, text: JSON.stringify(value) };
    default:
      return undefined;
  }
}

function segmentsOf(body: Pick<ConverseBody, 'system' | 'messages' | 'toolConfig'>): Segment[] {
  const out: Segment[] = [];
  const push = (s: Segment | undefined): void => {
    if (s) out.push(s);
  };
  body.toolConfig?.tools.forEach((b, i) => push(blockSegment(b, `toolConfig.tools.${i}`)));
  body.system?.forEach((b, i) => push(blockSegment(b, `system.${i}`)));
  body.messages.forEach((m, mi) => m.content.forEach((b, bi) => push(blockSegment(b, `messages.${mi}.${m.role}.${bi}`))));
  return out;
}

/**
 * Input tokens of a request by the stated rule: the sum of `countTokens` over every text block
 * (tool specs as JSON, system, messages), scripts included; no per-message overhead.
 */
export function countInputTokens(body: Pick<ConverseBody, 'system' | 'messages' | 'toolConfig'>): number {
  let n = 0;
  for (const s of segmentsOf(body)) if (s.kind === 'text') n += countTokens(s.text);
  return n;
}

/** Usage as reported in `metadata` / the Converse response. */
export interface EmulatorUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  /** Cache writes by TTL, 1h before 5m (present when something was written). */
  cacheDetails?: Array<{ ttl: CacheTtl; inputTokens: number }>;
}

/** Prompt-cache prefixes seen by one emulator instance, with the 5-minute TTL refreshed on hits. */
export class PromptCacheStore {
  private readonly entries = new Map<string, number>();
  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `key` was written within the TTL. */
  has(key: string): boolean {
    const expires = this.entries.get(key);
    return expires !== undefined && expires > this.now();
  }

  /** True when `key` was seen within the TTL; either way `key` is (re)written with a fresh TTL (its own, or the store's). */
  touch(key: string, ttlMs = this.ttlMs): boolean {
    const t = this.now();
    const expires = this.entries.get(key);
    const hit = expires !== undefined && expires > t;
    this.entries.set(key, Math.max(expires ?? 0, t + ttlMs));
    if (this.entries.size > 10_000) for (const [k, e] of this.entries) if (e <= t) this.entries.delete(k);
    return hit;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Computes input-side usage with prompt caching (the emulator's stated rule).
 *
 * The prefix up to each cache point (tools, then system, then messages, in that order) is hashed
 * with the base model id. A checkpoint qualifies when the model caches and its cumulative prefix
 * reaches the model's `minTokens`; others are silently ignored, as on Bedrock.
 * - The longest qualifying prefix seen within the TTL is a hit: its tokens are `cacheReadInputTokens`.
 * - The tokens from there up to the last qualifying checkpoint are `cacheWriteInputTokens` (every
 *   qualifying prefix is (re)written with a fresh TTL).
 * - Everything else, including the tail after the last checkpoint, is `inputTokens`, so
 *   `inputTokens + cacheRead + cacheWrite` is always the request's whole input.
 */
export function computeInputUsage(
  model: ModelInfo,
  body: Pick<ConverseBody, 'system' | 'messages' | 'toolConfig'>,
  cache: PromptCacheStore,
): Pick<EmulatorUsage, 'inputTokens' | 'cacheReadInputTokens' | 'cacheWriteInputTokens' | 'cacheDetails'> {
  const segments = segmentsOf(body);
  const maxCheckpoints = model.promptCaching?.maxCheckpoints ?? 4;
  const points = segments.filter((s): s is Extract<Segment, { kind: 'cachePoint' }> => s.kind === 'cachePoint');
  if (points.length > maxCheckpoints) {
    throw new EmulatorError('ValidationException', `The number of cache points (${points.length}) exceeds the maximum of ${maxCheckpoints}.`);
  }
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.ttl === '1h' && points[i - 1]!.ttl === '5m') {
      throw new EmulatorError('ValidationException', `A cache point with a longer TTL (${points[i]!.where}) cannot follow one with a shorter TTL.`);
    }
  }
  if (points.some((p) => p.ttl === '1h') && !ONE_HOUR_CACHE.test(model.modelId)) {
    throw new EmulatorError('ValidationException', `The model ${model.modelId} does not support a 1h cache TTL.`);
  }
  // Tool cache points exist only on Claude models; elsewhere they are ignored.
  const toolsCache = model.provider === 'Anthropic';
  const hash: Hash = createHash('sha256').update(model.modelId);
  let total = 0;
  const qualifying: Array<{ tokens: number; key: string; ttl: CacheTtl }> = [];
  for (const s of segments) {
    if (s.kind === 'text') {
      total += countTokens(s.text);
      hash.update(`\u0000${s.where.replace(/\.\d+$/, '')}\u0000${s.text}`);
      continue;
    }
    if (!model.promptCaching || (!toolsCache && s.where.startsWith('toolConfig'))) continue;
    // The k-th checkpoint needs k times the minimum (on Claude 3.7: after 1,024, then after 2,048 tokens).
    if (total >= model.promptCaching.minTokens * (qualifying.length + 1) && qualifying.at(-1)?.tokens !== total) {
      qualifying.push({ tokens: total, key: hash.copy().digest('hex'), ttl: s.ttl });
    }
  }
  if (qualifying.length === 0) return { inputTokens: total, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
  let read = 0;
  for (const q of qualifying) if (cache.has(q.key)) read = q.tokens;
  for (const q of qualifying) cache.touch(q.key, TTL_MS[q.ttl]);
  const written = qualifying[qualifying.length - 1]!.tokens - read;
  // Each written stretch belongs to the TTL of the checkpoint that ends it.
  const byTtl: Record<CacheTtl, number> = { '1h': 0, '5m': 0 };
  let from = read;
  for (const q of qualifying) {
    if (q.tokens <= from) continue;
    byTtl[q.ttl] += q.tokens - from;
    from = q.tokens;
  }
  const cacheDetails = written > 0 ? (['1h', '5m'] as const).filter((t) => byTtl[t] > 0).map((ttl) => ({ ttl, inputTokens: byTtl[ttl] })) : undefined;
  return { inputTokens: total - read - written, cacheReadInputTokens: read, cacheWriteInputTokens: written, ...(cacheDetails ? { cacheDetails } : {}) };
}

const WORDS = (
  'the a model answer request signal stream token budget route cache guard prompt system context ' +
  'value result quickly clearly often simply every small large bright quiet steady useful careful ' +
  'river mountain garden window morning evening light paper story question reason idea pattern ' +
  'network engine bridge harbor forest market letter number measure balance travel build read ' +
  'write learn share carry follow gather notice explain improve consider remember describe ' +
  'and with from into over under across between because while after before so then also still'
).split(' ');

function seedOf(modelId: string, body: ConverseBody): number {
  const digest = createHash('sha256')
    .update(JSON.stringify([modelId, body.system ?? [], body.messages]))
    .digest();
  return digest.readUInt32BE(0);
}

/** Words from the PRNG until the text reaches `minTokens` tokens. */
function generateWords(rand: () => number, minTokens: number, sentence: boolean): string {
  let text = '';
  let tokens = 0;
  let sinceComma = 0;
  while (tokens < minTokens) {
    let word = WORDS[Math.floor(rand() * WORDS.length)];
    if (text === '' && sentence) word = word[0].toUpperCase() + word.slice(1);
    let piece = text === '' ? word : ` ${word}`;
    if (sentence && ++sinceComma > 6 && rand() < 0.25) {
      piece += ',';
      sinceComma = 0;
    }
    text += piece;
    tokens += countTokens(piece);
  }
  return text;
}

/** What the emulator will stream for one request. */
export interface PlannedReply {
  /** The deltas in order; their concatenation is `text`. */
  deltas: string[];
  text: string;
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence';
  script: EmulatorScript;
}

/** The text of the last user message, where scripts live. */
export function lastUserText(body: ConverseBody): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i];
    if (m.role !== 'user') continue;
    return m.content
      .map((b) => (typeof b.text === 'string' ? b.text : ''))
      .filter((t) => t !== '')
      .join('\n');
  }
  return '';
}

/** The text blocks of the system prompt, where directives may also stand. */
export function systemText(body: ConverseBody): string {
  return (body.system ?? [])
    .map((b) => (typeof b.text === 'string' ? b.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

/** The tool a call forces (`toolChoice: { tool: { name } }`), with its input schema; null when none is forced. */
export function forcedTool(body: ConverseBody): { name: string; inputSchema: unknown } | null {
  const choice = body.toolConfig?.toolChoice as { tool?: { name?: unknown } } | undefined;
  const name = choice?.tool?.name;
  if (typeof name !== 'string') return null;
  const spec = body.toolConfig!.tools.map((t) => t.toolSpec as { name?: string; inputSchema?: { json?: unknown } } | undefined).find((t) => t?.name === name);
  if (!spec) throw new EmulatorError('ValidationException', `toolChoice names the tool "${name}", which toolConfig.tools does not define.`);
  return { name, inputSchema: spec.inputSchema?.json ?? null };
}

function chunk(text: string, chars: number): string[] {
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += chars) out.push(cps.slice(i, i + chars).join(''));
  return out;
}

/**
 * Plans the reply: `#reply` text, `#tokens` generated tokens, or a deterministic sentence of
 * 20–60 tokens seeded by (model id, system, messages). `maxTokens` cuts at a token boundary
 * (`max_tokens`); a stop sequence cuts before the sequence (`stop_sequence`), whichever comes first.
 */
export function planReply(modelId: string, model: ModelInfo, body: ConverseBody, script: EmulatorScript): PlannedReply {
  const rand = mulberry32(seedOf(modelId, body)); // seeded from the request hash
  let full: string;
  if (script.reply !== undefined) full = script.reply;
  else if (script.tokens !== undefined)
    full = splitTokens(generateWords(rand, script.tokens, false))
      .slice(0, script.tokens)
      .join('');
  else full = `${generateWords(rand, 20 + Math.floor(rand() * 40), true)}.`;

  const maxTokens = body.inferenceConfig?.maxTokens ?? model.maxOutputTokens;
  const pieces = splitTokens(full);
  const maxCut = pieces.length > maxTokens ? pieces.slice(0, maxTokens).join('').length : Infinity;
  let stopCut = Infinity;
  for (const seq of body.inferenceConfig?.stopSequences ?? []) {
    const at = full.indexOf(seq);
    if (at >= 0 && at < stopCut) stopCut = at;
  }
  let text = full;
  let stopReason: PlannedReply['stopReason'] = 'end_turn';
  if (stopCut <= maxCut && stopCut !== Infinity) {
    text = full.slice(0, stopCut);
    stopReason = 'stop_sequence';
  } else if (maxCut !== Infinity) {
    text = full.slice(0, maxCut);
    stopReason = 'max_tokens';
  }
  const deltas = script.chunkChars ? chunk(text, script.chunkChars) : splitTokens(text);
  return { deltas, text, stopReason, script };
}

export { parseScript };
