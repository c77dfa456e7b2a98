import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Trace } from '../trace.entity';
import { guardrailTriggers, sketchKey, type WrittenRecord } from '../trace-rollups';
import type { ValidTraceRecord } from '../trace-record';
import { LATENCY_ROLLUPS, NULL_KEY, latencyRollupStatements, schemaStatements } from './clickhouse-schema';

/** Options of the ClickHouse trace store. */
export interface ClickHouseTraceStoreOptions {
  /** `http://user:password@host:8123/database`; the path names the database (default `default`), created when missing. */
  url: string;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
}

/** A value as a ClickHouse SQL literal. Strings are escaped (backslash and quote); used because 18.16 has no query parameters. */
export function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Seconds of an instant for a ClickHouse `DateTime` (1970 to 2106; `toDateTime` wraps around outside, so it is clamped). */
export function dateTimeSeconds(ms: number): number {
  return Math.min(4_294_967_295, Math.max(0, Math.floor(ms / 1000)));
}

/** ClickHouse strings may hold NUL, but the rollups use it for null: replaced as PostgreSQL's writer does. */
const noNul = (v: string) => v.replace(/\0/g, '\uFFFD');
const text = (v: string | null | undefined) => (v === null || v === undefined ? null : noNul(v));

/** What `Trace` carries besides the filter columns, stored as one JSON document per row. */
function entityOf(r: ValidTraceRecord, createdAt: Date): Omit<Trace, 'usage' | 'costUsd' | 'costByStage' | 'savedUsd' | 'spans'> {
  const s = r.costByStage;
  const u = r.usage;
  const big = (n: number | undefined) => (n === undefined ? null : String(n));
  return {
    id: r.id.toLowerCase(),
    createdAt,
    otelTraceId: r.otelTraceId,
    prompt: r.prompt,
    promptVersion: r.promptVersion,
    label: r.label,
    modelId: r.modelId,
    routedBy: r.routedBy,
    routeRule: r.routeRule ?? null,
    user: r.user,
    sessionId: r.sessionId,
    apiKey: r.apiKey,
    source: r.source,
    evalRunId: r.evalRunId?.toLowerCase() ?? null,
    tags: r.tags,
    status: r.status,
    errorCode: r.errorCode,
    stopReason: r.stopReason,
    cached: r.cached,
    request: r.request,
    assembledPrompt: r.assembledPrompt ?? {},
    output: r.output,
    inputTokens: u?.inputTokens ?? null,
    outputTokens: u?.outputTokens ?? null,
    cacheReadTokens: u?.cacheReadTokens ?? null,
    cacheWriteTokens: u?.cacheWriteTokens ?? null,
    stageSystemTokens: u?.byStage.system ?? null,
    stageContextTokens: u?.byStage.context ?? null,
    stageHistoryTokens: u?.byStage.history ?? null,
    stageInputTokens: u?.byStage.input ?? null,
    stageOutputTokens: u?.byStage.output ?? null,
    costMicros: String(r.costMicros),
    costSystemMicros: big(s?.system),
    costContextMicros: big(s?.context),
    costHistoryMicros: big(s?.history),
    costInputMicros: big(s?.input),
    costOutputMicros: big(s?.output),
    costCacheReadMicros: big(s?.cacheRead),
    costCacheWriteMicros: big(s?.cacheWrite),
    savedMicros: String(r.savedMicros),
    latencyMs: r.latencyMs,
    ttftMs: r.ttftMs,
    guardrailEvents: r.guardrailEvents,
    spanData: r.spans,
  } as Omit<Trace, 'usage' | 'costUsd' | 'costByStage' | 'savedUsd' | 'spans'>;
}

