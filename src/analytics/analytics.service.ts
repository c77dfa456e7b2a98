import type { DataSource } from 'typeorm';
import { SqlParams, StageCost, TraceSource, microsToUsd, sketchQuantile, traceFilterConditions, type SketchBins, type TraceFilterData } from '../traces';
import { BadUserInputError } from '../graphql/errors';
import { CacheRow, CostRow, Dimension, GuardrailRow, LatencyRow, TimeBucket, type RowKeys } from './analytics.types';
import { SKETCH_CACHE_ROWS, SketchCache, addBins, parseSketchText, sortBins, type Percentiles, type RowSketches, type SortedBins } from './latency-sketches';

/** The SQL expression of each dimension over `traces t` (TAG over the lateral `tg`). */
const DIMENSION_SQL: Record<Dimension, string> = {
  [Dimension.PROMPT]: 't.prompt',
  [Dimension.PROMPT_VERSION]: 't.prompt_version',
  [Dimension.LABEL]: 't.label',
  [Dimension.MODEL]: 't.model_id',
  [Dimension.ROUTE_RULE]: 't.route_rule',
  [Dimension.USER]: 't."user"',
  [Dimension.API_KEY]: 't.api_key',
  [Dimension.TAG]: 'tg.tag',
};

const BUCKET_UNIT: Record<TimeBucket, string> = {
  [TimeBucket.HOUR]: 'hour',
  [TimeBucket.DAY]: 'day',
  [TimeBucket.WEEK]: 'week',
  [TimeBucket.MONTH]: 'month',
};

/** An untagged trace still counts under TAG, with key null, so a TAG breakdown covers every request. */
const TAG_JOIN = `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(t.tags) = 0 THEN ARRAY[NULL]::text[] ELSE t.tags END) AS tg(tag)`;

/** `bigint`/`numeric` aggregates come back as strings; they are converted once, here. */
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** A bucket as the driver returns it: a Date, text, or milliseconds since the epoch (`BUCKET_MS`). */
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : typeof v === 'number' ? new Date(v) : new Date(String(v)));

interface Grouping {
  dims: Dimension[];
  /** Select-list items `expr AS k0, ...`, plus the bucket. */
  select: string;
  groupBy: string;
  orderBy: string;
  join: string;
}

function grouping(dims: Dimension[], bucket: TimeBucket | null | undefined): Grouping {
  const unique = [...new Set(dims)];
  const items = unique.map((d, i) => `${DIMENSION_SQL[d]} AS k${i}`);
  const bucketSql = bucket ? `date_trunc('${BUCKET_UNIT[bucket]}', t.created_at, 'UTC')` : 'NULL::timestamptz';
  items.push(`${bucketSql} AS bucket`);
  const keys = unique.map((_, i) => `k${i}`);
  return {
    dims: unique,
    select: items.join(', '),
    groupBy: ['bucket', ...keys].join(', '),
    orderBy: ['bucket', ...keys.map((k) => `${k} NULLS LAST`)].join(', '),
    join: unique.includes(Dimension.TAG) ? TAG_JOIN : '',
  };
}

function keysOf(dims: Dimension[], row: Record<string, unknown>): RowKeys {
  const keys: RowKeys = {};
  dims.forEach((d, i) => {
    const v = row[`k${i}`];
    keys[d] = v === null || v === undefined ? null : d === Dimension.PROMPT_VERSION ? Number(v) : String(v);
  });
  return keys;
}

/** Default for `AnalyticsServiceOptions.maxRows`. */
export const MAX_ANALYTICS_ROWS = 10_000;

/** Options of the analytics service. */
export interface AnalyticsServiceOptions {
  /** Most rows one query returns; a query that would return more is refused as BAD_USER_INPUT. Default 10 000. */
  maxRows?: number;
  /**
   * `rollups` (default): answer from the hourly rollups plus the raw traces of the partial hours at
   * the edges of the time range. `raw`: a plain GROUP BY over the traces (the reference the rollups
   * are tested against; slow on large tables).
   */
  source?: 'rollups' | 'raw';
  /** Latency percentiles are computed exactly (percentile_cont over raw traces) while the time range holds at most this many traces; beyond, from the DDSketch bins. Default 20 000. */
  exactPercentileMaxRows?: number;
  /** A query on USER or TAG (grouped or filtered; not rolled up) reads raw traces: refused when the time range holds more than this many, unless it filters by `user` (indexed). Default 2 000 000. */
  rawScanMaxRows?: number;
  /** Per-dimension latency rollup rows whose parsed sketches are kept in memory (see `SketchCache`); 0 keeps none. Default 50 000 (a few tens of MB). */
  sketchCacheRows?: number;
  /**
   * Read and write the percentiles of closed per-dimension and per-pair latency rollup rows in
   * `trace_latency_percentiles_<level>` (see `latencyStatsNarrow`). Default true; false computes every
   * row's percentiles from its sketch (what a query cost before they were stored). On ClickHouse: the
   * percentiles of closed groups in `trace_latency_percentiles` (see `ClickHouseAnalyticsService`).
   */
  storedPercentiles?: boolean;
}

/** Default of `AnalyticsServiceOptions.exactPercentileMaxRows`. */
export const EXACT_PERCENTILE_MAX_ROWS = 20_000;
/** Default of `AnalyticsServiceOptions.rawScanMaxRows`. */
export const RAW_SCAN_MAX_ROWS = 2_000_000;

const HOUR_MS = 3_600_000;

type Range = { from: Date | null; to: Date | null };

/** Which parts of a time range the daily and hourly rollups answer, and which (partial hours) the raw traces answer. */
export interface RangePlan {
  rollups: Array<Range & { level: 'daily' | 'hourly' }>;
  raw: Range[];
}

const DAY_MS = 86_400_000;
/** The last instant a DateTime argument may hold: a boundary past it would not be a four-digit year. */
const LAST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const ceilTo = (d: Date, size: number) => new Date(Math.min(Math.ceil(d.getTime() / size) * size, LAST_INSTANT_MS));
const floorTo = (d: Date, size: number) => new Date(Math.floor(d.getTime() / size) * size);
const before = (a: Date | null, b: Date | null) => a === null || b === null || a.getTime() < b.getTime();

/**
 * Splits a filter's [from, to) into whole UTC days (daily rollups; not for HOUR buckets), whole UTC
 * hours (hourly rollups) and the partial hours at both ends (raw traces). Every instant of the range
 * lands in exactly one part.
 */
export function planRange(from: Date | null | undefined, to: Date | null | undefined, useDays = true): RangePlan {
  const plan: RangePlan = { rollups: [], raw: [] };
  const hours = (a: Date | null, b: Date | null) => {
    const h0 = a ? ceilTo(a, HOUR_MS) : null;
    const h1 = b ? floorTo(b, HOUR_MS) : null;
    if (!before(h0, h1)) return plan.raw.push({ from: a, to: b });
    if (a && h0 && a.getTime() < h0.getTime()) plan.raw.push({ from: a, to: h0 });
    plan.rollups.push({ level: 'hourly', from: h0, to: h1 });
    if (b && h1 && h1.getTime() < b.getTime()) plan.raw.push({ from: h1, to: b });
  };
  const a = from ?? null;
  const b = to ?? null;
  const d0 = a ? ceilTo(a, DAY_MS) : null;
  const d1 = b ? floorTo(b, DAY_MS) : null;
  if (!useDays || !before(d0, d1)) {
    hours(a, b);
    return plan;
  }
  if (a && d0 && a.getTime() < d0.getTime()) hours(a, d0);
  plan.rollups.push({ level: 'daily', from: d0, to: d1 });
  if (b && d1 && d1.getTime() < b.getTime()) hours(d1, b);
  return plan;
}

/**
 * A latency range plan (`planRange`) in which a raw partial hour covering more than half its hour is
 * answered as that whole hour's rollup rows (`edge`) minus the raw traces of the rest of the hour
 * (`minus`): counts and sketch bins subtract exactly, and fewer raw traces are read (at 10M traces a
 * partial hour holds up to ~14,000).
 */
export interface LatencyRangePlan {
  rollups: Array<Range & { level: 'daily' | 'hourly'; edge?: boolean }>;
  raw: Range[];
  minus: Range[];
}

