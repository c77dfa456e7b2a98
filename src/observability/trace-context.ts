import { randomFillSync, randomUUID } from 'node:crypto';

/**
 * The W3C trace context of one GraphQL operation: the trace it belongs to (the caller's when a
 * `traceparent` came with the request, a new one otherwise), the span id standing for this
 * operation, and the caller's span (the parent of the spans exported for it). Made for every
 * operation whether or not OpenTelemetry export is on, so log lines, stored traces and responses
 * always carry a trace id to join on.
 */
export interface OperationTelemetry {
  /** `x-request-id` from the caller when well-formed, else a new uuid. */
  requestId: string;
  /** 32 lowercase hex digits. */
  traceId: string;
  /** The caller's span id (16 hex digits), or null when the operation starts a new trace. */
  parentSpanId: string | null;
  /** The caller's sampling decision (trace-flags bit 0); true when the trace is new. */
  sampled: boolean;
  /** `tracestate` passed along untouched (bounded), or null. */
  traceState: string | null;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Parses a W3C `traceparent` (version 00 and, per the spec, later versions read as 00). Returns null
 * for anything malformed, an all-zero trace or span id, or version ff, so a bad header starts a new
 * trace instead of failing the request.
 */
export function parseTraceparent(value: unknown): { traceId: string; parentSpanId: string; sampled: boolean } | null {
  if (typeof value !== 'string' || value.length > 512) return null;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest)) return null;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return null;
  return { traceId: traceId!, parentSpanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
}

/**
 * Random bytes for ids, drawn from a pool refilled 4 KB at a time: `randomBytes(16)` cost ~7 us an id
 * (a call into the native side and a new buffer each time), a slice of the pool ~0.3 us. Ids are not
 * secrets (they travel in headers); the bytes are the same CSPRNG's, each used once. (Node's own
 * `randomUUID` pools the same way.)
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `bytes` fresh random bytes as lowercase hex, never all zero (W3C: an all-zero id is invalid). */
function randomHexId(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const start = poolOffset;
    poolOffset += bytes;
    for (let i = start; i < poolOffset; i++) if (pool[i] !== 0) return pool.toString('hex', start, poolOffset);
  }
}

/** A new random trace id (W3C: 16 bytes, not all zero). */
export function newTraceId(): string {
  return randomHexId(16);
}

/** A new random span id (8 bytes, not all zero). */
export function newSpanId(): string {
  return randomHexId(8);
}

/**
 * The telemetry of an operation from what the caller sent: a `traceparent` (HTTP header, graphql-ws
 * `connection_init` payload or the operation's `extensions`, the most specific first), `tracestate`
 * and `x-request-id`.
 */
export function operationTelemetry(input: { traceparent?: unknown; tracestate?: unknown; requestId?: unknown }): OperationTelemetry {
  const parent = parseTraceparent(input.traceparent);
  const requestId = typeof input.requestId === 'string' && REQUEST_ID.test(input.requestId) ? input.requestId : randomUUID();
  const traceState = parent && typeof input.tracestate === 'string' && input.tracestate.length <= 512 ? input.tracestate : null;
  return parent
    ? { requestId, traceId: parent.traceId, parentSpanId: parent.parentSpanId, sampled: parent.sampled, traceState }
    : { requestId, traceId: newTraceId(), parentSpanId: null, sampled: true, traceState: null };
}

/** The first of several candidate values that is a valid `traceparent` (e.g. operation extensions, then connection_init). */
export function firstTraceparent(...candidates: unknown[]): unknown {
  return candidates.find((c) => parseTraceparent(c) !== null);
}
