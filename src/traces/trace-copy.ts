import { setImmediate as tick } from 'node:timers/promises';
import { once } from 'node:events';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { WrittenRecord } from './trace-rollups';

/**
 * PostgreSQL's COPY for a batch of trace rows (the fast path of the trace writer on PostgreSQL;
 * PGlite keeps the one-INSERT path). Rows travel in COPY's binary format (`copyBinaryRow`): each
 * value in its column type's binary form, so nothing is escaped in Node and PostgreSQL parses no
 * text but the JSON of the jsonb columns (per trace, ~10 µs less backend CPU than the text format,
 * and a little less in Node: docs/analytics-at-scale.md). Each large JSON field is serialized once,
 * straight into its column, and there are no per-row bind parameters or RETURNING. COPY cannot skip
 * an id already stored: a batch that holds one fails with a unique violation (`isUniqueViolation`),
 * and the writer writes it again with the idempotent INSERT. The text format (`copyLine`) is kept as
 * the reference the binary rows are tested against (the same stored values).
 */

/** The `traces` columns COPY fills, in the order `copyRows` writes them. */
export const COPY_COLUMNS = [
  'id',
  'created_at',
  'prompt',
  'prompt_version',
  'label',
  'model_id',
  'routed_by',
  'route_rule',
  '"user"',
  'session_id',
  'api_key',
  'tags',
  'source',
  'eval_run_id',
  'status',
  'error_code',
  'stop_reason',
  'cached',
  'request',
  'assembled_prompt',
  'output',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'stage_system_tokens',
  'stage_context_tokens',
  'stage_history_tokens',
  'stage_input_tokens',
  'stage_output_tokens',
  'cost_micros',
  'cost_system_micros',
  'cost_context_micros',
  'cost_history_micros',
  'cost_input_micros',
  'cost_output_micros',
  'cost_cache_read_micros',
  'cost_cache_write_micros',
  'saved_micros',
  'latency_ms',
  'ttft_ms',
  'guardrail_events',
  'spans',
  'otel_trace_id',
] as const;

/** The COPY statement of a batch. */
export const COPY_TRACES_SQL = `COPY traces (${COPY_COLUMNS.join(', ')}) FROM STDIN`;

const NULL = '\\N';
const SPECIAL = /[\\\n\r\t\u0000]/;
const SPECIALS = /[\\\n\r\t\u0000]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u0000': '\ufffd' };

/** A text value in COPY text format: backslash, newline, CR and tab escaped; NUL (refused by PostgreSQL text) becomes U+FFFD. */
export function copyText(s: string | null | undefined): string {
  if (s === null || s === undefined) return NULL;
  return SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPED[c]!) : s;
}

/** An escaped NUL in JSON (`\u0000`, not preceded by an escaping backslash): PostgreSQL jsonb refuses it, so it becomes U+FFFD (as the INSERT path does). */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * A JSON value in COPY text format. `JSON.stringify` leaves no raw newline, CR or tab (it escapes
 * control characters), so only backslashes need doubling.
 */
export function copyJson(v: unknown): string {
  // Most traces have no guardrail events (and many no spans): skip the native call for an empty array.
  if (Array.isArray(v) && !v.length) return '[]';
  let json = JSON.stringify(v);
  if (json.includes('\\')) {
    if (json.includes('\\u0000')) json = json.replace(ESCAPED_NUL, '$1\\ufffd');
    json = json.replace(/\\/g, '\\\\');
  }
  return json;
}