export function latencyRangePlan(plan: RangePlan, useDays = true): LatencyRangePlan {
  const out: LatencyRangePlan = { rollups: [...plan.rollups], raw: [], minus: [] };
  for (const r of plan.raw) {
    const h = r.from ? floorTo(r.from, HOUR_MS).getTime() : NaN;
    const inOneHour = r.from && r.to && r.to.getTime() <= h + HOUR_MS;
    if (!inOneHour || 2 * (r.to!.getTime() - r.from!.getTime()) <= HOUR_MS) {
      out.raw.push(r);
      continue;
    }
    out.rollups.push({ level: 'hourly', from: new Date(h), to: new Date(h + HOUR_MS), edge: true });
    if (r.from!.getTime() > h) out.minus.push({ from: new Date(h), to: r.from });
    if (r.to!.getTime() < h + HOUR_MS) out.minus.push({ from: r.to, to: new Date(h + HOUR_MS) });
  }
  if (!useDays) return out;
  // Hourly parts that now cover a whole UTC day (a range starting seconds after midnight: its first
  // hour minus those seconds, then 23 whole hours) are that day's daily rows: one row a key, not 24.
  // Hourly parts split at midnight first (a range of a few days without a whole day is one hourly part).
  out.rollups = out.rollups.flatMap((r) => {
    if (r.level !== 'hourly' || !r.from || !r.to) return [r];
    const pieces: LatencyRangePlan['rollups'] = [];
    for (let at = r.from.getTime(); at < r.to.getTime(); at = floorTo(new Date(at), DAY_MS).getTime() + DAY_MS) {
      pieces.push({ ...r, from: new Date(at), to: new Date(Math.min(r.to.getTime(), floorTo(new Date(at), DAY_MS).getTime() + DAY_MS)) });
    }
    return pieces;
  });
  const byDay = new Map<number, Array<LatencyRangePlan['rollups'][number]>>();
  for (const r of out.rollups) {
    if (r.level !== 'hourly' || !r.from || !r.to) continue;
    const day = floorTo(r.from, DAY_MS).getTime();
    byDay.set(day, [...(byDay.get(day) ?? []), r]);
  }
  for (const [day, parts] of byDay) {
    parts.sort((a, b) => a.from!.getTime() - b.from!.getTime());
    let at = day;
    for (const r of parts) if (r.from!.getTime() === at) at = r.to!.getTime();
    if (at !== day + DAY_MS) continue;
    out.rollups = out.rollups.filter((r) => !parts.includes(r));
    out.rollups.push({ level: 'daily', from: new Date(day), to: new Date(day + DAY_MS), edge: true });
  }
  return out;
}

/** The raw measures of latency over `traces t`, added (`sign` 1) or subtracted (-1). */
const rawLatencyMeasures = (sign: 1 | -1) => LATENCY_MEASURES.map(([n, , t]) => `${sign < 0 ? `-(${t})` : t} AS ${n}`).join(', ');

/** The rollup column of each rolled-up filter field. */
const ROLLUP_FILTERS = [
  ['prompt', 'prompt'],
  ['label', 'label'],
  ['modelId', 'model_id'],
  ['apiKey', 'api_key'],
  ['status', 'status'],
  ['cached', 'cached'],
] as const;

/** One summed measure: its expression over a rollup row `r` and over a raw trace `t`. */
type Measure = [name: string, rollup: string, raw: string];

const COST_MEASURES: Measure[] = [
  ['requests', 'r.requests', '1'],
  ...['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'].map((c): Measure => [c, `r.${c}`, `COALESCE(t.${c}, 0)`]),
  ['cost_micros', 'r.cost_micros', 't.cost_micros'],
  ...['cost_system_micros', 'cost_context_micros', 'cost_history_micros', 'cost_input_micros', 'cost_output_micros', 'cost_cache_read_micros', 'cost_cache_write_micros'].map((c): Measure => [
    c,
    `r.${c}`,
    `COALESCE(t.${c}, 0)`,
  ]),
];
const CACHE_MEASURES: Measure[] = [
  ['requests', 'r.requests', '1'],
  ['hits', 'CASE WHEN r.cached THEN r.requests ELSE 0 END', 'CASE WHEN t.cached THEN 1 ELSE 0 END'],
  ['saved_micros', 'CASE WHEN r.cached THEN r.saved_micros ELSE 0 END', 'CASE WHEN t.cached THEN t.saved_micros ELSE 0 END'],
  ['cache_read_tokens', 'r.cache_read_tokens', 'COALESCE(t.cache_read_tokens, 0)'],
];
const LATENCY_MEASURES: Measure[] = [
  ['requests', 'r.requests', '1'],
  ['latency_count', 'r.latency_count', 'CASE WHEN t.latency_ms IS NULL THEN 0 ELSE 1 END'],
  ['latency_sum', 'r.latency_sum', 'COALESCE(t.latency_ms, 0)'],
];

/** The column of each rolled-up dimension (also its `dim` in `trace_latency_rollups_*`). */
const DIMENSION_COLUMN: Partial<Record<Dimension, string>> = {
  [Dimension.PROMPT]: 'prompt',
  [Dimension.PROMPT_VERSION]: 'prompt_version',
  [Dimension.LABEL]: 'label',
  [Dimension.MODEL]: 'model_id',
  [Dimension.ROUTE_RULE]: 'route_rule',
  [Dimension.API_KEY]: 'api_key',
};

/** The tables whose rows `latencyStatsVersioned` reads sketches of, by row version. */
const ROLLUP_SKETCH_TABLES = new Set(['trace_latency_rollups_hourly', 'trace_latency_rollups_daily', 'trace_rollups_hourly', 'trace_rollups_daily']);

/** The rolled-up dimensions of `trace_latency_rollups_*`, in the order a pair row holds them (`dim` before `dim2`). */
const LATENCY_DIM_ORDER = ['prompt', 'prompt_version', 'label', 'model_id', 'route_rule', 'api_key'];

/** The per-dimension or per-pair latency rollup rows that answer a query (see `latencyRollupDims`). */
export interface LatencyRollupDims {
  /** `dim` of the rows ('' for all traffic). */
  dim: string;
  /** `dim2` of the rows ('' for a single dimension). */
  dim2: string;
  /** The filter's value on `dim` / `dim2`, if it filters there. */
  value?: string;
  value2?: string;
}

/**
 * The latency rollup rows (one dimension, a pair, or all traffic) that answer a query, or null: at
 * most two dimensions among the grouping and the rolled-up filters, and no status or cached filter.
 */
export function latencyRollupDims(filter: TraceFilterData | null | undefined, dims: Dimension[]): LatencyRollupDims | null {
  if (filter?.status != null || filter?.cached != null) return null;
  const values = new Map<string, string>();
  if (filter?.prompt != null) values.set('prompt', filter.prompt);
  if (filter?.label != null) values.set('label', filter.label);
  if (filter?.modelId != null) values.set('model_id', filter.modelId);
  if (filter?.apiKey != null) values.set('api_key', filter.apiKey);
  const columns = new Set([...dims.map((d) => DIMENSION_COLUMN[d]), ...values.keys()]);
  if (columns.size > 2 || columns.has(undefined)) return null;
  const [dim = '', dim2 = ''] = [...(columns as Set<string>)].sort((a, b) => LATENCY_DIM_ORDER.indexOf(a) - LATENCY_DIM_ORDER.indexOf(b));
  const out: LatencyRollupDims = { dim, dim2 };
  if (values.has(dim)) out.value = values.get(dim)!;
  if (values.has(dim2)) out.value2 = values.get(dim2)!;
  return out;
}

/** The conditions picking the rows of `trace_latency_rollups_<level> r` of one dimension, pair or all traffic (and the filter's values there). */
function latencyRollupConditions(p: SqlParams, source: string, spec: LatencyRollupDims): string[] {
  const cond = [`r.source = ${p.add(source)}`, `r.dim = ${p.add(spec.dim)}`, `r.dim2 = ${p.add(spec.dim2)}`];
  if (spec.value !== undefined) cond.push(`r.value = ${p.add(spec.value)}`);
  if (spec.value2 !== undefined) cond.push(`r.value2 = ${p.add(spec.value2)}`);
  return cond;
}

/** The SELECT of rows of `trace_latency_rollups_<level>` over one part of the range: keys k0.. (from `value`/`value2`), the bucket, and `columns` (`join` after the table). */
function latencyRollupSelect(
  p: SqlParams,
  range: Range & { level: 'daily' | 'hourly' },
  source: string,
  spec: LatencyRollupDims,
  dims: Dimension[],
  bucket: TimeBucket | null | undefined,
  columns: string,
  join = '',
): string {
  const cond = [...rangeConditions(range, 'r.bucket', p), ...latencyRollupConditions(p, source, spec)];
  // Values are stored as text; a prompt version is compared and ordered as the integer it is.
  const keys = dims.map((d, i) => {
    const col = DIMENSION_COLUMN[d] === spec.dim ? 'r.value' : 'r.value2';
    return `${d === Dimension.PROMPT_VERSION ? `${col}::int` : col} AS k${i}, `;
  });
  const truncated = bucket ? `date_trunc('${BUCKET_UNIT[bucket]}', r.bucket, 'UTC')` : 'NULL::timestamptz';
  return `SELECT ${keys.join('')}${truncated} AS bucket, ${columns} FROM trace_latency_rollups_${range.level} r ${join} ${where(cond)}`;
}