/** One `traces` row as JSONEachRow. Sketch keys and guardrail triples are computed here, as for the PostgreSQL rollups. */
export function clickHouseRow({ record: r, at }: WrittenRecord): Record<string, unknown> {
  const createdAt = r.createdAt ?? at;
  const ms = createdAt.getTime();
  const e = entityOf(r, createdAt);
  const triggers = [...guardrailTriggers(r).values()];
  const u = r.usage;
  const s = r.costByStage;
  return {
    // PostgreSQL's uuid type is case-insensitive and prints lowercase: ids are stored lowercase here too.
    id: e.id,
    created_at: dateTimeSeconds(ms),
    created_ms: ms,
    prompt: text(r.prompt),
    label: text(r.label),
    model_id: text(r.modelId),
    routed_by: text(r.routedBy),
    route_rule: text(r.routeRule),
    user: text(r.user),
    session_id: text(r.sessionId),
    api_key: text(r.apiKey),
    eval_run_id: e.evalRunId,
    error_code: text(r.errorCode),
    stop_reason: text(r.stopReason),
    otel_trace_id: r.otelTraceId,
    prompt_version: r.promptVersion,
    tags: r.tags.map(noNul),
    source: r.source,
    status: r.status,
    cached: r.cached ? 1 : 0,
    input_tokens: u?.inputTokens ?? null,
    output_tokens: u?.outputTokens ?? null,
    cache_read_tokens: u?.cacheReadTokens ?? null,
    cache_write_tokens: u?.cacheWriteTokens ?? null,
    cost_micros: r.costMicros,
    cost_system_micros: s?.system ?? null,
    cost_context_micros: s?.context ?? null,
    cost_history_micros: s?.history ?? null,
    cost_input_micros: s?.input ?? null,
    cost_output_micros: s?.output ?? null,
    cost_cache_read_micros: s?.cacheRead ?? null,
    cost_cache_write_micros: s?.cacheWrite ?? null,
    saved_micros: r.savedMicros,
    latency_ms: r.latencyMs,
    ttft_ms: r.ttftMs,
    latency_key: r.latencyMs === null ? [] : [sketchKey(r.latencyMs)],
    ttft_key: r.ttftMs === null ? [] : [sketchKey(r.ttftMs)],
    gr_policy: triggers.map((t) => noNul(t.policy)),
    gr_kind: triggers.map((t) => (t.kind === null ? NULL_KEY : noNul(t.kind))),
    gr_direction: triggers.map((t) => t.direction),
    gr_blocked: triggers.map((t) => (t.blocked ? 1 : 0)),
    gr_anonymized: triggers.map((t) => (t.anonymized ? 1 : 0)),
    // JSON escapes NUL (and the writer's sanitizer has already replaced it): no replacer needed, which keeps this cheap.
    doc: JSON.stringify(e),
  };
}

/** Characters TabSeparated escapes in a field (backslash, tab, line breaks). */
const TSV_SPECIAL = /[\\\t\n\r]/;
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/** Characters a quoted string (an array element) escapes. */
const QUOTED_SPECIAL = /[\\'\t\n\r]/;
const QUOTED_ESCAPES: Record<string, string> = { ...TSV_ESCAPES, "'": "\\'" };

/** A string as a TabSeparated field. */
function tsvString(v: string): string {
  return TSV_SPECIAL.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => TSV_ESCAPES[c]!) : v;
}

