import type { DataSource } from 'typeorm';
import {
  type ClickHouseTraceStore,
  NULL_VERSION,
  STAGE_COST_COLUMNS,
  STORED_PERCENTILES_TABLE,
  TOKEN_COLUMNS,
  clickHouseFilterConditions,
  clickHouseSeconds,
  literal,
  sketchValue,
  TraceSource,
  type TraceFilterData,
} from '../../traces';
import { BadUserInputError } from '../../graphql/errors';
import {
  AnalyticsService,
  EXACT_PERCENTILE_MAX_ROWS,
  MAX_ANALYTICS_ROWS,
  RAW_SCAN_MAX_ROWS,
  latencyRollupDims,
  planRange,
  toCacheRow,
  toCostRow,
  toGuardrailRow,
  toLatencyRow,
  type AnalyticsServiceOptions,
  type LatencyRollupDims,
} from '../analytics.service';
import { Dimension, TimeBucket, type CacheRow, type CostRow, type GuardrailRow, type LatencyRow } from '../analytics.types';
import { LRUCache } from 'lru-cache';
import { SKETCH_CACHE_ROWS, type Percentiles } from '../latency-sketches';
import { percentileCont } from '../../core/percentile-cont';

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

/** A dimension's key over a per-dimension latency rollup row (`value`, text; NULL_KEY for null). */
const narrowKey = (d: Dimension, col = 'value') => (d === Dimension.PROMPT_VERSION ? `if(${col} = '\\0', NULL, toInt32(${col}))` : `nullIf(${col}, '\\0')`);

/** A dimension's key over a per-dimension or per-pair latency rollup row: `value` holds `spec.dim`, `value2` `spec.dim2` (`v`/`v2` once renamed). */
const rollupKey = (d: Dimension, spec: LatencyRollupDims, prefix = 'value') => narrowKey(d, DIMENSION[d].raw === spec.dim ? prefix : `${prefix}2`);

/**
 * The per-dimension tables answer one dimension (or none): counts, and bins as rows. The per-pair
 * table answers two: counts and bins (Nested maps, unrolled by `join`) in the same rows.
 */
function latencyTables(spec: LatencyRollupDims): { counts: string; bins: string; bin: string; join: string } {
  return spec.dim2
    ? { counts: 'trace_latency_pair_rollups_hourly', bins: 'trace_latency_pair_rollups_hourly', bin: BIN_COLUMNS, join: ROLLUP_BINS_JOIN }
    : { counts: 'trace_latency_rollups_hourly', bins: 'trace_latency_bins_hourly', bin: 'metric, bin AS key, n AS count', join: '' };
}

