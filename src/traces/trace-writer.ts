import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../observability/logger';
import { repairTraceRecord, validateTraceRecord, type TraceRecord, type ValidTraceRecord } from './trace-record';
import { batchRollupDeltas, upsertAllRollupsSql, type WrittenRecord } from './trace-rollups';
import { copyTraces, isUniqueViolation } from './trace-copy';
import { sanitizeForStorage } from './trace-sanitize';
import { TraceSpool, type SpoolFsync } from './trace-spool';
import { notePartitionsExist, partitionsKnown, weekStart } from './trace-partitions';
import { isDatabaseUnavailable } from '../db/unavailable';

/** Knobs of the trace writer. */
export interface TraceWriterOptions {
  /** Records per batch transaction; a full batch is written at once. Default 200. */
  batchSize?: number;
  /**
   * While the queue holds 4 batches or more, batches grow up to this many records. Default
   * max(batchSize, 20000): a batch's rollup upserts cost about the same whatever its size (they
   * touch one row per bucket and combination of dimensions, and merge its latency sketches), so
   * larger batches while backlogged cut PostgreSQL's work per trace (README "Performance").
   */
  maxBatchSize?: number;
  /** A partial batch is written at most this long after its first record arrived. Default 50 ms. */
  flushIntervalMs?: number;
  /** Records waiting to be written beyond this many are dropped (counted in `trace_writer_dropped_total`). Default 20 000. */
  maxQueue?: number;
  /** Pause before the first retry of a failed batch; doubled while the database stays unreachable. Default 100 ms. */
  retryDelayMs?: number;
  /** Longest pause between retries while the database is unreachable. Default 5 s. */
  maxRetryDelayMs?: number;
  /**
   * Folder of the durable spool (README "Traces"): each trace is appended there before the answer is
   * acknowledged, and replayed at the next start if the process dies first. Unset: memory only.
   */
  spoolDir?: string;
  /** Bytes the spool may hold; beyond it traces wait in memory only (logged, `trace_spool_full_total`). Default 128 MiB. */
  spoolMaxBytes?: number;
  /** A spool segment is sealed past this many bytes, and removed once all its traces are written. Default 4 MiB. */
  spoolSegmentBytes?: number;
  /** When spooled traces reach the disk (`TRACE_SPOOL_FSYNC`): `batch` (group commit, default), `always`, `off`. See `TraceSpoolOptions.fsync`. */
  spoolFsync?: SpoolFsync;
  /** How long `close()` waits for an unreachable database before leaving the rest in the spool. Default 10 s. */
  closeTimeoutMs?: number;
  /** The batch write the spool drains into. Default: `writeTraceBatch` (traces and rollups in one transaction). */
  writeBatch?: (db: DataSource, rows: WrittenRecord[]) => Promise<unknown>;
}

/** A batch taken from the queue, and its records that passed validation. */
interface Prepared {
  batch: Queued[];
  valid: WrittenRecord[];
}

interface Queued {
  record: TraceRecord;
  /** When `enqueue()` was called: the default `createdAt`. */
  at: Date;
  /** Its sequence number in the spool; null when it was not spooled (no spool, spool full, I/O error). */
  seq: number | null;
}

/**
 * Every `traces` column, in INSERT order: the column, and its SQL expression over `x`, the
 * `json_to_recordset` row of a validated record (the record itself travels as JSON, see
 * `insertTracesSql`).
 */
