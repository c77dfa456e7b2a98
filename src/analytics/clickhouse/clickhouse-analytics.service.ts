import type { DataSource } from 'typeorm';
import {
  type ClickHouseTraceStore,
  NULL_VERSION,
  STAGE_COST_COLUMNS,
  TOKEN_COLUMNS,
  clickHouseFilterConditions,
  clickHouseSeconds,
  literal,
  sketchQuantile,
  TraceSource,
  type TraceFilterData,
} from '../../traces';
import { BadUserInputError } from '../../graphql/errors';
import {
  AnalyticsService,
  EXACT_PERCENTILE_MAX_ROWS,
  MAX_ANALYTICS_ROWS,
  RAW_SCAN_MAX_ROWS,
  planRange,
  toCacheRow,
  toCostRow,
  toGuardrailRow,
  toLatencyRow,
  type AnalyticsServiceOptions,
} from '../analytics.service';
import { Dimension, TimeBucket, type CacheRow, type CostRow, type GuardrailRow, type LatencyRow } from '../analytics.types';

/** Each dimension over the raw `traces` (TAG over the ARRAY JOIN alias `tag`) and over a rollup row. */
const DIMENSION: Record<Dimension, { raw: string; rollup: string | null }> = {
  [Dimension.PROMPT]: { raw: 'prompt', rollup: `nullIf(prompt, '\\0')` },
  [Dimension.PROMPT_VERSION]: { raw: 'prompt_version', rollup: `nullIf(prompt_version, ${NULL_VERSION})` },
  [Dimension.LABEL]: { raw: 'label', rollup: `nullIf(label, '\\0')` },
  [Dimension.MODEL]: { raw: 'model_id', rollup: `nullIf(model_id, '\\0')` },
  [Dimension.ROUTE_RULE]: { raw: 'route_rule', rollup: `nullIf(route_rule, '\\0')` },
  [Dimension.USER]: { raw: 'user', rollup: null },
  [Dimension.API_KEY]: { raw: 'api_key', rollup: `nullIf(api_key, '\\0')` },
  [Dimension.TAG]: { raw: `nullIf(tag, '\\0')`, rollup: null },
};

/** An untagged trace counts under TAG with key null (as on PostgreSQL). */
const TAG_JOIN = `ARRAY JOIN if(empty(tags), ['\\0'], tags) AS tag`;

/**
 * The bucket of a `DateTime('UTC')` expression as an integer: unix seconds for HOUR, DAY and WEEK
 * (weeks start on Monday: 1970-01-01 was a Thursday), a month number (year × 12 + month − 1) for
 * MONTH. Integer arithmetic, so it does not depend on the server's time zone.
 */
function bucketSql(bucket: TimeBucket | null | undefined, dt: string): string {
  switch (bucket) {
    case TimeBucket.HOUR:
      return `toInt64(intDiv(toUInt32(${dt}), 3600) * 3600)`;
    case TimeBucket.DAY:
      return `toInt64(intDiv(toUInt32(${dt}), 86400) * 86400)`;
    case TimeBucket.WEEK:
      return `toInt64((intDiv(intDiv(toUInt32(${dt}), 86400) + 3, 7) * 7 - 3) * 86400)`;
    case TimeBucket.MONTH:
      return `toInt64(toYear(${dt}) * 12 + toMonth(${dt}) - 1)`;
    default:
      return 'toInt64(0)';
  }
}

function bucketDate(bucket: TimeBucket | null | undefined, v: unknown): Date | null {
  if (!bucket) return null;
  const n = Number(v);
  return bucket === TimeBucket.MONTH ? new Date(Date.UTC(Math.floor(n / 12), n % 12, 1)) : new Date(n * 1000);
}

/** One summed measure: its expression over a rollup row and over a raw trace (both cast to the same type, as UNION ALL needs on 18.16). */
type Measure = [name: string, rollup: string, raw: string];

