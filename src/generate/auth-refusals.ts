import { Counter, type Registry } from 'prom-client';
import type { AuthRefusal } from '../graphql/context';
import { sanitizeString, type TraceRequest } from '../traces';
import type { Caller } from './pipeline.deps';
import { TokenBuckets } from './token-buckets';

/** The operations whose refusals are traced: the generation requests. */
const TRACED_FIELDS = new Set(['Subscription.generate', 'Mutation.generateOnce']);
/** Characters kept of the prompt name and of the input's JSON. */
const PROMPT_CHARS = 64;
const PREFIX_CHARS = 120;
const SOURCE_BURST = 20;

/** Knobs of the refused-generation traces (config `REFUSED_TRACES_PER_SECOND`, `REFUSED_TRACES_MAX_PER_SECOND`). */
export interface AuthRefusalTraceOptions {
  /** Traces per second per remote address (no or bad key) or per key (wrong role); bursts of 20. Default 1. */
  perSecond?: number;
  /** Traces per second, all sources together; bursts of twice this. Default 50. */
  maxPerSecond?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** What a refused generation's trace keeps of its input: a short sanitized prefix and its size, never the body. */
export function compactRequest(input: unknown): TraceRequest {
  let json = '';
  try {
    json = JSON.stringify(input) ?? '';
  } catch {
    json = '';
  }
  const prompt = input && typeof input === 'object' && typeof (input as { prompt?: unknown }).prompt === 'string' ? (input as { prompt: string }).prompt : '';
  return { prompt: sanitizeString(prompt, PROMPT_CHARS), invalid: { inputBytes: Buffer.byteLength(json), inputPrefix: sanitizeString(json, PREFIX_CHARS) } };
}

/**
 * Every generation request leaves a trace, refused ones too, including those the auth checker
 * refuses (no key, bad key, wrong role). Anyone can send those, so they must not be a way to fill
 * the trace table: the trace is compact (the prompt name and a short prefix of the input, with its
 * size) and rate-limited with token buckets per source (the remote address without a valid key,
 * else the key) and overall; a refusal past either limit is only counted
 * (`generate_refused_traces_dropped_total`). The answer names the trace when there is one.
 */
export class AuthRefusalTraces {
  private readonly perSource: TokenBuckets;
  private readonly overall: TokenBuckets;
  readonly dropped = new Counter({
    name: 'generate_refused_traces_dropped_total',
    help: 'Generations refused by the auth checker whose trace was not written, by limit (per_source, overall)',
    labelNames: ['limit'] as const,
    registers: [],
  });

  constructor(
    private readonly write: (raw: TraceRequest, caller: Caller, code: AuthRefusal['code'], message: string) => string,
    opts: AuthRefusalTraceOptions = {},
  ) {
    const perSecond = opts.perSecond ?? 1;
    const maxPerSecond = opts.maxPerSecond ?? 50;
    this.perSource = new TokenBuckets(perSecond, perSecond > 0 ? SOURCE_BURST : 0, 10_000, opts.now);
    this.overall = new TokenBuckets(maxPerSecond, 2 * maxPerSecond, 1, opts.now);
  }

  registerMetrics(registry: Registry): void {
    registry.registerMetric(this.dropped);
  }

  /** Traces a refusal of a generation (other operations: nothing); the trace id, or null when none was written. */
  trace(refusal: AuthRefusal): string | null {
    if (!TRACED_FIELDS.has(refusal.field)) return null;
    const source = refusal.apiKey ? `key:${refusal.apiKey.id}` : `addr:${refusal.remoteAddress ?? 'unknown'}`;
    if (!this.perSource.take(source)) {
      this.dropped.inc({ limit: 'per_source' });
      return null;
    }
    if (!this.overall.take('all')) {
      this.dropped.inc({ limit: 'overall' });
      return null;
    }
    const caller: Caller = { apiKeyId: refusal.apiKey?.id ?? null, apiKeyName: refusal.apiKey?.name ?? null };
    return this.write(compactRequest(refusal.args.input), caller, refusal.code, refusal.message);
  }
}
