import type { DataSource } from 'typeorm';
import { SqlParams, StageCost, microsToUsd, traceFilterConditions, type TraceFilterData } from '../traces';
import { BadUserInputError } from '../graphql/errors';
import { CacheRow, CostRow, Dimension, GuardrailRow, LatencyRow, TimeBucket, type RowKeys } from './analytics.types';

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
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

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
}

function where(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * BI over the `traces` table. Every aggregate is computed by the database: money is summed exactly
 * as integer micro-USD (numeric sums) and only converted to USD for the wire. Owns no tables.
 */
export class AnalyticsService {
  private readonly maxRows: number;

  constructor(
    private readonly db: DataSource,
    options: AnalyticsServiceOptions = {},
  ) {
    this.maxRows = options.maxRows ?? MAX_ANALYTICS_ROWS;
  }

  /** Keeps a grouped answer bounded: a BI tool asking for user × hour over a year gets told to narrow it. */
  private capped<T>(rows: T[]): T[] {
    if (rows.length > this.maxRows) {
      throw new BadUserInputError('filter', `more than ${this.maxRows} rows: narrow the filter, group by fewer dimensions or use a coarser bucket`);
    }
    return rows;
  }

  /** Requests, tokens and cost per group and time bucket. `groupBy` must name at least one dimension. */
  async costBreakdown(filter: TraceFilterData | null | undefined, groupBy: Dimension[], bucket?: TimeBucket | null): Promise<CostRow[]> {
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
    return this.capped(rows).map((r) =>
      Object.assign(new CostRow(), {
        keys: keysOf(g.dims, r),
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
      }),
    );
  }

  /** Latency average and continuous percentiles (and time-to-first-token) per group and bucket. */
  async latencyStats(filter: TraceFilterData | null | undefined, groupBy?: Dimension[] | null, bucket?: TimeBucket | null): Promise<LatencyRow[]> {
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
    return this.capped(rows).map((r) =>
      Object.assign(new LatencyRow(), {
        keys: keysOf(g.dims, r),
        bucket: dateOrNull(r.bucket),
        requests: num(r.requests),
        avgMs: numOrNull(r.avg_ms),
        p50Ms: numOrNull(r.p50),
        p95Ms: numOrNull(r.p95),
        p99Ms: numOrNull(r.p99),
        ttftP50Ms: numOrNull(r.ttft_p50),
        ttftP95Ms: numOrNull(r.ttft_p95),
      }),
    );
  }

  /** Response-cache hits, hit rate and money saved per bucket. */
  async cacheStats(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<CacheRow[]> {
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
    return this.capped(rows).map((r) => {
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
    });
  }

  /**
   * Guardrail interventions per bucket × policy × finding kind × direction, from each trace's
   * `guardrail_events`. Counts are of requests (a request with three PII findings counts once);
   * `requests` is every request of the bucket, so `rate` is the share of traffic that triggered.
   */
  async guardrailStats(filter: TraceFilterData | null | undefined, bucket?: TimeBucket | null): Promise<GuardrailRow[]> {
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
    return this.capped(rows).map((r) => {
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
    });
  }
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