const COLUMNS: Array<[column: string, expression: string]> = [
  ['id', 'x.id'],
  ['created_at', 'x."createdAt"'],
  ['prompt', 'x.prompt'],
  ['prompt_version', 'x."promptVersion"'],
  ['label', 'x.label'],
  ['model_id', 'x."modelId"'],
  ['routed_by', 'x."routedBy"'],
  ['route_rule', 'x."routeRule"'],
  ['"user"', 'x."user"'],
  ['session_id', 'x."sessionId"'],
  ['api_key', 'x."apiKey"'],
  ['tags', 'x.tags'],
  ['source', 'x.source'],
  ['eval_run_id', 'x."evalRunId"'],
  ['status', 'x.status'],
  ['error_code', 'x."errorCode"'],
  ['stop_reason', 'x."stopReason"'],
  ['cached', 'x.cached'],
  ['request', 'x.request'],
  ['assembled_prompt', `COALESCE(x."assembledPrompt", '{}')`],
  ['output', 'x.output'],
  ['input_tokens', `(x.usage->>'inputTokens')::int`],
  ['output_tokens', `(x.usage->>'outputTokens')::int`],
  ['cache_read_tokens', `(x.usage->>'cacheReadTokens')::int`],
  ['cache_write_tokens', `(x.usage->>'cacheWriteTokens')::int`],
  ['stage_system_tokens', `(x.usage->'byStage'->>'system')::int`],
  ['stage_context_tokens', `(x.usage->'byStage'->>'context')::int`],
  ['stage_history_tokens', `(x.usage->'byStage'->>'history')::int`],
  ['stage_input_tokens', `(x.usage->'byStage'->>'input')::int`],
  ['stage_output_tokens', `(x.usage->'byStage'->>'output')::int`],
  ['cost_micros', 'x."costMicros"'],
  ['cost_system_micros', `(x."costByStage"->>'system')::bigint`],
  ['cost_context_micros', `(x."costByStage"->>'context')::bigint`],
  ['cost_history_micros', `(x."costByStage"->>'history')::bigint`],
  ['cost_input_micros', `(x."costByStage"->>'input')::bigint`],
  ['cost_output_micros', `(x."costByStage"->>'output')::bigint`],
  ['cost_cache_read_micros', `(x."costByStage"->>'cacheRead')::bigint`],
  ['cost_cache_write_micros', `(x."costByStage"->>'cacheWrite')::bigint`],
  ['saved_micros', 'x."savedMicros"'],
  ['latency_ms', 'x."latencyMs"'],
  ['ttft_ms', 'x."ttftMs"'],
  ['guardrail_events', 'x."guardrailEvents"'],
  ['spans', 'x.spans'],
  ['otel_trace_id', 'x."otelTraceId"'],
];

/** The record fields `json_to_recordset` reads, with their SQL types. */
const RECORD_FIELDS = `id uuid, "createdAt" timestamptz, prompt text, "promptVersion" int, label text, "modelId" text, "routedBy" text, "routeRule" text,
  "user" text, "sessionId" text, "apiKey" text, tags text[], source text, "evalRunId" uuid, status text, "errorCode" text, "stopReason" text,
  cached boolean, request jsonb, "assembledPrompt" jsonb, output text, usage json, "costMicros" bigint, "costByStage" json, "savedMicros" bigint,
  "latencyMs" float8, "ttftMs" float8, "guardrailEvents" jsonb, spans jsonb, "otelTraceId" text`;

const INSERT_TRACES = `INSERT INTO traces (${COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${COLUMNS.map(([, e]) => e).join(', ')} FROM json_to_recordset($1::json) AS x(${RECORD_FIELDS})
  ON CONFLICT (id, created_at) DO NOTHING RETURNING id`;

/**
 * A NUL character (escaped `\u0000` in JSON, and not preceded by an escaping backslash) becomes
 * U+FFFD: PostgreSQL text and jsonb refuse NUL, and a model output with one must not cost the trace.
 */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;
const noNul = (json: string) => (json.includes('\\u0000') ? json.replace(ESCAPED_NUL, '$1\\ufffd') : json);

/** The distinct UTC week starts (Mondays) of a batch's `created_at`s: the partitions it writes to. */
export function weeksOf(rows: WrittenRecord[]): string[] {
  return weekStartsOf(rows).map((w) => new Date(w).toISOString());
}

/** The distinct UTC week starts (ms) of a batch's `created_at`s. */
function weekStartsOf(rows: WrittenRecord[]): number[] {
  const weeks = new Set<number>();
  for (const { record, at } of rows) weeks.add(weekStart((record.createdAt ?? at).getTime()));
  return [...weeks];
}

/**
 * A batch's write in one transaction, the weekly partitions it lands in ensured first unless this
 * process already saw them exist (`partitionsKnown`); once the transaction commits they are noted.
 */