/** The columns of `trace_latency_percentiles_<level>`, in `Percentiles` order. */
const STORED_PERCENTILES = ['latency_p50', 'latency_p95', 'latency_p99', 'ttft_p50', 'ttft_p95'] as const;

/**
 * A row of `trace_latency_rollups_<level> r` named by its level, key and `requests`: `[level, bucket,
 * value, value2, requests]` as JSON text. A row only ever gains traces, so equal `requests` mean
 * equal sketches (the row's version, which an index-only scan can read where `ctid`/`xmin` cannot).
 */
const latencyRowRef = (level: 'daily' | 'hourly') => `json_build_array('${level}', r.bucket, r.value, r.value2, r.requests)::text`;

/** The stored percentiles of a rollup row whose `requests` still match (see `trace_latency_percentiles_<level>`). */
const storedPercentilesJoin = (level: 'daily' | 'hourly') =>
  `LEFT JOIN trace_latency_percentiles_${level} s ON s.dim = r.dim AND s.dim2 = r.dim2 AND s.source = r.source AND s.bucket = r.bucket
     AND s.value IS NOT DISTINCT FROM r.value AND s.value2 IS NOT DISTINCT FROM r.value2 AND s.requests = r.requests`;

/** The stored-percentile columns of a raw or unjoined row: none stored. */
const NO_STORED_PERCENTILES = `false AS stored, ${STORED_PERCENTILES.map((c) => `NULL::float8 AS ${c}`).join(', ')}`;

/** A bucket's length: once it is over, its rows no longer change with live traffic and their percentiles are worth storing. */
const LEVEL_MS = { hourly: 3_600_000, daily: 86_400_000 } as const;

/** Orders keys (strings, nulls last) for the lock order of `storePercentiles`. */
function compareKeys(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return String(a) < String(b) ? -1 : 1;
}

/** The group of an answer row (its bucket and keys), as a string: the same for rolled-up and raw rows. */
function groupKey(dims: Dimension[], row: Record<string, unknown>): string {
  const keys = keysOf(dims, row);
  return JSON.stringify([dateOrNull(row.bucket)?.getTime() ?? null, ...dims.map((d) => keys[d] ?? null)]);
}

/** True when a query needs a dimension or filter the rollups do not carry (USER, TAG, an eval run). */
function needsRaw(filter: TraceFilterData | null | undefined, dims: Dimension[]): boolean {
  // The rollups keep no user, tag, eval run or OpenTelemetry trace id: those filters read the raw traces.
  return dims.includes(Dimension.USER) || dims.includes(Dimension.TAG) || filter?.user != null || Boolean(filter?.tags?.length) || filter?.evalRun != null || filter?.otelTraceId != null;
}

/** The rollup level whose buckets are already those of a TimeBucket. */
const LEVEL_BUCKET: Record<'daily' | 'hourly', TimeBucket> = { hourly: TimeBucket.HOUR, daily: TimeBucket.DAY };

/**
 * `k0, ..., bucket` of a rolled-up grouping over table alias `alias` whose time column is `time`. Rows
 * of rollup `level` whose buckets already are the answer's (hourly rows, HOUR) keep the column as it
 * is instead of `date_trunc` of it (the same value): the planner then knows the rows come in bucket
 * order from the (source, bucket) index and sorts each bucket's few rows (incremental sort) instead of
 * the whole range (which spilled to disk for [PROMPT, LABEL] by HOUR over 7 days).
 */
function keySelect(dims: Dimension[], bucket: TimeBucket | null | undefined, alias: string, time: string, level?: 'daily' | 'hourly'): string {
  const items = dims.map((d, i) => `${DIMENSION_SQL[d].replace(/^t\./, `${alias}.`)} AS k${i}`);
  const truncated = !bucket ? 'NULL::timestamptz' : level && LEVEL_BUCKET[level] === bucket ? time : `date_trunc('${BUCKET_UNIT[bucket]}', ${time}, 'UTC')`;
  items.push(`${truncated} AS bucket`);
  return items.join(', ');
}

/** The outer select over the union: keys, bucket and the sum of each measure. */
function outer(g: Grouping, measures: Measure[], bucket = 'bucket'): string {
  return [...g.dims.map((_, i) => `k${i}`), bucket, ...measures.map(([n]) => `sum(${n}) AS ${n}`)].join(', ');
}

/**
 * The bucket as milliseconds since the epoch (a float8, exact for whole milliseconds): the driver's
 * timestamptz parsing was a third of a warm 4,320-group latency answer's Node CPU.
 */
const BUCKET_MS = `(extract(epoch FROM bucket) * 1000)::float8 AS bucket`;

function rangeConditions(range: { from: Date | null; to: Date | null }, col: string, p: SqlParams): string[] {
  const out: string[] = [];
  if (range.from) out.push(`${col} >= ${p.add(range.from)}`);
  if (range.to) out.push(`${col} < ${p.add(range.to)}`);
  return out;
}