/** A TabSeparated field of a `clickHouseRow` value: \N for null, 1/0 for booleans, arrays as `[1, 'a']` (elements quoted and escaped). */
function tsvField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  switch (typeof v) {
    case 'string':
      return tsvString(v);
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
      return String(v);
    case 'boolean':
      return v ? '1' : '0';
  }
  if (Array.isArray(v))
    return `[${v
      .map((x) => {
        if (typeof x === 'number') return String(x);
        const t = String(x);
        return `'${QUOTED_SPECIAL.test(t) ? t.replace(/[\\'\t\n\r]/g, (c) => QUOTED_ESCAPES[c]!) : t}'`;
      })
      .join(',')}]`;
  throw new Error(`no TabSeparated form for ${typeof v}`);
}

/** The columns of `clickHouseRow`, in its order (the TabSeparated INSERT names them). */
export const TRACE_COLUMNS: readonly string[] = Object.keys(
  clickHouseRow({
    record: { id: '00000000-0000-4000-8000-000000000000', tags: [], guardrailEvents: [], usage: null, costByStage: null, latencyMs: null, ttftMs: null } as unknown as ValidTraceRecord,
    at: new Date(0),
  }),
);

/** Rows per chunk of the TabSeparated body (the INSERT streams the batch in chunks, never one huge string). */
const TSV_CHUNK_ROWS = 500;

/**
 * A batch as the body of `INSERT INTO traces (TRACE_COLUMNS) FORMAT TabSeparated`, streamed in chunks.
 * TabSeparated instead of JSONEachRow: ClickHouse parses it several times faster, and the row's
 * `doc` (itself JSON) is not escaped a second time as a JSON string inside JSON.
 */
export function clickHouseTsv(rows: WrittenRecord[]): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < rows.length; i += TSV_CHUNK_ROWS) {
        let chunk = '';
        for (const r of rows.slice(i, i + TSV_CHUNK_ROWS)) {
          const row = clickHouseRow(r);
          let line = '';
          for (const c of TRACE_COLUMNS) line += (line ? '\t' : '') + tsvField(row[c]);
          chunk += line + '\n';
        }
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

/** A stored row back as the GraphQL `Trace`. */
export function traceFromDoc(doc: string): Trace {
  const e = JSON.parse(doc) as Record<string, unknown>;
  return Object.assign(new Trace(), e, { createdAt: new Date(String(e.createdAt)) });
}

/** Ids per existence check (kept well under the HTTP query size limit: 18.16's max_query_size is 256 KiB). */
const EXISTS_CHUNK = 5000;

/**
 * The trace store on ClickHouse (`CLICKHOUSE_URL`): batched inserts into `traces`, whose materialized
 * views keep the hourly rollups (see `clickhouse-schema.ts`), and the reads of the trace API.
 *
 * Idempotence: a batch is written after asking which of its ids are already stored (and only
 * those that are not are inserted), so a batch replayed after a lost reply or a crash adds nothing to
 * the rollups. ClickHouse deduplicates identical inserts only on Replicated tables (and, since 20.x,
 * with `non_replicated_deduplication_window`), neither of which 18.16 offers on a single server; the
 * check-then-insert is exact as long as one writer writes a given trace id at a time, which the spool
 * guarantees (a trace lives in one process's spool, replayed by one process). `traces` itself is a
 * ReplacingMergeTree read with FINAL, so even a duplicate that slipped through never shows twice
 * in the trace API or the raw (edge) parts of the analytics.
 */
export class ClickHouseTraceStore {
  readonly client: ClickHouseClient;
  private readonly database: string;
  private readonly url: URL;
  private readonly timeout: number;

  constructor(options: ClickHouseTraceStoreOptions) {
    this.url = new URL(options.url);
    this.database = decodeURIComponent(this.url.pathname.replace(/^\/+|\/+$/g, '')) || 'default';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(this.database)) throw new Error(`CLICKHOUSE_URL: database name "${this.database}" must be letters, digits and _`);
    this.timeout = options.requestTimeoutMs ?? 30_000;
    this.client = this.connect(this.database);
  }

  private connect(database: string): ClickHouseClient {
    return createClient({
      url: `${this.url.protocol}//${this.url.host}`,
      username: decodeURIComponent(this.url.username) || 'default',
      password: decodeURIComponent(this.url.password),
      database,
      request_timeout: this.timeout,
      // The library's own error log would print every failed attempt while the server is down; the writer logs once.
      log: { level: 127 as never },
    });
  }

  /** Creates the database and the tables when missing. Call once at start-up. */
  async init(): Promise<void> {
    if (this.database !== 'default') {
      const admin = this.connect('default');
      try {
        await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.database}` });
      } finally {
        await admin.close();
      }
    }
    for (const query of schemaStatements()) await this.client.command({ query });
    // Tables added later: one created now is filled from the traces already stored (a store upgraded
    // in place). Its view is created first, so a batch written meanwhile by another process is not
    // missed (it may count twice: start the upgraded service before the old one's writers resume).
    for (const { table, create, view } of latencyRollupStatements()) {
      const [had] = await this.query<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = ${literal(table)}`);
      await this.client.command({ query: create });
      await this.client.command({ query: view });
      if (Number(had?.n ?? 0) === 0) {
        const { select } = LATENCY_ROLLUPS.find((x) => x.table === table)!;
        await this.client.command({ query: `INSERT INTO ${table} ${select.replace('FROM traces', 'FROM traces FINAL')}` });
      }
    }
  }

  /** Rows of a SELECT (JSONEachRow; 64-bit integers come back as strings). */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const rs = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  /** Inserts rows given as objects (JSONEachRow). */
  async insertRows(table: string, rows: Array<Record<string, unknown>>): Promise<void> {
    if (rows.length) await this.client.insert({ table, values: rows, format: 'JSONEachRow' });
  }

  /** Runs a statement that returns no rows (DDL; tests and maintenance). */
  async command(sql: string): Promise<void> {
    await this.client.command({ query: sql });
  }

  /**
   * Writes a batch of validated records; ids already stored are skipped (see the class comment).
   * Returns how many were new. Throws when ClickHouse cannot be reached, so the trace writer retries
   * (the records stay in the spool meanwhile).
   */
  async writeBatch(rows: WrittenRecord[]): Promise<number> {
    if (!rows.length) return 0;
    const stored = new Set<string>();
    // A trace's created_at is fixed when it is first enqueued (spooled with it), so a replay has the
    // same one: bounding the lookup by the batch's time span lets the sort key skip everything else.
    const times = rows.map((r) => dateTimeSeconds((r.record.createdAt ?? r.at).getTime()));
    const span = `created_at >= toDateTime(${times.reduce((a, b) => Math.min(a, b))}) AND created_at <= toDateTime(${times.reduce((a, b) => Math.max(a, b))})`;
    const ids = [...new Set(rows.map((r) => r.record.id.toLowerCase()))];
    for (let i = 0; i < ids.length; i += EXISTS_CHUNK) {
      // The ids travel as ONE string literal split by ClickHouse (validated UUIDs hold no comma): a list
      // of thousands of literals costs the server far more to parse than the lookup itself.
      const part = ids.slice(i, i + EXISTS_CHUNK).join(',');
      for (const r of await this.query<{ id: string }>(`SELECT id FROM traces WHERE ${span} AND id IN (SELECT arrayJoin(splitByChar(',', ${literal(part)})))`)) stored.add(r.id);
    }
    const fresh: WrittenRecord[] = [];
    for (const r of rows) {
      const id = r.record.id.toLowerCase();
      if (stored.has(id)) continue;
      stored.add(id); // the same id twice in one batch is stored once
      fresh.push(r);
    }
    if (fresh.length) await this.client.insert({ table: 'traces', columns: TRACE_COLUMNS as [string, ...string[]], values: clickHouseTsv(fresh), format: 'TabSeparated' });
    return fresh.length;
  }

  /** A trace by id, or null. */
  async get(id: string): Promise<Trace | null> {
    const [row] = await this.query<{ doc: string }>(`SELECT doc FROM traces FINAL WHERE id = ${literal(id)} LIMIT 1`);
    return row ? traceFromDoc(row.doc) : null;
  }

  /** Drops the database (tests). */
  async dropDatabase(): Promise<void> {
    await this.client.command({ query: `DROP DATABASE IF EXISTS ${this.database}` });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