async function inBatchTransaction<T>(db: DataSource, rows: WrittenRecord[], write: (m: EntityManager) => Promise<T>): Promise<T> {
  const weeks = weekStartsOf(rows);
  const known = partitionsKnown(db, weeks);
  const out = await db.transaction(async (m) => {
    if (!known) await m.query('SELECT trace_partitions_ensure($1::timestamptz[])', [weeks.map((w) => new Date(w).toISOString())]);
    return write(m);
  });
  if (!known) notePartitionsExist(db, weeks);
  return out;
}

/**
 * One INSERT for a batch: the validated records travel as ONE JSON parameter (a native
 * `JSON.stringify`, far cheaper than a bind parameter per cell) and PostgreSQL spreads them into
 * columns (`json_to_recordset`). An id already stored is skipped, so a retried batch is idempotent.
 */
export function insertTracesSql(rows: Array<{ record: ValidTraceRecord; at: Date }>): { sql: string; params: unknown[] } {
  // `createdAt` defaults to the enqueue time, set on the validated record itself (a copy of a record this wide costs V8 tens of µs).
  const records = rows.map(({ record, at }) => {
    record.createdAt ??= at;
    return record;
  });
  return { sql: INSERT_TRACES, params: [noNul(JSON.stringify(records))] };
}

/**
 * THE batch write: stores a batch of validated trace records and adds them to the rollups, in one
 * transaction (the weekly partitions it needs, the rows, then every rollup upsert in one statement).
 * On PostgreSQL the rows go in with COPY (`copyTraces`); COPY cannot skip an id already stored, so a
 * batch holding one (a retry after a lost COMMIT reply, a spool replay after a crash, an id twice
 * in the batch) fails as a whole with a unique violation, nothing of it is kept, and it is written
 * again with the idempotent INSERT (`writeTraceBatchInsert`), which rolls up only the rows it
 * reports as new: a replayed batch is counted once. PGlite always takes the INSERT. A batch that
 * fails leaves neither traces nor rollups behind. Returns how many records were new.
 */
export async function writeTraceBatch(db: DataSource, rows: WrittenRecord[]): Promise<number> {
  if (!rows.length) return 0;
  if (!canCopy(db)) return writeTraceBatchInsert(db, rows);
  try {
    return await writeTraceBatchCopy(db, rows);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return writeTraceBatchInsert(db, rows);
  }
}

/** True on PostgreSQL over the network (a `pg` connection): COPY. PGlite (a driver of its own) takes the INSERT. */
export function canCopy(db: DataSource): boolean {
  const o = (db.options ?? {}) as { url?: string; driver?: unknown };
  return Boolean(o.url) && !o.driver;
}

/**
 * The COPY write (PostgreSQL): every row of the batch must be new, else it rejects with a unique
 * violation and keeps nothing. The rollup deltas are folded while PostgreSQL inserts the rows.
 */
export async function writeTraceBatchCopy(db: DataSource, rows: WrittenRecord[]): Promise<number> {
  if (!rows.length) return 0;
  return inBatchTransaction(db, rows, async (m) => {
    const client = (await m.queryRunner!.connect()) as PoolClient;
    const copying = copyTraces(client, rows);
    copying.catch(() => undefined); // Awaited below; this only keeps a failure from counting as unhandled meanwhile.
    // Folded while the database inserts (the first chunk of rows is on its way).
    const upsert = upsertAllRollupsSql(batchRollupDeltas(rows));
    await copying;
    if (upsert) await m.query(upsert.sql, upsert.params);
    return rows.length;
  });
}

/**
 * The INSERT write (PGlite, and a PostgreSQL batch holding ids already stored): one INSERT whose
 * rows travel as one JSON parameter, skipping ids already stored, then the rollups of only the rows
 * it reports as new. The deltas are folded while the INSERT runs (a batch is nearly always all new)
 * and recomputed only when some id was already stored.
 */
