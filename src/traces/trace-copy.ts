import { setImmediate as tick } from 'node:timers/promises';
import { once } from 'node:events';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { WrittenRecord } from './trace-rollups';

/**
 * PostgreSQL's COPY for a batch of trace rows (the fast path of the trace writer on PostgreSQL;
 * PGlite keeps the one-INSERT path). Rows travel in COPY's text format: one line per trace, columns
 * separated by tabs, `\N` for NULL. Each large JSON field is serialized once, straight into its
 * column (no JSON of the whole record for PostgreSQL to parse and spread again), and no per-row
 * bind parameters or RETURNING. COPY cannot skip an id already stored: a batch that holds one
 * fails with a unique violation (`isUniqueViolation`), and the writer writes it again with the
 * idempotent INSERT.
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

/** Lines encoded per chunk: PostgreSQL inserts one chunk while the next is encoded. */
const CHUNK_ROWS = 256;

/**
 * Streams a batch into `traces` with COPY on a connection (inside the caller's transaction).
 * Encoding is chunked and yields to the event loop between chunks, so the socket sends each chunk
 * (and the server inserts it) while the next one is encoded. Rejects with the server's error (a
 * unique violation when an id of the batch is already stored: see `isUniqueViolation`).
 */
export async function copyTraces(client: PoolClient, rows: WrittenRecord[]): Promise<void> {
  const stream = client.query(copyFrom(COPY_TRACES_SQL));
  let failure: unknown = null;
  stream.on('error', (err) => (failure ??= err));
  const finished = once(stream, 'finish');
  finished.catch(() => undefined); // the error is taken from `failure`
  for (let i = 0; i < rows.length && !failure; i += CHUNK_ROWS) {
    let chunk = '';
    const end = Math.min(rows.length, i + CHUNK_ROWS);
    for (let j = i; j < end; j++) chunk += copyLine(rows[j]!);
    if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), finished]).catch(() => undefined);
    else await tick();
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