/** A `text[]` value: a PostgreSQL array literal (every element quoted), then COPY-escaped. */
export function copyTextArray(xs: readonly string[]): string {
  if (!xs.length) return '{}';
  let out = '{';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    out += (i ? ',"' : '"') + (x.includes('"') || x.includes('\\') ? x.replace(/["\\]/g, '\\$&') : x) + '"';
  }
  return copyText(out + '}');
}

const num = (n: number | null | undefined): string => (n === null || n === undefined ? NULL : String(n));

/** One trace as a line of COPY text format (columns in `COPY_COLUMNS` order). */
export function copyLine({ record: r, at }: WrittenRecord): string {
  const u = r.usage;
  const s = u?.byStage;
  const c = r.costByStage;
  return (
    r.id +
    '\t' +
    (r.createdAt ?? at).toISOString() +
    '\t' +
    copyText(r.prompt) +
    '\t' +
    num(r.promptVersion) +
    '\t' +
    copyText(r.label) +
    '\t' +
    copyText(r.modelId) +
    '\t' +
    copyText(r.routedBy) +
    '\t' +
    copyText(r.routeRule) +
    '\t' +
    copyText(r.user) +
    '\t' +
    copyText(r.sessionId) +
    '\t' +
    copyText(r.apiKey) +
    '\t' +
    copyTextArray(r.tags) +
    '\t' +
    r.source +
    '\t' +
    (r.evalRunId ?? NULL) +
    '\t' +
    r.status +
    '\t' +
    copyText(r.errorCode) +
    '\t' +
    copyText(r.stopReason) +
    '\t' +
    (r.cached ? 't' : 'f') +
    '\t' +
    copyJson(r.request) +
    '\t' +
    (r.assembledPrompt ? copyJson(r.assembledPrompt) : '{}') +
    '\t' +
    copyText(r.output) +
    '\t' +
    (u ? `${u.inputTokens}\t${u.outputTokens}\t${u.cacheReadTokens}\t${u.cacheWriteTokens}` : '\\N\t\\N\t\\N\t\\N') +
    '\t' +
    (s ? `${s.system}\t${s.context}\t${s.history}\t${s.input}\t${s.output}` : '\\N\t\\N\t\\N\t\\N\t\\N') +
    '\t' +
    r.costMicros +
    '\t' +
    (c ? `${c.system}\t${c.context}\t${c.history}\t${c.input}\t${c.output}\t${c.cacheRead}\t${c.cacheWrite}` : '\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N') +
    '\t' +
    r.savedMicros +
    '\t' +
    num(r.latencyMs) +
    '\t' +
    num(r.ttftMs) +
    '\t' +
    copyJson(r.guardrailEvents) +
    '\t' +
    copyJson(r.spans) +
    '\t' +
    copyText(r.otelTraceId) +
    '\n'
  );
}

/** The COPY statement of a batch in COPY's binary format (what the writer sends, `copyTraces`). */
export const COPY_TRACES_BINARY_SQL = `${COPY_TRACES_SQL} WITH (FORMAT binary)`;

/** The binary COPY header: signature, flags, header extension length. */
const BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC), in ms. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
/** The OID of `text`: the element type of a `text[]` in binary. */
const TEXT_OID = 25;
const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/**
 * A growing buffer of COPY binary rows: each field an int32 byte length (-1: NULL) and its bytes in
 * the column type's binary form (`uuid` 16 bytes, `timestamptz` int64 µs since 2000, `int4`, `int8`,
 * `float8`, `bool`, `text` as UTF-8, `jsonb` a version byte and the JSON text, `text[]` PostgreSQL's
 * array format). Nothing is escaped: no pass over the text to double backslashes or escape tabs, and
 * PostgreSQL neither splits lines nor parses numbers, times and ids from text.
 */
export class CopyBinaryWriter {
  buf: Buffer;
  off = 0;

  constructor(bytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, bytes));
  }

  /** Room for `n` more bytes. */
  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  /** The bytes written so far. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.off);
  }

  /** The format's header (before the first row). */
  header(): void {
    this.room(BINARY_HEADER.length);
    this.off += BINARY_HEADER.copy(this.buf, this.off);
  }

  /** The format's trailer (after the last row). */
  trailer(): void {
    this.room(2);
    this.off = this.buf.writeInt16BE(-1, this.off);
  }

  fields(n: number): void {
    this.room(2);
    this.off = this.buf.writeInt16BE(n, this.off);
  }

  null(): void {
    this.room(4);
    this.off = this.buf.writeInt32BE(-1, this.off);
  }

  /** A string as UTF-8 (lone surrogates become U+FFFD, as in any string Node encodes), after a length word (`lead` bytes before the text, for jsonb's version). */
  private utf8(s: string, lead: number): void {
    // At most 3 bytes a UTF-16 unit; only near the end of the buffer is the exact size counted.
    if (this.off + 4 + lead + s.length * 3 > this.buf.length) this.room(4 + lead + Buffer.byteLength(s));
    const at = this.off;
    this.off += 4 + lead;
    if (lead) this.buf[at + 4] = 1;
    const n = s.length ? this.buf.write(s, this.off) : 0;
    this.buf.writeInt32BE(lead + n, at);
    this.off += n;
  }

  /** A text value; NUL (refused by PostgreSQL text) becomes U+FFFD. */
  text(s: string | null | undefined): void {
    if (s === null || s === undefined) return this.null();
    this.utf8(s.includes('\u0000') ? s.replace(/\u0000/g, '\ufffd') : s, 0);
  }

  /** A jsonb value from its JSON text (escaped NULs already replaced). */
  jsonText(json: string): void {
    this.utf8(json, 1);
  }

  /** A jsonb value: `JSON.stringify` once; an escaped NUL becomes U+FFFD (PostgreSQL jsonb refuses it, as the INSERT path does). */
  json(v: unknown): void {
    if (Array.isArray(v) && !v.length) return this.jsonText('[]');
    const json = JSON.stringify(v);
    this.jsonText(json.includes('\\u0000') ? json.replace(ESCAPED_NUL, '$1\\ufffd') : json);
  }

  /** A `text[]` of non-null elements. */
  textArray(xs: readonly string[]): void {
    this.room(24);
    const at = this.off;
    this.off += 4;
    this.off = this.buf.writeInt32BE(xs.length ? 1 : 0, this.off);
    this.off = this.buf.writeInt32BE(0, this.off);
    this.off = this.buf.writeInt32BE(TEXT_OID, this.off);
    if (xs.length) {
      this.off = this.buf.writeInt32BE(xs.length, this.off);
      this.off = this.buf.writeInt32BE(1, this.off);
      for (const x of xs) this.text(x);
    }
    this.buf.writeInt32BE(this.off - at - 4, at);
  }

  /** A uuid from its text (hex digits and dashes, as validated). */
  uuid(s: string | null): void {
    if (s === null) return this.null();
    this.room(20);
    this.off = this.buf.writeInt32BE(16, this.off);
    const hex = s.length === 36 ? s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24) : s;
    if (this.buf.write(hex, this.off, 16, 'hex') !== 16) throw new Error(`invalid input syntax for type uuid: "${s}"`);
    this.off += 16;
  }

  /** A timestamptz: µs since 2000-01-01 UTC as int64 (a Date holds ms, so this is exact). */
  timestamp(d: Date): void {
    this.int8Of((d.getTime() - PG_EPOCH_MS) * 1000);
  }

  bool(b: boolean): void {
    this.room(5);
    this.off = this.buf.writeInt32BE(1, this.off);
    this.buf[this.off++] = b ? 1 : 0;
  }

  /** An int4 (a safe integer, as validated); out of its range it is refused, as PostgreSQL refuses it. */
  int4(n: number | null | undefined): void {
    if (n === null || n === undefined) return this.null();
    if (!(n >= INT4_MIN && n <= INT4_MAX) || !Number.isInteger(n)) throw new RangeError(`value "${n}" is out of range for type integer`);
    this.room(8);
    this.off = this.buf.writeInt32BE(4, this.off);
    this.off = this.buf.writeInt32BE(n, this.off);
  }

  /** An int8 from a safe integer. */
  int8(n: number | null | undefined): void {
    if (n === null || n === undefined) return this.null();
    if (!Number.isSafeInteger(n)) throw new RangeError(`value "${n}" is out of range for type bigint`);
    this.int8Of(n);
  }

  private int8Of(n: number): void {
    this.room(12);
    const hi = Math.floor(n / TWO_32);
    this.off = this.buf.writeInt32BE(8, this.off);
    this.off = this.buf.writeInt32BE(hi, this.off);
    this.off = this.buf.writeUInt32BE(n - hi * TWO_32, this.off);
  }

  /** A float8 (-0 stored as 0, as its text form `0` was). */
  float8(n: number | null | undefined): void {
    if (n === null || n === undefined) return this.null();
    this.room(12);
    this.off = this.buf.writeInt32BE(8, this.off);
    this.off = this.buf.writeDoubleBE(n + 0, this.off);
  }
}