export async function writeTraceBatchInsert(db: DataSource, rows: WrittenRecord[]): Promise<number> {
  if (!rows.length) return 0;
  const insert = insertTracesSql(rows);
  // The weekly partitions the batch lands in are created when missing (usually all exist already).
  return inBatchTransaction(db, rows, async (m) => {
    const inserting: Promise<Array<{ id: string }>> = m.query(insert.sql, insert.params);
    inserting.catch(() => undefined); // Awaited below; this only keeps a failure from counting as unhandled meanwhile.
    // The deltas are folded while the database inserts (the INSERT is sent on this turn).
    await tick();
    let deltas = batchRollupDeltas(rows);
    const res = await inserting;
    let fresh = rows;
    if (res.length !== rows.length) {
      // Some ids were stored before (a replay), or the batch holds an id twice: roll up each new id once.
      const inserted = new Set(res.map((r) => r.id));
      fresh = rows.filter((r) => inserted.delete(r.record.id));
      deltas = batchRollupDeltas(fresh);
    }
    const upsert = upsertAllRollupsSql(deltas);
    if (upsert) await m.query(upsert.sql, upsert.params);
    return fresh.length;
  });
}

/**
 * Writes traces off the hot path: `enqueue()` sanitizes the record (nothing a client sends can make
 * it unstorable), appends it to the durable spool when one is configured, and pushes it to the
 * in-memory queue; batches are validated and written by one background loop (one INSERT in flight
 * at a time, so the writer never takes more than one pooled connection). While the database is
 * unreachable (the error says so, or a ping right after fails) a batch is retried with backoff,
 * never dropped; a refusal by a database that answers is retried once, then its rows are written one
 * by one so a single poisoned row cannot take the rest with it.
 */
export class TraceWriter {
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly closeTimeoutMs: number;
  private readonly write: NonNullable<TraceWriterOptions['writeBatch']>;
  private readonly spool: TraceSpool | null;
  private giveUpAt = Infinity;
  private lastSpoolFullLog = 0;
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private closed = false;
  /** Sequence numbers: records accepted by `enqueue()`, and records finished (written or dropped). */
  private accepted = 0;
  private finished = 0;
  /** Batches taken from the queue and not yet written (being validated, written, or retried). */
  private readonly inflight = new Set<Queued[]>();
  private lastOverloadLog = 0;