/** A raw trace's value of each per-dimension rollup dimension, as the rollup stores it (text, null as '\\0'). */
const NARROW_RAW_VALUE: Record<string, string> = {
  '': "''",
  prompt: `ifNull(prompt, '\\0')`,
  prompt_version: `ifNull(toString(prompt_version), '\\0')`,
  label: `ifNull(label, '\\0')`,
  model_id: `ifNull(model_id, '\\0')`,
  route_rule: `ifNull(route_rule, '\\0')`,
  api_key: `ifNull(api_key, '\\0')`,
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
/** Sketch bins as rows (metric 0 latency, 1 time to first token; key; count), from a raw trace's keys and from a rollup row's Nested map. */
const RAW_BINS_JOIN = 'ARRAY JOIN arrayConcat(arrayMap(x -> (toUInt8(0), x, toUInt64(1)), latency_key), arrayMap(x -> (toUInt8(1), x, toUInt64(1)), ttft_key)) AS b';
const ROLLUP_BINS_JOIN =
  'ARRAY JOIN arrayConcat(arrayMap((x, c) -> (toUInt8(0), x, c), `latencyMap.key`, `latencyMap.count`), arrayMap((x, c) -> (toUInt8(1), x, c), `ttftMap.key`, `ttftMap.count`)) AS b';
const BIN_COLUMNS = 'b.1 AS metric, b.2 AS key, b.3 AS count';

/**
 * The key of the sketch bin holding quantile q of sorted `(key, count)` tuples `s` with total `n`: the
 * first bin whose cumulative count exceeds q·(n − 1), as `sketchQuantile` (and DDSketch) does.
 */
const quantileKey = (q: number) => `s[arrayFirstIndex(x -> x > ${q} * (n - 1), arrayCumSum(arrayMap(x -> x.2, s)))].1`;

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

/** [start, end) in ms of the bucket `bk` (as `bucketSql` gives it); the whole time line without a bucket. */
function bucketSpan(bucket: TimeBucket | null | undefined, bk: unknown): [number, number] {
  const n = Number(bk);
  switch (bucket) {
    case TimeBucket.HOUR:
      return [n * 1000, (n + 3600) * 1000];
    case TimeBucket.DAY:
      return [n * 1000, (n + 86_400) * 1000];
    case TimeBucket.WEEK:
      return [n * 1000, (n + 7 * 86_400) * 1000];
    case TimeBucket.MONTH:
      return [Date.UTC(Math.floor(n / 12), n % 12, 1), Date.UTC(Math.floor(n / 12), (n % 12) + 1, 1)];
    default:
      return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  }
}

/**
 * What a group of a latency answer holds, as a cache key: the filter (but its time range), the
 * group's keys, the part of its bucket inside the range, and its counts (requests and latencies; not
 * the latency sum, whose last digits depend on the order ClickHouse adds in). Traces are only ever added to ClickHouse (a replay is not inserted twice; retention
 * drops whole weeks), so a group whose counts did not change holds the same traces: its percentiles
 * can be reused. Also returns that part of the time line, [from, to) in ms.
 */
function groupIdentity(filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket | null | undefined, r: Record<string, unknown>) {
  const [start, end] = bucketSpan(bucket, r.bk);
  const from = Math.max(start, filter?.from?.getTime() ?? Number.NEGATIVE_INFINITY);
  const to = Math.min(end, filter?.to?.getTime() ?? Number.POSITIVE_INFINITY);
  const rest = Object.entries({ ...(filter ?? {}), from: undefined, to: undefined })
    .filter(([, v]) => v !== undefined && v !== null)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const spec = JSON.stringify([rest, bucket ?? null, dims]);
  const keys = JSON.stringify(dims.map((_, i) => r[`k${i}`] ?? null));
  const [bk, requests, latencyCount] = [String(r.bk), String(r.requests), String(r.latency_count)];
  const key = JSON.stringify([spec, bk, keys, from, to, requests, latencyCount]);
  return { key, from, to, spec, keys, bk, requests, latencyCount };
}

type GroupIdentity = ReturnType<typeof groupIdentity>;
/** Where a group's stored percentiles are found in `trace_latency_percentiles` (besides its spec). */
const storedAt = (g: { from: number; to: number; bk: string; keys: string }) => JSON.stringify([g.from, g.to, g.bk, g.keys]);

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
  /** Percentiles of a group, keyed by what it holds (see `groupIdentity`); null when disabled (`sketchCacheRows: 0`). */
  private readonly percentileCache: LRUCache<string, Percentiles> | null;
  /** Whether closed groups' percentiles are stored in and read from `trace_latency_percentiles` (`storedPercentiles`). */
  private readonly chStored: boolean;

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
    const cacheRows = options.sketchCacheRows ?? SKETCH_CACHE_ROWS;
    this.percentileCache = cacheRows > 0 ? new LRUCache({ max: cacheRows }) : null;
    this.chStored = options.storedPercentiles ?? true;
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
    const narrow = latencyRollupDims(filter, dims);
    const counts = narrow
      ? await this.groupedParts(
          dims,
          [
            ...this.narrowParts(filter, dims, bucket, latencyTables(narrow).counts, narrow, LATENCY_MEASURES.map(([n, r]) => `${r} AS m_${n}`).join(', ')),
            ...this.chRawParts(filter, dims, bucket, LATENCY_MEASURES.map(([n, , t]) => `${t} AS m_${n}`).join(', '), false),
          ],
          LATENCY_MEASURES,
        )
      : await this.grouped(filter, dims, bucket, LATENCY_MEASURES);
    const groupOf = (r: Record<string, unknown>) => JSON.stringify([String(r.bk), ...dims.map((_, i) => r[`k${i}`] ?? null)]);
    const identities = counts.map((r) => groupIdentity(filter, dims, bucket, r));
    const known = new Map<string, Percentiles>();
    // Closed groups (their part of the time line ended before now) not in the cache: their stored percentiles, when their counts still match.
    const now = Date.now();
    const closed = (g: GroupIdentity) => this.chStored && Number.isFinite(g.from) && Number.isFinite(g.to) && g.to <= now;
    const lookup = identities.filter((g) => closed(g) && !this.percentileCache?.has(g.key));
    const stored = lookup.length ? await this.chReadStored(lookup) : new Map<string, Percentiles>();
    let span: { from: number; to: number } | null = null;
    const computed: number[] = [];
    counts.forEach((r, i) => {
      const hit = this.percentileCache?.get(identities[i]!.key) ?? stored.get(identities[i]!.key);
      if (hit) {
        this.percentileCache?.set(identities[i]!.key, hit);
        return void known.set(groupOf(r), hit);
      }
      computed.push(i);
      const { from, to } = identities[i]!;
      span = span ? { from: Math.min(span.from, from), to: Math.max(span.to, to) } : { from, to };
    });
    if (span) {
      // The bins of the groups not in the cache nor stored: only the part of the range they cover is read.
      const { from, to } = span as { from: number; to: number };
      const sub = { ...(filter ?? {}), from: Number.isFinite(from) ? new Date(from) : null, to: Number.isFinite(to) ? new Date(to) : null };
      for (const [group, p] of await this.sketchPercentiles(sub, dims, bucket, narrow)) if (!known.has(group)) known.set(group, p);
      const store: Array<[GroupIdentity, Percentiles]> = [];
      for (const i of computed) {
        // A group without any bin in its range has no latency nor time to first token: null percentiles.
        const p = known.get(groupOf(counts[i]!)) ?? [null, null, null, null, null];
        this.percentileCache?.set(identities[i]!.key, p);
        if (closed(identities[i]!)) store.push([identities[i]!, p]);
      }
      await this.chWriteStored(store);
    }
    return counts.map((r) => {
      const n = Number(r.latency_count);
      const [p50, p95, p99, ttftP50, ttftP95] = known.get(groupOf(r)) ?? [null, null, null, null, null];
      return toLatencyRow(dims, { ...r, bucket: bucketDate(bucket, r.bk), avg_ms: n ? Number(r.latency_sum) / n : null, p50, p95, p99, ttft_p50: ttftP50, ttft_p95: ttftP95 });
    });
  }

  /**
   * The stored percentiles of closed groups (`trace_latency_percentiles`, read with FINAL: the row at
   * the most requests), keyed by `groupIdentity`'s key; only rows whose requests and latency count
   * equal the group's (a group that gained traces since is computed again). One query over the
   * groups' time span.
   */
  private async chReadStored(groups: GroupIdentity[]): Promise<Map<string, Percentiles>> {
    const out = new Map<string, Percentiles>();
    const bySpec = new Map<string, GroupIdentity[]>();
    for (const g of groups) {
      const list = bySpec.get(g.spec);
      if (list) list.push(g);
      else bySpec.set(g.spec, [g]);
    }
    for (const [spec, list] of bySpec) {
      const want = new Map(list.map((g) => [storedAt(g), g]));
      const from = list.reduce((a, g) => Math.min(a, g.from), Number.POSITIVE_INFINITY);
      const to = list.reduce((a, g) => Math.max(a, g.to), Number.NEGATIVE_INFINITY);
      let rows: Array<Record<string, unknown>>;
      try {
        rows = await this.store.query<Record<string, unknown>>(
          `SELECT from_ms, to_ms, bk, keys, requests, latency_count, p50, p95, p99, ttft_p50, ttft_p95 FROM ${STORED_PERCENTILES_TABLE} FINAL
           WHERE spec = ${literal(spec)} AND from_ms >= ${from} AND to_ms <= ${to}`,
        );
      } catch {
        // Best effort, as the write: without the table (a store not initialized by this version) every group is computed.
        continue;
      }
      for (const r of rows) {
        const g = want.get(storedAt({ from: Number(r.from_ms), to: Number(r.to_ms), bk: String(r.bk), keys: String(r.keys) }));
        if (!g || String(r.requests) !== g.requests || String(r.latency_count) !== g.latencyCount) continue;
        const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
        out.set(g.key, [num(r.p50), num(r.p95), num(r.p99), num(r.ttft_p50), num(r.ttft_p95)]);
      }
    }
    return out;
  }

  /** Stores the percentiles of closed groups computed from their bins (best effort: a failed write leaves the answer as it is). */
  private async chWriteStored(groups: Array<[GroupIdentity, Percentiles]>): Promise<void> {
    if (!groups.length) return;
    const rows = groups.map(([g, [p50, p95, p99, ttftP50, ttftP95]]) => ({
      spec: g.spec,
      from_ms: g.from,
      to_ms: g.to,
      bk: g.bk,
      keys: g.keys,
      requests: Number(g.requests),
      latency_count: Number(g.latencyCount),
      p50,
      p95,
      p99,
      ttft_p50: ttftP50,
      ttft_p95: ttftP95,
    }));
    try {
      await this.store.insertRows(STORED_PERCENTILES_TABLE, rows);
    } catch {
      // Read-only user or a store without the table: the percentiles are computed again next time.
    }
  }

  /**
   * The percentiles of each group (keyed as `groupOf`) from the sketch bins of the range: the
   * per-dimension bins (`trace_latency_bins_hourly`) or the per-pair Nested maps (`trace_latency_pair_rollups_hourly`) when `narrow`, else the Nested maps of
   * `trace_rollups_hourly`, plus the raw partial hours at the edges. The bins are summed per group and
   * key, and each percentile's bin found by ClickHouse: three keys per group and metric travel.
   */
  private async sketchPercentiles(filter: TraceFilterData, dims: Dimension[], bucket: TimeBucket | null | undefined, narrow: LatencyRollupDims | null): Promise<Map<string, Percentiles>> {
    const keys = [...dims.map((_, i) => `k${i}`), 'bk'].join(', ');
    const quantiles = `arraySort(groupArray((key, c))) AS s, arraySum(arrayMap(x -> x.2, s)) AS n,
           ${[0.5, 0.95, 0.99].map((q, i) => `${quantileKey(q)} AS q${i}`).join(', ')}`;
    let sql: string;
    if (narrow) {
      // Bins are summed per stored value, answer bucket and key (plain columns: several times cheaper to
      // group by on 18.16 than the keys' expressions), then gathered per group. Summing per answer bucket,
      // not per hour, keeps the sorted arrays short (a DAY group has one entry per key, not 24).
      const tables = latencyTables(narrow);
      const parts = [
        ...this.narrowParts(filter, [], null, tables.bins, narrow, `value AS v, ${narrow.dim2 ? 'value2' : "''"} AS v2, bucket AS hb, ${tables.bin}`, tables.join),
        ...planRange(filter.from, filter.to, false).raw.map((range) => {
          const cond = clickHouseFilterConditions({ ...filter, from: range.from, to: range.to });
          // toInt64(0) AS bk: the constant bucket column narrowParts gives the rollup part without a bucket.
          return `SELECT toInt64(0) AS bk, ${NARROW_RAW_VALUE[narrow.dim] ?? "''"} AS v, ${NARROW_RAW_VALUE[narrow.dim2] ?? "''"} AS v2, toStartOfHour(created_at) AS hb, ${BIN_COLUMNS} FROM traces FINAL ${RAW_BINS_JOIN} ${where(cond)}`;
        }),
      ];
      if (!parts.length) return new Map();
      const items = dims.map((d, i) => `${rollupKey(d, narrow, 'v')} AS k${i}`);
      items.push('hbk AS bk');
      // On 18.16 a lambda cannot capture a column of a subquery: the sorted bins, their total and the keys are computed in one SELECT.
      sql = `SELECT ${keys}, metric, q0, q1, q2
       FROM (SELECT ${items.join(', ')}, metric, ${quantiles}
         FROM (SELECT v, v2, ${bucketSql(bucket, 'hb')} AS hbk, metric, key, sum(count) AS c FROM (${parts.join(' UNION ALL ')}) GROUP BY v, v2, hbk, metric, key)
         GROUP BY ${keys}, metric)`;
    } else {
      const parts = [...this.chRollupParts(filter, dims, bucket, BIN_COLUMNS, 'trace_rollups_hourly', ROLLUP_BINS_JOIN), ...this.chRawParts(filter, dims, bucket, BIN_COLUMNS, false, RAW_BINS_JOIN)];
      if (!parts.length) return new Map();
      sql = `SELECT ${keys}, metric, q0, q1, q2
       FROM (SELECT ${keys}, metric, ${quantiles}
         FROM (SELECT ${keys}, metric, key, sum(count) AS c FROM (${parts.join(' UNION ALL ')}) GROUP BY ${keys}, metric, key)
         GROUP BY ${keys}, metric)`;
    }
    const out = new Map<string, Percentiles>();
    const rows = await this.store.query(sql);
    const value = (k: unknown) => (k === null || k === undefined ? null : sketchValue(Number(k)));
    for (const r of rows) {
      const group = JSON.stringify([String(r.bk), ...dims.map((_, i) => r[`k${i}`] ?? null)]);
      const p = out.get(group) ?? [null, null, null, null, null];
      if (Number(r.metric) === 0) [p[0], p[1], p[2]] = [value(r.q0), value(r.q1), value(r.q2)];
      else [p[3], p[4]] = [value(r.q0), value(r.q1)];
      out.set(group, p);
    }
    return out;
  }

  /** The whole hours of the range from a per-dimension or per-pair latency rollup table (`latencyTables`): the rows of `narrow`'s dimensions and filter values (`join`: an ARRAY JOIN of their bins). */
  private narrowParts(
    filter: TraceFilterData | null | undefined,
    dims: Dimension[],
    bucket: TimeBucket | null | undefined,
    table: string,
    narrow: LatencyRollupDims,
    select: string,
    join = '',
  ): string[] {
    return planRange(filter?.from, filter?.to, false).rollups.map((range) => {
      const cond = [`dim = ${literal(narrow.dim)}`, `source = ${literal(filter?.source ?? TraceSource.PRODUCTION)}`];
      if (range.from) cond.push(`bucket >= ${clickHouseSeconds(range.from.getTime())}`);
      if (range.to) cond.push(`bucket < ${clickHouseSeconds(range.to.getTime())}`);
      if (narrow.dim2) cond.push(`dim2 = ${literal(narrow.dim2)}`);
      if (narrow.value !== undefined) cond.push(`value = ${literal(narrow.value)}`);
      if (narrow.value2 !== undefined) cond.push(`value2 = ${literal(narrow.value2)}`);
      const items = dims.map((d, i) => `${rollupKey(d, narrow)} AS k${i}`);
      items.push(`${bucketSql(bucket, 'bucket')} AS bk`);
      return `SELECT ${items.join(', ')}, ${select} FROM ${table} ${join} ${where(cond)}`;
    });
  }

  override async guardrailStats(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<GuardrailRow[]> {
    const raw = await this.readsRaw(filter, []);
    const totals = await this.grouped(filter, [], bucket, [['requests', i64('requests'), i64('1')]], raw);
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

  /** GROUP BY keys and bucket with the sum of each measure, over the rollup and raw parts. */
  private async grouped(filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket | null | undefined, measures: Measure[], raw?: boolean) {
    const readRaw = raw ?? (await this.readsRaw(filter, dims));
    return this.groupedParts(
      dims,
      [
        ...(readRaw ? [] : this.chRollupParts(filter, dims, bucket, measures.map(([n, r]) => `${r} AS m_${n}`).join(', '))),
        ...this.chRawParts(filter, dims, bucket, measures.map(([n, , t]) => `${t} AS m_${n}`).join(', '), readRaw),
      ],
      measures,
    );
  }

  /** The sum of each measure per keys and bucket over `parts` (each selecting k0.., bk and m_<measure>). */
  private async groupedParts(dims: Dimension[], parts: string[], measures: Measure[]) {
    // HAVING: without a bucket or dimension the GROUP BY key is a constant, and ClickHouse then answers an empty input with one row of zeros.
    const keys = [...dims.map((_, i) => `k${i}`), 'bk'];
    const sums = measures.map(([n]) => `sum(m_${n}) AS ${n}`);
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
  private chRollupParts(filter: TraceFilterData | null | undefined, dims: Dimension[], bucket: TimeBucket | null | undefined, select: string, table = 'trace_rollups_hourly', join = ''): string[] {
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
      return `SELECT ${this.keys(dims, bucket, 'rollup', 'bucket')}, ${select} FROM ${table} ${join} ${where(cond)}`;
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
    // The all-traffic rows of the per-dimension latency rollups: one per hour and source.
    const [row] = await this.store.query<{ n: string }>(`SELECT sum(requests) AS n FROM trace_latency_rollups_hourly WHERE dim = '' AND (${cond.join(' OR ')})`);
    return Number(row?.n ?? 0);
  }

  private chCapped<T>(rows: T[]): T[] {
    if (rows.length > this.chMaxRows) {
      throw new BadUserInputError('filter', `more than ${this.chMaxRows} rows: narrow the filter, group by fewer dimensions or use a coarser bucket`);
    }
    return rows;
  }
}