/** One trace as a row of COPY's binary format (columns in `COPY_COLUMNS` order). */
export function copyBinaryRow(w: CopyBinaryWriter, { record: r, at }: WrittenRecord): void {
  const u = r.usage;
  const s = u?.byStage;
  const c = r.costByStage;
  w.fields(COPY_COLUMNS.length);
  w.uuid(r.id);
  w.timestamp(r.createdAt ?? at);
  w.text(r.prompt);
  w.int4(r.promptVersion);
  w.text(r.label);
  w.text(r.modelId);
  w.text(r.routedBy);
  w.text(r.routeRule);
  w.text(r.user);
  w.text(r.sessionId);
  w.text(r.apiKey);
  w.textArray(r.tags);
  w.text(r.source);
  w.uuid(r.evalRunId);
  w.text(r.status);
  w.text(r.errorCode);
  w.text(r.stopReason);
  w.bool(r.cached);
  w.json(r.request);
  if (r.assembledPrompt) w.json(r.assembledPrompt);
  else w.jsonText('{}');
  w.text(r.output);
  w.int4(u?.inputTokens);
  w.int4(u?.outputTokens);
  w.int4(u?.cacheReadTokens);
  w.int4(u?.cacheWriteTokens);
  w.int4(s?.system);
  w.int4(s?.context);
  w.int4(s?.history);
  w.int4(s?.input);
  w.int4(s?.output);
  w.int8(r.costMicros);
  w.int8(c?.system);
  w.int8(c?.context);
  w.int8(c?.history);
  w.int8(c?.input);
  w.int8(c?.output);
  w.int8(c?.cacheRead);
  w.int8(c?.cacheWrite);
  w.int8(r.savedMicros);
  w.float8(r.latencyMs);
  w.float8(r.ttftMs);
  w.json(r.guardrailEvents);
  w.json(r.spans);
  w.text(r.otelTraceId);
}