  /** Prometheus metrics; attach them to the app's registry with `registerMetrics()`. */
  readonly metrics = {
    dropped: new Counter({
      name: 'trace_writer_dropped_total',
      help: 'Traces not written, by reason (queue_full, invalid, write_failed, closed)',
      labelNames: ['reason'] as const,
      registers: [],
    }),
    written: new Counter({ name: 'trace_writer_written_total', help: 'Traces written', registers: [] }),
    batches: new Counter({
      name: 'trace_writer_batches_total',
      help: 'INSERT batches by outcome (ok, retried, split)',
      labelNames: ['outcome'] as const,
      registers: [],
    }),
    queueDepth: new Gauge({ name: 'trace_writer_queue_depth', help: 'Traces waiting to be written', registers: [] }),
    spoolBytes: new Gauge({ name: 'trace_spool_bytes', help: 'Bytes in the durable trace spool', registers: [] }),
    spoolFull: new Counter({ name: 'trace_spool_full_total', help: 'Traces not spooled because the spool was full (kept in memory only)', registers: [] }),
    replayed: new Counter({ name: 'trace_spool_replayed_total', help: 'Traces replayed from the spool of a process that died', registers: [] }),
    retries: new Counter({ name: 'trace_writer_unavailable_retries_total', help: 'Batch retries while the database was unreachable', registers: [] }),
  };

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    options: TraceWriterOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 200);
    this.maxBatchSize = Math.max(this.batchSize, options.maxBatchSize ?? 20_000);
    this.flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 50);
    this.maxQueue = Math.max(1, options.maxQueue ?? 20_000);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 100);
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options.maxRetryDelayMs ?? 5000);
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.write = options.writeBatch ?? writeTraceBatch;
    this.spool = options.spoolDir
      ? new TraceSpool({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes ?? 128 * 1024 * 1024, segmentBytes: options.spoolSegmentBytes, fsync: options.spoolFsync })
      : null;
  }

  /**
   * Replays the spools of processes that died (kill -9, a crash, a machine restart) before they had
   * written everything; call once at start-up, before serving. Idempotent (ON CONFLICT (id)).
   */
  async replay(): Promise<number> {
    if (!this.spool) return 0;
    let n = 0;
    for (const orphan of this.spool.orphans()) {
      const records = orphan.lines.map((l) => ({ record: l.record as TraceRecord, at: new Date(l.at), seq: null }));
      // A backlog by definition: the largest batches (one rollup upsert per batch, whatever its size).
      for (let i = 0; i < records.length; i += this.maxBatchSize) {
        await this.writeBatch(records.slice(i, i + this.maxBatchSize));
      }
      orphan.done();
      n += records.length;
      if (records.length) this.logger.info({ traces: records.length, folder: orphan.folder }, 'trace spool replayed');
    }
    this.metrics.replayed.inc(n);
    return n;
  }

  registerMetrics(registry: Registry): void {
    for (const m of Object.values(this.metrics)) registry.registerMetric(m);
  }

  /** Queues a trace. Never blocks, never throws: a full queue or a closed writer drops and counts. */
  enqueue(record: TraceRecord): void {
    try {
      if (this.closed) return this.drop('closed', record);
      // Overload: a record that can be neither spooled (none, or full) nor queued is dropped before
      // any work is spent on it (sanitizing a wide record costs more than the rest of `enqueue`).
      if (this.queue.length >= this.maxQueue && (!this.spool || this.spool.full)) {
        if (this.spool) this.spoolFull();
        return this.drop('queue_full', record);
      }
      const clean = sanitizeForStorage(record);
      const at = new Date();
      // Durable before the caller acknowledges the request; a full spool keeps the trace in memory (bounded below).
      const seq = this.spool ? this.spoolAppend(clean, at) : null;
      if (seq === null && this.queue.length >= this.maxQueue) return this.drop('queue_full', record);
      this.queue.push({ record: clean, at, seq });
      this.accepted++;
      this.metrics.queueDepth.set(this.queue.length);
      if (this.queue.length >= this.batchSize) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.flushIntervalMs).unref();
    } catch (err) {
      this.logger.error({ err }, 'trace enqueue failed');
    }
  }

  /** Resolves when every record enqueued before the call is written (or given up on and logged). */
  async flush(): Promise<void> {
    const target = this.accepted;
    // Past the close deadline with the database still unreachable, the rest stays spooled.
    while (this.finished < target && Date.now() < this.giveUpAt) {
      this.kick();
      await this.draining;
    }
  }

  /**
   * Writes everything still queued and refuses further records. Idempotent. Call before the database
   * closes. While the database is unreachable it waits `closeTimeoutMs`, then leaves the rest in the
   * spool for the next start.
   */
  async close(): Promise<void> {
    if (this.closed && this.giveUpAt !== Infinity) return this.flush();
    this.closed = true;
    this.giveUpAt = Date.now() + this.closeTimeoutMs;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const left = this.queue.length;
    if (left)
      this.logger.error(
        { traces: left, spool: this.spool?.folder ?? null },
        this.spool ? 'database unreachable at stop: traces left in the spool for the next start' : 'database unreachable at stop: traces lost (no spool configured)',
      );
    this.spool?.close(left === 0);
  }

  /** Spools a record: its sequence number, or null when it could not be spooled. */
  private spoolAppend(record: TraceRecord, at: Date): number | null {
    try {
      const seq = this.spool!.append(record, at);
      if (seq !== null) {
        this.metrics.spoolBytes.set(this.spool!.size);
        return seq;
      }
      this.spoolFull();
    } catch (err) {
      this.logger.error({ err }, 'trace spool append failed');
    }
    return null;
  }

  /** A record the spool had no room for: counted (`trace_spool_full_total`), logged at most once a second. */
  private spoolFull(): void {
    this.metrics.spoolFull.inc();
    const now = Date.now();
    if (now - this.lastSpoolFullLog < 1000) return;
    this.lastSpoolFullLog = now;
    this.logger.error(
      { spool: this.spool!.folder, bytes: this.spool!.size },
      'trace spool full: traces are kept in memory only until the database catches up (further ones this second are only counted)',
    );
  }

  /**
   * The low-water mark of the spool: the smallest sequence number not yet written (queued, or in a
   * batch being validated, written or retried, whatever their order), or the next one to be
   * appended when none is waiting. Records that were not spooled have no sequence and do not count.
   */
  private lowWater(): number {
    let low = this.spool!.nextSeq;
    const firstSeq = (records: Queued[]) => {
      for (const q of records) if (q.seq !== null) return q.seq; // in sequence order within a batch or the queue
      return Infinity;
    };
    for (const batch of this.inflight) low = Math.min(low, firstSeq(batch));
    return Math.min(low, firstSeq(this.queue));
  }

  /** Removes the sealed spool segments whose every record is written, while later records still wait. */
  private releaseSpool(): void {
    if (!this.spool?.sealedSegments) return;
    this.spool.release(this.lowWater());
    this.metrics.spoolBytes.set(this.spool.size);
  }

  /**
   * Resolves once every trace enqueued so far is on disk in the spool (with `spoolFsync: 'batch'`;
   * at once otherwise): the pipeline awaits it before acknowledging a generation.
   */
  durable(): Promise<void> {
    return this.spool ? this.spool.synced((err) => this.logger.error({ err }, 'trace spool fdatasync failed')) : Promise.resolve();
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  private drop(reason: 'queue_full' | 'invalid' | 'write_failed' | 'closed', record: TraceRecord, detail?: unknown): void {
    this.metrics.dropped.inc({ reason });
    const traceId = (record as { id?: unknown } | null)?.id;
    if (reason === 'invalid' || reason === 'write_failed') {
      this.logger.error({ traceId, reason, detail }, 'trace dropped');
      return;
    }
    // Overload drops come in floods: log them at most once a second (the metric counts each one).
    const now = Date.now();
    if (now - this.lastOverloadLog < 1000) return;
    this.lastOverloadLog = now;
    this.logger.warn({ traceId, reason }, 'trace dropped (further drops this second are only counted)');
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.draining || !this.queue.length) return;
    // Validation and SQL building start on a later turn of the event loop, never inside enqueue().
    this.draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
        // Records that arrived during the last write wait at most one interval more.
        if (this.queue.length && !this.timer) this.timer = setTimeout(() => this.kick(), this.flushIntervalMs).unref();
      });
  }

  /** The next batch: `batchSize` records, or up to `maxBatchSize` while the queue is backlogged (fewer, larger transactions catch up faster). */
  private take(): Queued[] {
    const n = this.queue.length >= 4 * this.batchSize ? this.maxBatchSize : this.batchSize;
    const batch = this.queue.splice(0, n);
    this.inflight.add(batch);
    this.metrics.queueDepth.set(this.queue.length);
    return batch;
  }

  private async drain(): Promise<void> {
    let next: Promise<Prepared> | null = this.queue.length ? this.prepare(this.take()) : null;
    while (next) {
      const current = await next;
      const writing = this.writeValid(current.valid);
      // Pipelined: the next batch is validated while the database writes this one.
      next = this.queue.length ? this.prepare(this.take()) : null;
      let done = true;
      try {
        done = await writing;
      } catch (err) {
        this.logger.error({ err }, 'trace batch failed unexpectedly');
      }
      if (done) {
        this.finished += current.batch.length;
        this.inflight.delete(current.batch);
        // Sealed segments holding only written records go now, not when the queue next drains.
        this.releaseSpool();
        // Records that arrived while this batch was written are written before the spool is
        // settled below: settling truncates the spool, and a crash would then lose them.
        if (!next && this.queue.length) next = this.prepare(this.take());
        continue;
      }
      // Giving up for now (closing): the rest stays queued and spooled.
      const following = next ? (await next).batch : [];
      this.inflight.delete(current.batch);
      this.inflight.delete(following);
      this.queue.unshift(...current.batch, ...following);
      return;
    }
    // Everything appended so far is in the database (or given up on and logged): nothing is queued
    // or in flight, and no append can come between the last check and this synchronous call.
    this.spool?.settled();
    this.metrics.spoolBytes.set(this.spool?.size ?? 0);
  }

  /**
   * Validates a batch (an invalid record is dropped and counted), yielding to the event loop every
   * few hundred records so a write in flight makes progress meanwhile.
   */
  private async prepare(batch: Queued[]): Promise<Prepared> {
    const valid: WrittenRecord[] = [];
    for (let i = 0; i < batch.length; i++) {
      const q = batch[i]!;
      let v = validateTraceRecord(q.record);
      // A refused request's fields may not fit their types: keep them under request.invalid.
      if (!v.ok) v = validateTraceRecord(repairTraceRecord(q.record));
      if (v.ok) {
        v.value.createdAt ??= q.at;
        valid.push({ record: v.value, at: q.at });
      } else this.drop('invalid', q.record, v.error);
      if (i % 256 === 255) await tick();
    }
    return { batch, valid };
  }

  /** Writes a batch; false when the database stayed unreachable past the close deadline. */
  private async writeBatch(batch: Queued[]): Promise<boolean> {
    return this.writeValid((await this.prepare(batch)).valid);
  }

  /** Writes validated records; false when the database stayed unreachable past the close deadline. */
  private async writeValid(valid: WrittenRecord[]): Promise<boolean> {
    if (!valid.length) return true;
    const whole = await this.insertPatiently(valid, 2, true);
    if (whole !== 'refused') return whole === 'ok';
    // Refused twice by a database that answers: row by row, so one poisoned row loses only itself.
    this.metrics.batches.inc({ outcome: 'split' });
    for (const row of valid) {
      const one = await this.insertPatiently([row], 1, false);
      // Giving up (closing) mid-way: the whole batch stays queued and spooled; rows already written are skipped next time (ON CONFLICT).
      if (one === 'gave_up') return false;
      if (one === 'refused') this.drop('write_failed', row.record);
    }
    return true;
  }

  /**
   * Inserts rows, waiting with backoff for as long as the database is unreachable (never dropping
   * while it is); 'refused' once a reachable database has refused them `tries` times; 'gave_up' when
   * the close deadline passes with the database still unreachable. `isBatch`: counted in
   * `trace_writer_batches_total` (a row of a split batch is not).
   */
  private async insertPatiently(rows: Array<{ record: ValidTraceRecord; at: Date }>, tries: number, isBatch: boolean): Promise<'ok' | 'refused' | 'gave_up'> {
    let delay = this.retryDelayMs;
    let refusals = 0;
    for (let attempt = 0; ; attempt++) {
      const err = await this.tryInsert(rows);
      if (!err) {
        if (isBatch) this.metrics.batches.inc({ outcome: attempt ? 'retried' : 'ok' });
        return 'ok';
      }
      if (await this.unreachable(err)) {
        // The database is down or restarting: wait and retry, never drop.
        if (Date.now() + delay > this.giveUpAt) return 'gave_up';
        this.metrics.retries.inc();
        if (delay === this.retryDelayMs) this.logger.warn({ rows: rows.length }, 'database unreachable: trace batch retried with backoff');
        await sleep(delay);
        delay = Math.min(delay * 2, this.maxRetryDelayMs);
        continue;
      }
      if (++refusals >= tries) return 'refused';
      await sleep(this.retryDelayMs);
    }
  }

  /**
   * Whether a failed write means "the database cannot be reached": the error says so, or the
   * database does not answer a ping right after. An error that says nothing (a driver's or ORM's
   * own, such as TypeORM's "query runner was already released" once the server has ended the
   * connection mid-transaction) must not be taken for a refusal of the rows, or rows acknowledged to
   * a client would be dropped while the database restarts.
   */
  private async unreachable(err: unknown): Promise<boolean> {
    if (isDatabaseUnavailable(err)) return true;
    try {
      await this.db.query('SELECT 1');
      return false;
    } catch {
      return true;
    }
  }

  /** The error of a failed insert, or null when it went through. */
  private async tryInsert(rows: WrittenRecord[]): Promise<unknown> {
    try {
      await this.write(this.db, rows);
      this.metrics.written.inc(rows.length);
      return null;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) this.logger.error({ err, rows: rows.length }, 'trace insert failed');
      return err ?? new Error('trace insert failed');
    }
  }
}