function where(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * The `dim` under which `trace_latency_percentiles_<level>` keeps the percentiles of a wide-rollup
 * group (`latencyStatsVersioned`): the bucket, the grouping and every rolled-up filter value, as JSON
 * (never equal to a latency rollup dimension). `value` is then the group's keys as a JSON array.
 */
function wideSpec(filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket): string {
  return JSON.stringify(['rollups', bucket, dims, ROLLUP_FILTERS.map(([f]) => filter?.[f] ?? null)]);
}

/** The end (milliseconds) of the UTC bucket that starts at `start`. */
function bucketEnd(start: Date, bucket: TimeBucket): number {
  if (bucket === TimeBucket.HOUR) return start.getTime() + HOUR_MS;
  if (bucket === TimeBucket.DAY) return start.getTime() + DAY_MS;
  if (bucket === TimeBucket.WEEK) return start.getTime() + 7 * DAY_MS;
  return Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
}

/**
 * BI over the `traces` table. Every aggregate is computed by the database: money is summed exactly
 * as integer micro-USD (numeric sums) and only converted to USD for the wire. Owns no tables.
 */
export class AnalyticsService {
  private readonly maxRows: number;

  private readonly source: 'rollups' | 'raw';
  private readonly exactPercentileMaxRows: number;
  private readonly rawScanMaxRows: number;
  private readonly sketchCache: SketchCache;
  private readonly storedPercentiles: boolean;

  constructor(
    private readonly db: DataSource,
    options: AnalyticsServiceOptions = {},
  ) {
    this.maxRows = options.maxRows ?? MAX_ANALYTICS_ROWS;
    this.source = options.source ?? 'rollups';
    this.exactPercentileMaxRows = options.exactPercentileMaxRows ?? EXACT_PERCENTILE_MAX_ROWS;
    this.rawScanMaxRows = options.rawScanMaxRows ?? RAW_SCAN_MAX_ROWS;
    this.sketchCache = new SketchCache(options.sketchCacheRows ?? SKETCH_CACHE_ROWS);
    this.storedPercentiles = options.storedPercentiles ?? true;
  }

  /** Requests, tokens and cost per group and time bucket. `groupBy` must name at least one dimension. */
  async costBreakdown(filter: TraceFilterData | null | undefined, groupBy: Dimension[], bucket?: TimeBucket | null): Promise<CostRow[]> {
    if (!groupBy?.length) throw new BadUserInputError('groupBy', 'name at least one dimension');
    if (await this.rawOnly(filter, groupBy)) return this.costBreakdownRaw(filter, groupBy, bucket);
    const p = new SqlParams();
    const g = grouping(groupBy, bucket);
    const parts = this.parts(p, filter, g.dims, bucket, COST_MEASURES);
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT ${outer(g, COST_MEASURES)} FROM (${parts}) u GROUP BY ${g.groupBy} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`,
      p.values,
    );
    return this.capped(rows).map((r) => toCostRow(g.dims, r));
  }

  /**
   * Latency average and percentiles (and time-to-first-token) per group and bucket. Percentiles are
   * exact (percentile_cont) while the time range holds at most `exactPercentileMaxRows` traces, and
   * otherwise merged from the rollups' DDSketch bins: within 1% of a latency ranked between the two
   * that percentile_cont interpolates.
   */
  async latencyStats(filter: TraceFilterData | null | undefined, groupBy?: Dimension[] | null, bucket?: TimeBucket | null): Promise<LatencyRow[]> {
    const dims = groupBy ?? [];
    if (await this.rawOnly(filter, dims)) return this.latencyStatsRaw(filter, groupBy, bucket);
    const plan = planRange(filter?.from, filter?.to);
    const g = grouping(dims, bucket);
    // One dimension or a pair: the narrow rows of `trace_latency_rollups_*`; else every combination in `trace_rollups_*`.
    const narrow = latencyRollupDims(filter, g.dims);
    // The size of the range and the answer from the rollups are read at once (each round trip waits
    // its turn on a loaded server); the rollups' answer is dropped when the range is small enough to be exact.
    const read = () => (narrow ? this.latencyStatsNarrow(filter, g, bucket, narrow) : this.latencyStatsVersioned(filter, g, bucket));
    const [n, rows] = await Promise.allSettled([this.tracesInRange(plan), read()]);
    if (n.status === 'rejected') throw n.reason;
    if (n.value <= this.exactPercentileMaxRows) return this.latencyStatsRaw(filter, groupBy, bucket);
    if (rows.status === 'rejected') throw rows.reason;
    if (rows.value) return rows.value;
    // A row updated between the two reads: read once more, then the general path (one snapshot, no cache).
    const again = await read();
    if (again) return again;
    const p = new SqlParams();
    const parts = this.parts(p, filter, g.dims, bucket, LATENCY_MEASURES);
    // The counts and the sketches are read at once (two pooled connections on PostgreSQL).
    const [counts, sketches] = await Promise.all([
      this.db.query(`SELECT ${outer(g, LATENCY_MEASURES)} FROM (${parts}) u GROUP BY ${g.groupBy} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`, p.values) as Promise<
        Array<Record<string, unknown>>
      >,
      this.latencySketches(filter, g, bucket),
    ]);
    this.capped(counts);
    return counts.map((r) => {
      const s = sketches.get(groupKey(g.dims, r));
      return latencyRow(g.dims, r, percentiles(s ? sortBins(s.l) : [], s ? sortBins(s.t) : []));
    });
  }

  /**
   * latencyStats from the per-dimension or per-pair latency rollups (`narrow`, see
   * `latencyRollupDims`: one row per bucket and value), in one read when warm. First the counts of
   * each group, summed by PostgreSQL over the rows of the range (an index-only scan of the covering
   * dimension index) and the raw partial hours at the edges, with, for a group of one rollup row, that
   * row's stored percentiles when its `requests` still match (`trace_latency_percentiles_<level>`), and
   * otherwise each row's reference (`latencyRowRef`). Then, only for rows whose sketches are not in the
   * process's cache, their bins, fetched by bucket and checked against the reference. A closed
   * bucket's row whose percentiles were computed here is stored, so no later query (in this process or
   * another) reads its sketches again while it is unchanged. Returns null when a row changed between
   * the two reads (the caller asks again).
   */
  private async latencyStatsNarrow(filter: TraceFilterData | null | undefined, g: Grouping, bucket: TimeBucket | null | undefined, narrow: LatencyRollupDims): Promise<LatencyRow[] | null> {
    const p = new SqlParams();
    const source = filter?.source ?? TraceSource.PRODUCTION;
    const use = this.storedPercentiles;
    const storedCols = use ? `s.requests IS NOT NULL AS stored, ${STORED_PERCENTILES.map((c) => `s.${c}`).join(', ')}` : NO_STORED_PERCENTILES;
    const lp = latencyRangePlan(planRange(filter?.from, filter?.to, bucket !== TimeBucket.HOUR), bucket !== TimeBucket.HOUR);
    const select = (range: LatencyRangePlan['rollups'][number]) =>
      latencyRollupSelect(
        p,
        range,
        source,
        narrow,
        g.dims,
        bucket,
        `r.requests, r.latency_count, r.latency_sum, ${latencyRowRef(range.level)} AS ref, ${storedCols}`,
        use ? storedPercentilesJoin(range.level) : '',
      );
    const rolled = lp.rollups.filter((r) => !r.edge).map(select);
    // A partial hour answered as its hour minus the rest: grouped with the raw rows.
    const edges = lp.rollups.filter((r) => r.edge).map(select);
    const raw = [
      ...edges,
      ...this.rawParts(p, filter, g.dims, bucket, `${rawLatencyMeasures(1)}, NULL::text AS ref, ${NO_STORED_PERCENTILES}`, '', '', lp.raw),
      ...this.rawParts(p, filter, g.dims, bucket, `${rawLatencyMeasures(-1)}, NULL::text AS ref, ${NO_STORED_PERCENTILES}`, '', '', lp.minus),
    ];
    const rawBins = this.rawSketchParts(filter, g, bucket, lp);
    // A group of exactly one row of the union, with stored percentiles: nothing else is needed.
    const one = `count(*) = 1 AND bool_or(stored)`;
    const grouped = (parts: string[], having = '') =>
      `SELECT ${outer(g, LATENCY_MEASURES, BUCKET_MS)}, ${one} AS stored, CASE WHEN ${one} THEN NULL ELSE array_agg(ref) FILTER (WHERE ref IS NOT NULL) END AS refs,
         ${STORED_PERCENTILES.map((c) => `CASE WHEN ${one} THEN max(${c}) END AS ${c}`).join(', ')}
       FROM (${parts.join(' UNION ALL ')}) u GROUP BY ${g.groupBy} ${having}`;
    // By HOUR the range is whole hours of hourly rows and partial hours read raw: each rollup row is a
    // group of its own (one per hour and value or pair of values), so only the raw rows are grouped.
    const keys = g.dims.map((_, i) => `k${i}, `).join('');
    const sql =
      bucket === TimeBucket.HOUR && rolled.length
        ? `SELECT ${keys}${BUCKET_MS}, requests, latency_count, latency_sum, stored, CASE WHEN stored THEN NULL ELSE ARRAY[ref] END AS refs, ${STORED_PERCENTILES.join(', ')}
           FROM (${rolled.join(' UNION ALL ')}) r WHERE requests > 0
           ${raw.length ? `UNION ALL ${grouped(raw, 'HAVING sum(requests) > 0')}` : ''}`
        : grouped([...rolled, ...raw], 'HAVING sum(requests) > 0');
    const [counts, rawRows] = await Promise.all([
      this.db.query(`${sql} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`, p.values) as Promise<Array<Record<string, unknown>>>,
      rawBins.sql ? (this.db.query(rawBins.sql, rawBins.params) as Promise<Array<Record<string, unknown>>>) : [],
    ]);
    this.capped(counts);
    const refsOf = (r: Record<string, unknown>): string[] => (Array.isArray(r.refs) ? (r.refs as string[]) : []);
    // The cache is shared by every dimension and source: a reference names its row within those.
    const prefix = `${narrow.dim}\u0001${narrow.dim2}\u0001${source}\u0001`;
    const sketches = new Map<string, RowSketches>();
    const missing = new Map<'daily' | 'hourly', Set<string>>();
    for (const r of counts) {
      for (const ref of refsOf(r)) {
        const hit = this.sketchCache.get(prefix + ref);
        if (hit) sketches.set(ref, hit);
        else {
          const level = (JSON.parse(ref) as [string])[0] as 'daily' | 'hourly';
          let refs = missing.get(level);
          if (!refs) missing.set(level, (refs = new Set()));
          refs.add(ref);
        }
      }
    }
    // The rows of the buckets that hold missing ones; a row a batch changed since the first read has another reference: not found.
    await Promise.all(
      [...missing].map(async ([level, refs]) => {
        const fp = new SqlParams();
        const buckets = [...new Set([...refs].map((ref) => (JSON.parse(ref) as [string, string])[1]))];
        const cond = [...latencyRollupConditions(fp, source, narrow), `r.bucket = ANY(${fp.add(buckets)}::timestamptz[])`];
        const rows: Array<{ ref: string; l: string; t: string }> = await this.db.query(
          `SELECT ${latencyRowRef(level)} AS ref, r.latency_bins::text AS l, r.ttft_bins::text AS t FROM trace_latency_rollups_${level} r ${where(cond)}`,
          fp.values,
        );
        for (const row of rows) {
          if (!refs.has(row.ref)) continue;
          const s = { l: parseSketchText(row.l), t: parseSketchText(row.t) };
          sketches.set(row.ref, s);
          this.sketchCache.set(prefix + row.ref, s);
        }
      }),
    );
    if (counts.some((r) => refsOf(r).some((ref) => !sketches.has(ref)))) return null;
    const rawSketches = this.rawSketchesByGroup(g, rawRows);
    const toStore: Array<[ref: string, p: Percentiles]> = [];
    const now = Date.now();
    const answer = counts.map((r) => {
      if (r.stored) return latencyRow(g.dims, r, STORED_PERCENTILES.map((c) => numOrNull(r[c])) as Percentiles);
      const refs = refsOf(r);
      const extra = rawSketches.size ? rawSketches.get(groupKey(g.dims, r)) : undefined;
      // One rollup row and no raw edge (an hour of an HOUR bucket, a day of a DAY bucket): its sorted bins as they are.
      if (refs.length === 1 && !extra) {
        const s = sketches.get(refs[0]!)!;
        s.percentiles ??= percentiles(s.l, s.t);
        const [level, at] = JSON.parse(refs[0]!) as ['daily' | 'hourly', string];
        if (use && new Date(at).getTime() + LEVEL_MS[level] <= now) toStore.push([refs[0]!, s.percentiles]);
        return latencyRow(g.dims, r, s.percentiles);
      }
      return latencyRow(g.dims, r, mergedPercentiles(refs, sketches, extra));
    });
    if (toStore.length) await this.storePercentiles(narrow, source, toStore);
    return answer;
  }

  /**
   * Stores the percentiles of closed rollup rows (`trace_latency_percentiles_<level>`), each with the
   * `requests` it was computed at; a stored row is replaced only by one computed at more requests.
   * In key order, so concurrent readers lock shared rows in the same order. Best effort: a store that
   * fails (a read-only replica, a lock timeout) leaves the answer as it is and the rows to a later query.
   */
  private async storePercentiles(narrow: LatencyRollupDims, source: string, rows: Array<[ref: string, p: Percentiles]>): Promise<void> {
    const byLevel = new Map<string, Array<Record<string, unknown>>>();
    for (const [ref, pct] of rows) {
      const [level, bucket, value, value2, requests] = JSON.parse(ref) as [string, string, string | null, string | null, number];
      let list = byLevel.get(level);
      if (!list) byLevel.set(level, (list = []));
      const row: Record<string, unknown> = { bucket, value, value2, requests };
      STORED_PERCENTILES.forEach((c, i) => (row[c] = pct[i]));
      list.push(row);
    }
    const x = (c: string) => `x.${c}`;
    try {
      for (const [level, list] of byLevel) {
        list.sort((a, b) => compareKeys(a.bucket, b.bucket) || compareKeys(a.value, b.value) || compareKeys(a.value2, b.value2));
        await this.db.query(
          `INSERT INTO trace_latency_percentiles_${level} AS s (bucket, source, dim, value, dim2, value2, requests, ${STORED_PERCENTILES.join(', ')})
           SELECT x.bucket, $2, $3, x.value, $4, x.value2, x.requests, ${STORED_PERCENTILES.map(x).join(', ')}
           FROM json_to_recordset($1::json) AS x(bucket timestamptz, value text, value2 text, requests bigint, ${STORED_PERCENTILES.map((c) => `${c} float8`).join(', ')})
           ON CONFLICT (dim, dim2, source, bucket, value, value2) DO UPDATE SET requests = EXCLUDED.requests, ${STORED_PERCENTILES.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
           WHERE s.requests < EXCLUDED.requests`,
          [JSON.stringify(list), source, narrow.dim, narrow.dim2],
        );
      }
    } catch {
      // Only a shortcut for later queries is lost; this answer is complete and they compute it again.
    }
  }

  /** The raw partial hours' bins (rows of `rawSketchParts`) per group (`groupKey`). */
  private rawSketchesByGroup(g: Grouping, rawRows: Array<Record<string, unknown>>): Map<string, { l: Map<number, number>; t: Map<number, number> }> {
    const rawSketches = new Map<string, { l: Map<number, number>; t: Map<number, number> }>();
    for (const r of rawRows) {
      const k = groupKey(g.dims, r);
      let s = rawSketches.get(k);
      if (!s) rawSketches.set(k, (s = { l: new Map(), t: new Map() }));
      const bins = r.m === 'l' ? s.l : s.t;
      bins.set(Number(r.k), (bins.get(Number(r.k)) ?? 0) + num(r.n));
    }
    return rawSketches;
  }

  /**
   * latencyStats from the wide rollups of every combination (status or cached filters, three
   * dimensions) in two reads, keeping parsed sketches by row version. First the counts of each group,
   * summed by PostgreSQL over the rows of the range and the raw partial hours at the edges, with the
   * version (`ctid`, `xmin`) of each rollup row; then, only when some are not in the cache, the bins
   * of those rows, fetched by ctid. Returns null when a row changed between the two reads (the caller
   * asks again). No transaction: a warm answer is one round trip.
   */
  private async latencyStatsVersioned(filter: TraceFilterData | null | undefined, g: Grouping, bucket: TimeBucket | null | undefined): Promise<LatencyRow[] | null> {
    const p = new SqlParams();
    const measures = LATENCY_MEASURES.map(([n]) => `r.${n}`).join(', ');
    // A row's reference names its table: `trace_rollups_hourly:(0,1):123`.
    const ref = (table: string) => `'${table}:' || r.ctid::text || ':' || r.xmin::text AS ref`;
    const lp = latencyRangePlan(planRange(filter?.from, filter?.to, bucket !== TimeBucket.HOUR), bucket !== TimeBucket.HOUR);
    const rolled = this.rollupParts(p, filter, g.dims, bucket, (level) => `${measures}, ${ref(`trace_rollups_${level}`)}`, '', 'trace_rollups', lp.rollups);
    const raw = [
      ...this.rawParts(p, filter, g.dims, bucket, `${rawLatencyMeasures(1)}, NULL::text AS ref`, '', '', lp.raw),
      ...this.rawParts(p, filter, g.dims, bucket, `${rawLatencyMeasures(-1)}, NULL::text AS ref`, '', '', lp.minus),
    ];
    const rawBins = this.rawSketchParts(filter, g, bucket, lp);
    const refsOf = (r: Record<string, unknown>): string[] => (Array.isArray(r.refs) ? (r.refs as string[]) : []);
    const sketches = new Map<string, RowSketches>();
    // A group whose rows are every wide rollup row of one whole closed bucket at one level (a day of a
    // DAY, WEEK or MONTH bucket from the daily rows, an hour of an HOUR bucket) is a fixed set of rows
    // that only gain traces: its percentiles are stored under `spec`, versioned by the group's requests.
    const source = filter?.source ?? TraceSource.PRODUCTION;
    const level: 'daily' | 'hourly' = bucket === TimeBucket.HOUR ? 'hourly' : 'daily';
    const store =
      this.storedPercentiles && bucket != null
        ? { spec: wideSpec(filter, g.dims, bucket), covered: planRange(filter?.from, filter?.to, bucket !== TimeBucket.HOUR).rollups.filter((r) => r.level === level) }
        : null;
    const counted = `SELECT ${outer(g, LATENCY_MEASURES)}, array_agg(ref) FILTER (WHERE ref IS NOT NULL) AS refs, bool_or(ref IS NULL) AS has_raw,
         bool_and(ref LIKE 'trace_rollups_${level}:%') AS one_level, json_build_array(${g.dims.map((_, i) => `k${i}`).join(', ')})::text AS gkey
       FROM (${[...rolled, ...raw].join(' UNION ALL ')}) u GROUP BY ${g.groupBy} HAVING sum(requests) > 0`;
    // The same test as `storable` below, in SQL, so a stored group's row references are not sent at all.
    const unit = bucket ? BUCKET_UNIT[bucket] : 'day';
    const endOf = `(c.bucket AT TIME ZONE 'UTC' + interval '1 ${unit}') AT TIME ZONE 'UTC'`;
    const covered = store?.covered.map((c) => `(${[...(c.from ? [`c.bucket >= ${p.add(c.from)}`] : []), ...(c.to ? [`${endOf} <= ${p.add(c.to)}`] : []), 'true'].join(' AND ')})`);
    const sql = store
      ? `SELECT ${[...g.dims.map((_, i) => `k${i}`), 'bucket', ...LATENCY_MEASURES.map(([n]) => n), 'has_raw', 'gkey'].map((c) => `c.${c}`).join(', ')},
           s.requests IS NOT NULL AS stored, CASE WHEN s.requests IS NULL THEN c.refs END AS refs, ${STORED_PERCENTILES.map((c) => `s.${c}`).join(', ')} FROM (${counted}) c
         LEFT JOIN trace_latency_percentiles_${level} s ON NOT c.has_raw AND c.one_level AND ${endOf} <= ${p.add(new Date())} AND (${covered!.join(' OR ') || 'false'})
           AND s.dim = ${p.add(store.spec)} AND s.dim2 = '' AND s.source = ${p.add(source)} AND s.bucket = c.bucket
           AND s.value = c.gkey AND s.value2 IS NULL AND s.requests = c.requests`
      : counted;
    const [counts, rawRows] = await Promise.all([
      this.db.query(`${sql} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`, p.values) as Promise<Array<Record<string, unknown>>>,
      rawBins.sql ? (this.db.query(rawBins.sql, rawBins.params) as Promise<Array<Record<string, unknown>>>) : [],
    ]);
    this.capped(counts);
    const now = Date.now();
    // True for a group of whole closed buckets of `level` rows only (see above); its stored percentiles are used only then.
    const storable = (r: Record<string, unknown>): boolean => {
      if (!store || r.has_raw === true) return false;
      const start = dateOrNull(r.bucket);
      if (!start) return false;
      const end = bucketEnd(start, bucket!);
      if (end > now) return false;
      if (!store.covered.some((c) => (c.from === null || c.from.getTime() <= start.getTime()) && (c.to === null || end <= c.to.getTime()))) return false;
      return refsOf(r).every((ref) => ref.startsWith(`trace_rollups_${level}:`));
    };
    const isStored = (r: Record<string, unknown>) => r.stored === true && storable(r);
    // Never expected (the SQL and `storable` test the same); the caller reads again, then without stored percentiles.
    if (counts.some((r) => r.stored === true && !storable(r))) return null;
    const missing = new Map<string, string[]>();
    for (const r of counts) {
      if (isStored(r)) continue;
      for (const ref of refsOf(r)) {
        const hit = this.sketchCache.get(ref);
        if (hit) sketches.set(ref, hit);
        else {
          const [table, ctid] = ref.split(':') as [string, string];
          let list = missing.get(table);
          if (!list) missing.set(table, (list = []));
          list.push(ctid);
        }
      }
    }
    // Fetched by ctid; a row a batch changed since the first read is a new version there: its ref is not found.
    await Promise.all(
      [...missing].map(async ([table, ctids]) => {
        if (!ROLLUP_SKETCH_TABLES.has(table)) throw new Error(`not a rollup table: ${table}`);
        const rows: Array<{ ref: string; l: string; t: string }> = await this.db.query(
          `SELECT '${table}:' || ctid::text || ':' || xmin::text AS ref, latency_bins::text AS l, ttft_bins::text AS t FROM ${table} WHERE ctid = ANY($1::tid[])`,
          [ctids],
        );
        for (const row of rows) {
          const s = { l: parseSketchText(row.l), t: parseSketchText(row.t) };
          sketches.set(row.ref, s);
          this.sketchCache.set(row.ref, s);
        }
      }),
    );
    if (counts.some((r) => !isStored(r) && refsOf(r).some((ref) => !sketches.has(ref)))) return null;
    const rawSketches = this.rawSketchesByGroup(g, rawRows);
    const toStore: Array<[ref: string, p: Percentiles]> = [];
    const answer = counts.map((r) => {
      if (isStored(r)) return latencyRow(g.dims, r, STORED_PERCENTILES.map((c) => numOrNull(r[c])) as Percentiles);
      const refs = refsOf(r);
      const extra = rawSketches.size ? rawSketches.get(groupKey(g.dims, r)) : undefined;
      let pct: Percentiles;
      // One rollup row and no raw edge (an hour of an HOUR bucket, a day of a DAY bucket): its sorted bins as they are.
      if (refs.length === 1 && !extra) {
        const s = sketches.get(refs[0]!)!;
        pct = s.percentiles ??= percentiles(s.l, s.t);
      } else {
        pct = mergedPercentiles(refs, sketches, extra);
      }
      if (storable(r)) toStore.push([JSON.stringify([level, dateOrNull(r.bucket)!.toISOString(), String(r.gkey), null, num(r.requests)]), pct]);
      return latencyRow(g.dims, r, pct);
    });
    if (store && toStore.length) await this.storePercentiles({ dim: store.spec, dim2: '' }, source, toStore);
    return answer;
  }

  /** The sketch bins of the raw partial hours at the edges of the range (`trace_sketch_key` in SQL), per group: rows of keys, `m` ('l' or 't'), `k` and `n`. */
  private rawSketchParts(
    filter: TraceFilterData | null | undefined,
    g: Grouping,
    bucket: TimeBucket | null | undefined,
    lp: Pick<LatencyRangePlan, 'raw' | 'minus'> = { raw: planRange(filter?.from, filter?.to, bucket !== TimeBucket.HOUR).raw, minus: [] },
  ): { sql: string; params: unknown[] } {
    const rp = new SqlParams();
    // Both metrics from one pass over each edge's traces (it was one pass each); `minus` ranges subtract their bins.
    const parts = (ranges: Range[], n: string) =>
      this.rawParts(rp, filter, g.dims, bucket, `v.m, trace_sketch_key(v.x) AS k`, 'v.x IS NOT NULL', ` CROSS JOIN LATERAL (VALUES ('l', t.latency_ms), ('t', t.ttft_ms)) AS v(m, x)`, ranges).map(
        (sql) => `SELECT ${g.groupBy}, m, k, ${n} AS n FROM (${sql}) x GROUP BY ${g.groupBy}, m, k`,
      );
    const raw = [...parts(lp.raw, 'count(*)'), ...parts(lp.minus, '-count(*)')];
    return { sql: raw.join(' UNION ALL '), params: rp.values };
  }

  /**
   * The merged latency and TTFT sketches of each group (keyed by `groupKey`). Rolled-up rows bring
   * their bins as text (`{key, count}` pairs, `parseSketchText`) and are merged here, in JS (adding
   * counts per key: far cheaper than unnesting them in SQL); the raw partial hours at the edges are binned by SQL
   * (`trace_sketch_key`). A query on at most one dimension, filtered by nothing but time, source and
   * that dimension, reads the per-dimension sketches (`trace_latency_rollups_*`): one row per
   * (bucket, value) instead of one per combination of every dimension.
   */
  private async latencySketches(filter: TraceFilterData | null | undefined, g: Grouping, bucket: TimeBucket | null | undefined): Promise<Map<string, { l: SketchBins; t: SketchBins }>> {
    const p = new SqlParams();
    const narrow = latencyRollupDims(filter, g.dims);
    const rolled =
      narrow === null
        ? this.rollupParts(p, filter, g.dims, bucket, 'r.latency_bins::text AS l, r.ttft_bins::text AS t')
        : planRange(filter?.from, filter?.to, bucket !== TimeBucket.HOUR).rollups.map((range) =>
            latencyRollupSelect(p, range, filter?.source ?? TraceSource.PRODUCTION, narrow, g.dims, bucket, 'r.latency_bins::text AS l, r.ttft_bins::text AS t'),
          );
    const raw = this.rawSketchParts(filter, g, bucket);
    const out = new Map<string, { l: SketchBins; t: SketchBins }>();
    const sketchOf = (key: string) => {
      let s = out.get(key);
      if (!s) out.set(key, (s = { l: new Map(), t: new Map() }));
      return s;
    };
    const add = (bins: SketchBins, k: number, n: number) => bins.set(k, (bins.get(k) ?? 0) + n);
    const [rolledRows, rawRows] = await Promise.all([
      rolled.length ? (this.db.query(rolled.join(' UNION ALL '), p.values) as Promise<Array<Record<string, unknown>>>) : [],
      raw.sql ? (this.db.query(raw.sql, raw.params) as Promise<Array<Record<string, unknown>>>) : [],
    ]);
    for (const r of rolledRows) {
      const s = sketchOf(groupKey(g.dims, r));
      addBins(s.l, parseSketchText(String(r.l)));
      addBins(s.t, parseSketchText(String(r.t)));
    }
    for (const r of rawRows) add(r.m === 'l' ? sketchOf(groupKey(g.dims, r)).l : sketchOf(groupKey(g.dims, r)).t, Number(r.k), num(r.n));
    return out;
  }

  /** Response-cache hits, hit rate and money saved per bucket. */
  async cacheStats(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<CacheRow[]> {
    if (await this.rawOnly(filter, [])) return this.cacheStatsRaw(filter, bucket);
    const p = new SqlParams();
    const g = grouping([], bucket);
    const parts = this.parts(p, filter, [], bucket, CACHE_MEASURES);
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT ${outer(g, CACHE_MEASURES)} FROM (${parts}) u GROUP BY ${g.groupBy} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`,
      p.values,
    );
    return this.capped(rows).map(toCacheRow);
  }

  /**
   * Guardrail interventions per bucket × policy × finding kind × direction. Counts are of requests (a
   * request with three PII findings counts once); `requests` is every request of the bucket, so
   * `rate` is the share of traffic that triggered.
   */
  async guardrailStats(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<GuardrailRow[]> {
    if (await this.rawOnly(filter, [])) return this.guardrailStatsRaw(filter, bucket);
    const p = new SqlParams();
    const totals = this.parts(p, filter, [], bucket, [['requests', 'r.requests', '1']]);
    const hitMeasures = ['triggered', 'blocked', 'anonymized'].map((c) => `r.${c} AS ${c}`).join(', ');
    const rolled = this.rollupParts(p, filter, [], bucket, `r.policy, r.kind, r.direction, ${hitMeasures}`, '', 'trace_guardrail_rollups');
    const action = `COALESCE(f.value->>'action', e.value->>'action')`;
    const raw = this.rawParts(
      p,
      filter,
      [],
      bucket,
      `t.id, e.value->>'policy' AS policy, f.value->>'kind' AS kind, e.value->>'direction' AS direction, ${action} AS action`,
      '',
      `
         CROSS JOIN LATERAL jsonb_array_elements(t.guardrail_events) AS e(value)
         LEFT JOIN LATERAL jsonb_array_elements(e.value->'findings') AS f(value) ON true`,
    ).map(
      (sql) => `SELECT bucket, policy, kind, direction, count(DISTINCT id) AS triggered, count(DISTINCT id) FILTER (WHERE action = 'BLOCKED') AS blocked,
           count(DISTINCT id) FILTER (WHERE action = 'ANONYMIZED') AS anonymized FROM (${sql}) x WHERE action <> 'NONE' GROUP BY 1, 2, 3, 4`,
    );
    const hits = [...rolled, ...raw].join(' UNION ALL ');
    if (!hits) return [];
    // MATERIALIZED: without statistics on the rollup tables (a fresh table, autovacuum off) the planner
    // inlined `totals` into a nested loop and recomputed it per hit row (1.6 s on a 300k-trace store; 29 ms so).
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `WITH totals AS MATERIALIZED (SELECT bucket, sum(requests) AS requests FROM (${totals}) u GROUP BY bucket),
       hits AS (SELECT bucket, policy, kind, direction, sum(triggered) AS triggered, sum(blocked) AS blocked, sum(anonymized) AS anonymized
         FROM (${hits}) u GROUP BY 1, 2, 3, 4)
       SELECT h.*, tot.requests FROM hits h JOIN totals tot ON tot.bucket IS NOT DISTINCT FROM h.bucket
       WHERE h.triggered > 0
       ORDER BY h.bucket, h.policy, h.kind NULLS LAST, h.direction LIMIT ${this.maxRows + 1}`,
      p.values,
    );
    return this.capped(rows).map(toGuardrailRow);
  }

  /**
   * True when the query must read raw traces: `source: 'raw'`, or USER/TAG (not rolled up). Such a
   * scan is bounded: without a `user` filter (indexed) the time range may hold at most `rawScanMaxRows`.
   */
  private async rawOnly(filter: TraceFilterData | null | undefined, dims: Dimension[]): Promise<boolean> {
    if (this.source === 'raw') return true;
    if (!needsRaw(filter, dims)) return false;
    // A user or a trace id narrows the raw scan through an index: no range limit then.
    if (filter?.user == null && filter?.otelTraceId == null && filter?.evalRun == null) {
      const n = await this.tracesInRange(planRange(filter?.from, filter?.to));
      if (n > this.rawScanMaxRows) {
        throw new BadUserInputError('filter', `USER and TAG are answered from the raw traces, at most ${this.rawScanMaxRows} at a time; this time range holds ${n}: narrow from/to or filter by user`);
      }
    }
    return true;
  }

  /** Traces in the rolled-up part of a time range (from the rollups, regardless of other filters). */
  private async tracesInRange(plan: RangePlan): Promise<number> {
    if (!plan.rollups.length) return 0;
    const p = new SqlParams();
    // The all-traffic rows of the latency rollups: one per bucket and source.
    const parts = plan.rollups.map((range) => `SELECT r.requests FROM trace_latency_rollups_${range.level} r ${where([...rangeConditions(range, 'r.bucket', p), `r.dim = ''`])}`);
    const [row] = await this.db.query(`SELECT COALESCE(sum(requests), 0) AS n FROM (${parts.join(' UNION ALL ')}) u`, p.values);
    return num(row?.n);
  }

  /** UNION ALL of the rollup part and the raw edge parts, each selecting k0.., bucket and the measures. */
  private parts(p: SqlParams, filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket | null | undefined, measures: Measure[]): string {
    return [
      ...this.rollupParts(p, filter, dims, bucket, measures.map(([n, r]) => `${r} AS ${n}`).join(', ')),
      ...this.rawParts(p, filter, dims, bucket, measures.map(([n, , t]) => `${t} AS ${n}`).join(', ')),
    ].join(' UNION ALL ');
  }

  private rollupParts(
    p: SqlParams,
    filter: TraceFilterData | null | undefined,
    dims: Dimension[],
    bucket: TimeBucket | null | undefined,
    select: string | ((level: 'daily' | 'hourly') => string),
    join = '',
    table: 'trace_rollups' | 'trace_guardrail_rollups' = 'trace_rollups',
    ranges: RangePlan['rollups'] = planRange(filter?.from, filter?.to, bucket !== TimeBucket.HOUR).rollups,
  ): string[] {
    return ranges.map((range) => {
      const cond = rangeConditions(range, 'r.bucket', p);
      for (const [field, col] of ROLLUP_FILTERS) {
        const v = filter?.[field];
        if (v != null) cond.push(`r.${col} = ${p.add(v)}`);
      }
      // As `traceFilterConditions`: an unset source counts production traffic only.
      cond.push(`r.source = ${p.add(filter?.source ?? TraceSource.PRODUCTION)}`);
      return `SELECT ${keySelect(dims, bucket, 'r', 'r.bucket', range.level)}, ${typeof select === 'string' ? select : select(range.level)} FROM ${table}_${range.level} r${join} ${where(cond)}`;
    });
  }

  private rawParts(
    p: SqlParams,
    filter: TraceFilterData | null | undefined,
    dims: Dimension[],
    bucket: TimeBucket | null | undefined,
    select: string,
    extra = '',
    join = '',
    ranges: Range[] = planRange(filter?.from, filter?.to, bucket !== TimeBucket.HOUR).raw,
  ): string[] {
    return ranges.map((range) => {
      const cond = traceFilterConditions({ ...(filter ?? {}), from: range.from, to: range.to }, 't', p.add);
      if (extra) cond.push(extra);
      return `SELECT ${keySelect(dims, bucket, 't', 't.created_at')}, ${select} FROM traces t${join} ${where(cond)}`;
    });
  }

  /** Keeps a grouped answer bounded: a BI tool asking for user × hour over a year gets told to narrow it. */
  private capped<T>(rows: T[]): T[] {
    if (rows.length > this.maxRows) {
      throw new BadUserInputError('filter', `more than ${this.maxRows} rows: narrow the filter, group by fewer dimensions or use a coarser bucket`);
    }
    return rows;
  }

  /** Requests, tokens and cost per group and time bucket. `groupBy` must name at least one dimension. */
  async costBreakdownRaw(filter: TraceFilterData | null | undefined, groupBy: Dimension[], bucket?: TimeBucket | null): Promise<CostRow[]> {
    if (!groupBy?.length) throw new BadUserInputError('groupBy', 'name at least one dimension');
    const p = new SqlParams();
    const g = grouping(groupBy, bucket);
    const cond = traceFilterConditions(filter, 't', p.add);
    const stage = (c: string) => `sum(COALESCE(t.${c}, 0)) AS ${c}`;
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT ${g.select}, count(*) AS requests,
         sum(COALESCE(t.input_tokens, 0)) AS input_tokens, sum(COALESCE(t.output_tokens, 0)) AS output_tokens,
         sum(COALESCE(t.cache_read_tokens, 0)) AS cache_read_tokens, sum(COALESCE(t.cache_write_tokens, 0)) AS cache_write_tokens,
         sum(t.cost_micros) AS cost_micros,
         ${['cost_system_micros', 'cost_context_micros', 'cost_history_micros', 'cost_input_micros', 'cost_output_micros', 'cost_cache_read_micros', 'cost_cache_write_micros'].map(stage).join(', ')}
       FROM traces t ${g.join} ${where(cond)}
       GROUP BY ${g.groupBy} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`,
      p.values,
    );
    return this.capped(rows).map((r) => toCostRow(g.dims, r));
  }

  /** Latency average and continuous percentiles (and time-to-first-token) per group and bucket. */
  async latencyStatsRaw(filter: TraceFilterData | null | undefined, groupBy?: Dimension[] | null, bucket?: TimeBucket | null): Promise<LatencyRow[]> {
    const p = new SqlParams();
    const g = grouping(groupBy ?? [], bucket);
    const cond = traceFilterConditions(filter, 't', p.add);
    const pct = (q: number, col: string, as: string) => `percentile_cont(${q}) WITHIN GROUP (ORDER BY t.${col}) AS ${as}`;
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT ${g.select}, count(*) AS requests, avg(t.latency_ms) AS avg_ms,
         ${pct(0.5, 'latency_ms', 'p50')}, ${pct(0.95, 'latency_ms', 'p95')}, ${pct(0.99, 'latency_ms', 'p99')},
         ${pct(0.5, 'ttft_ms', 'ttft_p50')}, ${pct(0.95, 'ttft_ms', 'ttft_p95')}
       FROM traces t ${g.join} ${where(cond)}
       GROUP BY ${g.groupBy} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`,
      p.values,
    );
    return this.capped(rows).map((r) => toLatencyRow(g.dims, r));
  }

  /** Response-cache hits, hit rate and money saved per bucket. */
  async cacheStatsRaw(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<CacheRow[]> {
    const p = new SqlParams();
    const g = grouping([], bucket);
    const cond = traceFilterConditions(filter, 't', p.add);
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT ${g.select}, count(*) AS requests, count(*) FILTER (WHERE t.cached) AS hits,
         COALESCE(sum(t.saved_micros) FILTER (WHERE t.cached), 0) AS saved_micros,
         sum(COALESCE(t.cache_read_tokens, 0)) AS cache_read_tokens
       FROM traces t ${where(cond)}
       GROUP BY ${g.groupBy} ORDER BY ${g.orderBy} LIMIT ${this.maxRows + 1}`,
      p.values,
    );
    return this.capped(rows).map(toCacheRow);
  }

  /**
   * Guardrail interventions per bucket × policy × finding kind × direction, from each trace's
   * `guardrail_events`. Counts are of requests (a request with three PII findings counts once);
   * `requests` is every request of the bucket, so `rate` is the share of traffic that triggered.
   */
  async guardrailStatsRaw(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<GuardrailRow[]> {
    const p = new SqlParams();
    const g = grouping([], bucket);
    const cond = traceFilterConditions(filter, 't', p.add);
    // A finding's own action decides; an intervention without findings counts with its event action.
    const action = `COALESCE(f.value->>'action', e.value->>'action')`;
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `WITH base AS (SELECT t.id, t.guardrail_events, ${g.select} FROM traces t ${where(cond)}),
       totals AS (SELECT bucket, count(*) AS requests FROM base GROUP BY bucket),
       hits AS (
         SELECT b.bucket, e.value->>'policy' AS policy, f.value->>'kind' AS kind, e.value->>'direction' AS direction,
           count(DISTINCT b.id) AS triggered,
           count(DISTINCT b.id) FILTER (WHERE ${action} = 'BLOCKED') AS blocked,
           count(DISTINCT b.id) FILTER (WHERE ${action} = 'ANONYMIZED') AS anonymized
         FROM base b
         CROSS JOIN LATERAL jsonb_array_elements(b.guardrail_events) AS e(value)
         LEFT JOIN LATERAL jsonb_array_elements(e.value->'findings') AS f(value) ON true
         WHERE ${action} <> 'NONE'
         GROUP BY 1, 2, 3, 4)
       SELECT h.*, tot.requests FROM hits h JOIN totals tot ON tot.bucket IS NOT DISTINCT FROM h.bucket
       ORDER BY h.bucket, h.policy, h.kind NULLS LAST, h.direction LIMIT ${this.maxRows + 1}`,
      p.values,
    );
    return this.capped(rows).map(toGuardrailRow);
  }
}

/** The percentiles of LatencyRow from merged, sorted sketches. */
function percentiles(l: SortedBins, t: SortedBins): Percentiles {
  return [sketchQuantile(l, 0.5), sketchQuantile(l, 0.95), sketchQuantile(l, 0.99), sketchQuantile(t, 0.5), sketchQuantile(t, 0.95)];
}

/** The percentiles of a group of several rollup rows (`refs`, parsed in `sketches`) plus the raw edge's bins (`extra`). */
function mergedPercentiles(refs: readonly string[], sketches: ReadonlyMap<string, RowSketches>, extra: { l: Map<number, number>; t: Map<number, number> } | undefined): Percentiles {
  const l = new Map<number, number>(extra?.l);
  const t = new Map<number, number>(extra?.t);
  for (const ref of refs) {
    const s = sketches.get(ref)!;
    addBins(l, s.l);
    addBins(t, s.t);
  }
  return percentiles(sortBins(l), sortBins(t));
}

/**
 * A latency answer row from its summed counts and its percentiles. Built field by field: spreading
 * the driver's row into a new object (`{ ...r, p50 }`) was most of a warm 4,314-group answer's Node
 * CPU (profiled: latencyStats [MODEL] by HOUR over 30 days).
 */
function latencyRow(dims: Dimension[], r: Record<string, unknown>, p: Percentiles): LatencyRow {
  const n = num(r.latency_count);
  return Object.assign(new LatencyRow(), {
    keys: keysOf(dims, r),
    bucket: dateOrNull(r.bucket),
    requests: num(r.requests),
    avgMs: n ? num(r.latency_sum) / n : null,
    p50Ms: p[0],
    p95Ms: p[1],
    p99Ms: p[2],
    ttftP50Ms: p[3],
    ttftP95Ms: p[4],
  });
}

const GRAPHQL_INT_MAX = 2_147_483_647;

/**
 * A token sum as the contract's `Int` (32-bit). A larger sum cannot be carried by that type: the
 * caller is told to ask per time bucket or with a narrower filter, instead of getting a serialization
 * failure.
 */
function intSum(value: unknown, field: string): number {
  const n = num(value);
  if (n > GRAPHQL_INT_MAX) {
    throw new BadUserInputError('bucket', `${field} sums to ${n}, more than a GraphQL Int can carry (${GRAPHQL_INT_MAX}): ask per time bucket or narrow the filter`);
  }
  return n;
}

/** A result row (columns k0.., bucket and the measures) as the GraphQL type; shared with the ClickHouse store. */
export function toCostRow(dims: Dimension[], r: Record<string, unknown>): CostRow {
  return Object.assign(new CostRow(), {
    keys: keysOf(dims, r),
    bucket: dateOrNull(r.bucket),
    requests: num(r.requests),
    inputTokens: intSum(r.input_tokens, 'inputTokens'),
    outputTokens: intSum(r.output_tokens, 'outputTokens'),
    cacheReadTokens: intSum(r.cache_read_tokens, 'cacheReadTokens'),
    cacheWriteTokens: intSum(r.cache_write_tokens, 'cacheWriteTokens'),
    costUsd: microsToUsd(String(r.cost_micros ?? 0)),
    costByStage: StageCost.fromMicros({
      system: String(r.cost_system_micros ?? 0),
      context: String(r.cost_context_micros ?? 0),
      history: String(r.cost_history_micros ?? 0),
      input: String(r.cost_input_micros ?? 0),
      output: String(r.cost_output_micros ?? 0),
      cacheRead: String(r.cost_cache_read_micros ?? 0),
      cacheWrite: String(r.cost_cache_write_micros ?? 0),
    }),
  });
}

/** A result row (columns k0.., bucket and the measures) as the GraphQL type; shared with the ClickHouse store. */
export function toLatencyRow(dims: Dimension[], r: Record<string, unknown>): LatencyRow {
  return Object.assign(new LatencyRow(), {
    keys: keysOf(dims, r),
    bucket: dateOrNull(r.bucket),
    requests: num(r.requests),
    avgMs: numOrNull(r.avg_ms),
    p50Ms: numOrNull(r.p50),
    p95Ms: numOrNull(r.p95),
    p99Ms: numOrNull(r.p99),
    ttftP50Ms: numOrNull(r.ttft_p50),
    ttftP95Ms: numOrNull(r.ttft_p95),
  });
}

/** A result row (columns k0.., bucket and the measures) as the GraphQL type; shared with the ClickHouse store. */
export function toCacheRow(r: Record<string, unknown>): CacheRow {
  const requests = num(r.requests);
  const hits = num(r.hits);
  return Object.assign(new CacheRow(), {
    bucket: dateOrNull(r.bucket),
    requests,
    hits,
    hitRate: requests ? hits / requests : 0,
    savedUsd: microsToUsd(String(r.saved_micros ?? 0)),
    promptCacheReadTokens: intSum(r.cache_read_tokens, 'promptCacheReadTokens'),
  });
}

/** A result row (columns k0.., bucket and the measures) as the GraphQL type; shared with the ClickHouse store. */
export function toGuardrailRow(r: Record<string, unknown>): GuardrailRow {
  const requests = num(r.requests);
  const triggered = num(r.triggered);
  return Object.assign(new GuardrailRow(), {
    bucket: dateOrNull(r.bucket),
    policy: String(r.policy),
    kind: r.kind === null || r.kind === undefined ? null : String(r.kind),
    direction: String(r.direction) as GuardrailRow['direction'],
    requests,
    triggered,
    blocked: num(r.blocked),
    anonymized: num(r.anonymized),
    rate: requests ? triggered / requests : 0,
  });
}