const i64 = (x: string) => `toInt64(${x})`;
const COST_MEASURES: Measure[] = [['requests', i64('requests'), i64('1')], ...[...TOKEN_COLUMNS, 'cost_micros', ...STAGE_COST_COLUMNS].map((c): Measure => [c, i64(c), i64(`ifNull(${c}, 0)`)])];
const CACHE_MEASURES: Measure[] = [
  ['requests', i64('requests'), i64('1')],
  ['hits', i64('if(cached = 1, requests, 0)'), i64('cached')],
  ['saved_micros', i64('if(cached = 1, saved_micros, 0)'), i64('if(cached = 1, saved_micros, 0)')],
  ['cache_read_tokens', i64('cache_read_tokens'), i64('ifNull(cache_read_tokens, 0)')],
];
const LATENCY_MEASURES: Measure[] = [
  ['requests', i64('requests'), i64('1')],
  ['latency_count', i64('latency_count'), i64('isNotNull(latency_ms)')],
  ['latency_sum', 'toFloat64(latency_sum)', 'toFloat64(ifNull(latency_ms, 0))'],
];
/** Sketch bins: arrays of keys and counts, merged by `sumMap`. */
const BIN_MEASURES: Array<[name: string, keys: [string, string], counts: [string, string]]> = [
  ['lat', ['`latencyMap.key`', 'latency_key'], ['`latencyMap.count`', 'arrayMap(x -> toUInt64(1), latency_key)']],
  ['ttft', ['`ttftMap.key`', 'ttft_key'], ['`ttftMap.count`', 'arrayMap(x -> toUInt64(1), ttft_key)']],
];

/** The rolled-up filter fields: the rollup column and its value as stored. */
const ROLLUP_FILTERS = [
  ['prompt', 'prompt'],
  ['label', 'label'],
  ['modelId', 'model_id'],
  ['apiKey', 'api_key'],
  ['status', 'status'],
] as const;

function needsRaw(filter: TraceFilterData | null | undefined, dims: Dimension[]): boolean {
  return dims.includes(Dimension.USER) || dims.includes(Dimension.TAG) || filter?.user != null || Boolean(filter?.tags?.length) || filter?.evalRun != null || filter?.otelTraceId != null;
}

const where = (c: string[]) => (c.length ? `WHERE ${c.join(' AND ')}` : '');

/** sumMap's result (a tuple of sorted keys and counts) as sketch bins. */
function bins(v: unknown): Array<[number, number]> {
  const [keys, counts] = (v ?? [[], []]) as [unknown[], unknown[]];
  return keys.map((k, i) => [Number(k), Number(counts[i])]);
}

/** percentile_cont over sorted values: linear interpolation between the two values around rank q·(n−1). */
function percentileCont(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (b - a) * (pos - lo);
}

/**
 * The analytics queries answered from ClickHouse (`CLICKHOUSE_URL`), with the same contract as the
 * PostgreSQL service: the rolled-up whole hours come from `trace_rollups_hourly` (kept by a
 * materialized view), the partial hours at both ends from the raw `traces`, and one GROUP BY over
 * their UNION ALL gives the answer, equal to the plain GROUP BY over the raw traces. Latency
 * percentiles come from the same DDSketch bins (1% relative accuracy) merged with `sumMap`, or
 * exactly (percentile_cont) while the range holds at most `exactPercentileMaxRows` traces.
 * `source: 'raw'` answers every query with the plain GROUP BY over `traces FINAL` (the benchmark's
 * reference).
 */
export class ClickHouseAnalyticsService extends AnalyticsService {
  private readonly chMaxRows: number;
  private readonly chSource: 'rollups' | 'raw';
  private readonly chExactMax: number;
  private readonly chRawScanMax: number;