/** A batch as COPY binary data, header and trailer included (what `copyTraces` streams, in chunks). */
export function copyBinary(rows: WrittenRecord[]): Buffer {
  const w = new CopyBinaryWriter(rows.length * 2048);
  w.header();
  for (const row of rows) copyBinaryRow(w, row);
  w.trailer();
  return w.bytes();
}

/** Rows encoded per chunk: PostgreSQL inserts one chunk while the next is encoded. */
const CHUNK_ROWS = 256;

/**
 * Streams a batch into `traces` with COPY (binary format: `copyBinaryRow`) on a connection (inside
 * the caller's transaction). Encoding is chunked and yields to the event loop between chunks, so the
 * socket sends each chunk (and the server inserts it) while the next one is encoded; each chunk's
 * buffer starts near the size the last one needed. Rejects with the server's error (a unique violation
 * when an id of the batch is already stored: see `isUniqueViolation`); a value the encoder refuses
 * (an int4 out of range) aborts the COPY (CopyFail) and rejects with that refusal.
 */
export async function copyTraces(client: PoolClient, rows: WrittenRecord[]): Promise<void> {
  const stream = client.query(copyFrom(COPY_TRACES_BINARY_SQL));
  let failure: unknown = null;
  stream.on('error', (err) => (failure ??= err));
  const finished = once(stream, 'finish');
  finished.catch(() => undefined); // the error is taken from `failure`
  let chunkBytes = CHUNK_ROWS * 2048;
  try {
    for (let i = 0; i < rows.length && !failure; i += CHUNK_ROWS) {
      const w = new CopyBinaryWriter(chunkBytes);
      if (i === 0) w.header();
      const end = Math.min(rows.length, i + CHUNK_ROWS);
      for (let j = i; j < end; j++) copyBinaryRow(w, rows[j]!);
      if (end === rows.length) w.trailer();
      chunkBytes = w.off + (w.off >> 3) + 16_384; // the next chunk's buffer: this one's size and some room (growing copies)
      if (!stream.write(w.bytes())) await Promise.race([once(stream, 'drain'), finished]).catch(() => undefined);
      else await tick();
    }
  } catch (err) {
    // Refused while encoding: abort the COPY (nothing of it is kept) and wait for the server to end it.
    const closed = once(stream, 'close').catch(() => undefined);
    stream.destroy(err as Error);
    await closed;
    throw err;
  }
  if (failure) throw failure;
  stream.end();
  try {
    await finished;
  } catch (err) {
    throw failure ?? err;
  }
  if (failure) throw failure;
}

/** True for PostgreSQL's unique violation (SQLSTATE 23505): COPY met an id (and time) already stored. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