  constructor(
    db: DataSource,
    private readonly store: ClickHouseTraceStore,
    options: AnalyticsServiceOptions = {},
  ) {
    super(db, options);
    this.chMaxRows = options.maxRows ?? MAX_ANALYTICS_ROWS;
    this.chSource = options.source ?? 'rollups';
    this.chExactMax = options.exactPercentileMaxRows ?? EXACT_PERCENTILE_MAX_ROWS;
    this.chRawScanMax = options.rawScanMaxRows ?? RAW_SCAN_MAX_ROWS;
  }

  override async costBreakdown(filter: TraceFilterData | null | undefined, groupBy: Dimension[], bucket?: TimeBucket | null): Promise<CostRow[]> {
    if (!groupBy?.length) throw new BadUserInputError('groupBy', 'name at least one dimension');
    const dims = [...new Set(groupBy)];
    const rows = await this.grouped(filter, dims, bucket, COST_MEASURES);
    return rows.map((r) => toCostRow(dims, { ...r, bucket: bucketDate(bucket, r.bk) }));
  }

  override async cacheStats(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<CacheRow[]> {
    const rows = await this.grouped(filter, [], bucket, CACHE_MEASURES);
    return rows.map((r) => toCacheRow({ ...r, bucket: bucketDate(bucket, r.bk) }));
  }

  override async latencyStats(filter: TraceFilterData | null | undefined, groupBy?: Dimension[] | null, bucket?: TimeBucket | null): Promise<LatencyRow[]> {
    const dims = [...new Set(groupBy ?? [])];
    const raw = await this.readsRaw(filter, dims);
    if (raw || (await this.chTracesInRange(filter)) <= this.chExactMax) {
      // Exact: every latency of each group, sorted by ClickHouse; percentile_cont computed here.
      const rows = await this.store.query(
        `SELECT ${this.keys(dims, bucket, 'raw', 'created_at')}, count() AS requests, count(latency_ms) AS latency_count, sum(ifNull(latency_ms, 0)) AS latency_sum,
           arraySort(groupArray(latency_ms)) AS lat, arraySort(groupArray(ttft_ms)) AS ttft
         FROM traces FINAL ${dims.includes(Dimension.TAG) ? TAG_JOIN : ''} ${where(clickHouseFilterConditions(filter))}
         GROUP BY ${this.groupKeys(dims)} HAVING requests > 0 ORDER BY ${this.orderKeys(dims)} LIMIT ${this.chMaxRows + 1}`,
      );
      return this.chCapped(rows).map((r) => {
        const lat = (r.lat as number[]).map(Number);
        const ttft = (r.ttft as number[]).map(Number);
        const n = Number(r.latency_count);
        return toLatencyRow(dims, {
          ...r,
          bucket: bucketDate(bucket, r.bk),
          avg_ms: n ? Number(r.latency_sum) / n : null,
          p50: percentileCont(lat, 0.5),
          p95: percentileCont(lat, 0.95),
          p99: percentileCont(lat, 0.99),
          ttft_p50: percentileCont(ttft, 0.5),
          ttft_p95: percentileCont(ttft, 0.95),
        });
      });
    }
    const rows = await this.grouped(filter, dims, bucket, LATENCY_MEASURES, true);
    return rows.map((r) => {
      const n = Number(r.latency_count);
      const lat = bins(r.lat);
      const ttft = bins(r.ttft);
      return toLatencyRow(dims, {
        ...r,
        bucket: bucketDate(bucket, r.bk),
        avg_ms: n ? Number(r.latency_sum) / n : null,
        p50: sketchQuantile(lat, 0.5),
        p95: sketchQuantile(lat, 0.95),
        p99: sketchQuantile(lat, 0.99),
        ttft_p50: sketchQuantile(ttft, 0.5),
        ttft_p95: sketchQuantile(ttft, 0.95),
      });
    });
  }

  override async guardrailStats(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<GuardrailRow[]> {
    const raw = await this.readsRaw(filter, []);
    const totals = await this.grouped(filter, [], bucket, [['requests', i64('requests'), i64('1')]], false, raw);
    const requests = new Map(totals.map((r) => [String(r.bk), r.requests]));
    const hitCols = `policy AS g_policy, nullIf(kind, '\\0') AS g_kind, direction AS g_direction`;
    const parts = [
      ...(raw
        ? []
        : this.chRollupParts(
            filter,
            [],
            bucket,
            `${hitCols}, toInt64(triggered) AS m_triggered, toInt64(blocked) AS m_blocked, toInt64(anonymized) AS m_anonymized`,
            'trace_guardrail_rollups_hourly',
          )),
      ...this.chRawParts(
        filter,
        [],
        bucket,
        `gp AS g_policy, nullIf(gk, '\\0') AS g_kind, gd AS g_direction, toInt64(1) AS m_triggered, toInt64(gb) AS m_blocked, toInt64(ga) AS m_anonymized`,
        raw,
        'ARRAY JOIN gr_policy AS gp, gr_kind AS gk, gr_direction AS gd, gr_blocked AS gb, gr_anonymized AS ga',
      ),
    ];
    if (!parts.length) return [];
    const rows = await this.store.query(
      `SELECT bk, g_policy AS policy, g_kind AS kind, g_direction AS direction, sum(m_triggered) AS triggered, sum(m_blocked) AS blocked, sum(m_anonymized) AS anonymized
       FROM (${parts.join(' UNION ALL ')}) GROUP BY bk, g_policy, g_kind, g_direction HAVING triggered > 0
       ORDER BY bk, g_policy, g_kind ASC NULLS LAST, g_direction LIMIT ${this.chMaxRows + 1}`,
    );
    return this.chCapped(rows).map((r) => toGuardrailRow({ ...r, bucket: bucketDate(bucket, r.bk), requests: requests.get(String(r.bk)) ?? 0 }));
  }

  /** GROUP BY keys and bucket with the sum of each measure (and the merged sketch bins), over the rollup and raw parts. */
  private async grouped(filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket | null | undefined, measures: Measure[], withBins = false, raw?: boolean) {
    const readRaw = raw ?? (await this.readsRaw(filter, dims));
    const binSelect = (i: 0 | 1) => (withBins ? BIN_MEASURES.map(([n, k, c]) => `, ${k[i]} AS m_${n}_k, ${c[i]} AS m_${n}_c`).join('') : '');
    const parts = [
      ...(readRaw ? [] : this.chRollupParts(filter, dims, bucket, measures.map(([n, r]) => `${r} AS m_${n}`).join(', ') + binSelect(0))),
      ...this.chRawParts(filter, dims, bucket, measures.map(([n, , t]) => `${t} AS m_${n}`).join(', ') + binSelect(1), readRaw),
    ];
    // HAVING: without a bucket or dimension the GROUP BY key is a constant, and ClickHouse then answers an empty input with one row of zeros.
    const keys = [...dims.map((_, i) => `k${i}`), 'bk'];
    const sums = measures.map(([n]) => `sum(m_${n}) AS ${n}`);
    if (withBins) sums.push(...BIN_MEASURES.map(([n]) => `sumMap(m_${n}_k, m_${n}_c) AS ${n}`));
    const rows = await this.store.query(
      `SELECT ${keys.join(', ')}, ${sums.join(', ')} FROM (${parts.join(' UNION ALL ')}) GROUP BY ${this.groupKeys(dims)} HAVING requests > 0 ORDER BY ${this.orderKeys(dims)} LIMIT ${this.chMaxRows + 1}`,
    );
    return this.chCapped(rows);
  }

  private keys(dims: Dimension[], bucket: TimeBucket | null | undefined, side: 'raw' | 'rollup', dt: string): string {
    const items = dims.map((d, i) => `${DIMENSION[d][side]} AS k${i}`);
    // Not `bucket`: an alias is visible in WHERE, and the rollup tables have a column of that name.
    items.push(`${bucketSql(bucket, dt)} AS bk`);
    return items.join(', ');
  }

  private groupKeys(dims: Dimension[]): string {
    return ['bk', ...dims.map((_, i) => `k${i}`)].join(', ');
  }

  private orderKeys(dims: Dimension[]): string {
    return ['bk', ...dims.map((_, i) => `k${i} ASC NULLS LAST`)].join(', ');
  }

  /** The whole hours of the range from an hourly rollup table (none when the query reads raw). */
  private chRollupParts(filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket | null | undefined, select: string, table = 'trace_rollups_hourly'): string[] {
    return planRange(filter?.from, filter?.to, false).rollups.map((range) => {
      const cond: string[] = [];
      if (range.from) cond.push(`bucket >= ${clickHouseSeconds(range.from.getTime())}`);
      if (range.to) cond.push(`bucket < ${clickHouseSeconds(range.to.getTime())}`);
      for (const [field, col] of ROLLUP_FILTERS) {
        const v = filter?.[field];
        if (v != null) cond.push(`${col} = ${literal(v)}`);
      }
      if (filter?.cached != null) cond.push(`cached = ${filter.cached ? 1 : 0}`);
      cond.push(`source = ${literal(filter?.source ?? TraceSource.PRODUCTION)}`);
      return `SELECT ${this.keys(dims, bucket, 'rollup', 'bucket')}, ${select} FROM ${table} ${where(cond)}`;
    });
  }

  /** The partial hours at the edges from the raw traces; the whole range when `all`. */
  private chRawParts(filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket | null | undefined, select: string, all: boolean, join = ''): string[] {
    const ranges = all ? [{ from: filter?.from ?? null, to: filter?.to ?? null }] : planRange(filter?.from, filter?.to, false).raw;
    const tagJoin = dims.includes(Dimension.TAG) ? TAG_JOIN : '';
    return ranges.map((range) => {
      const cond = clickHouseFilterConditions({ ...(filter ?? {}), from: range.from, to: range.to });
      return `SELECT ${this.keys(dims, bucket, 'raw', 'created_at')}, ${select} FROM traces FINAL ${tagJoin} ${join} ${where(cond)}`;
    });
  }

  /** True when the query reads only raw traces: `source: 'raw'`, or USER/TAG/eval run (not rolled up; bounded as on PostgreSQL). */
  private async readsRaw(filter: TraceFilterData | null | undefined, dims: Dimension[]): Promise<boolean> {
    if (this.chSource === 'raw') return true;
    if (!needsRaw(filter, dims)) return false;
    if (filter?.user == null && filter?.otelTraceId == null && filter?.evalRun == null) {
      const n = await this.chTracesInRange(filter);
      if (n > this.chRawScanMax) {
        throw new BadUserInputError('filter', `USER and TAG are answered from the raw traces, at most ${this.chRawScanMax} at a time; this time range holds ${n}: narrow from/to or filter by user`);
      }
    }
    return true;
  }

  /** Traces in the whole hours of the range, from the rollups (regardless of other filters). */
  private async chTracesInRange(filter: TraceFilterData | null | undefined): Promise<number> {
    const plan = planRange(filter?.from, filter?.to, false);
    if (!plan.rollups.length) return 0;
    const cond = plan.rollups.map((r) => {
      const c = ['1'];
      if (r.from) c.push(`bucket >= ${clickHouseSeconds(r.from.getTime())}`);
      if (r.to) c.push(`bucket < ${clickHouseSeconds(r.to.getTime())}`);
      return `(${c.join(' AND ')})`;
    });
    const [row] = await this.store.query<{ n: string }>(`SELECT sum(requests) AS n FROM trace_rollups_hourly WHERE ${cond.join(' OR ')}`);
    return Number(row?.n ?? 0);
  }

  private chCapped<T>(rows: T[]): T[] {
    if (rows.length > this.chMaxRows) {
      throw new BadUserInputError('filter', `more than ${this.chMaxRows} rows: narrow the filter, group by fewer dimensions or use a coarser bucket`);
    }
    return rows;
  }
}
