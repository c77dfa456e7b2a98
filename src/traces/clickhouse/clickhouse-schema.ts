/**
 * The ClickHouse trace store's tables. Everything here runs on ClickHouse 18.16 (Debian's package)
 * and on current releases: no DateTime64, no Nullable sort keys, no query parameters, no JSON
 * functions — see README "ClickHouse".
 *
 * - `traces`: one row per generation, `ReplacingMergeTree` ordered by (created_at, id) and
 *   partitioned by month. A replayed row (same id, same created_at) collapses into one on merge;
 *   the raw reads use `FINAL`, so a duplicate never shows before that.
 * - `trace_rollups_hourly` / `trace_guardrail_rollups_hourly`: `SummingMergeTree` aggregate tables
 *   fed by materialized views on every INSERT into `traces`: per UTC hour and per combination of the
 *   rolled-up dimensions, the sums and the DDSketch bins of latency and time to first token (a
 *   Nested `...Map` column that SummingMergeTree adds up key by key). Rows are merged in the
 *   background, so every read still aggregates (`sum`, `sumMap`).
 *
 * Rollup dimensions cannot be Nullable (sort keys), so null is stored as NULL_KEY ('\0'; stored
 * strings never hold NUL, it is replaced on write) and `-2147483648` for a null prompt version.
 */

/** Stands for null in a rolled-up text dimension. */
export const NULL_KEY = '\u0000';
/** Stands for null in the rolled-up prompt version. */
export const NULL_VERSION = -2147483648;

const nullableText = ['prompt', 'label', 'model_id', 'routed_by', 'route_rule', 'user', 'session_id', 'api_key', 'eval_run_id', 'error_code', 'stop_reason', 'otel_trace_id'];
const stageCost = ['cost_system_micros', 'cost_context_micros', 'cost_history_micros', 'cost_input_micros', 'cost_output_micros', 'cost_cache_read_micros', 'cost_cache_write_micros'];
const tokens = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'];

/** The stage-cost columns, in the order of `StageCost`. */
export const STAGE_COST_COLUMNS = stageCost;
/** The token columns summed by costBreakdown. */
export const TOKEN_COLUMNS = tokens;

/** The rolled-up dimensions: column of `traces` and how the rollup stores it (null → NULL_KEY). */
export const ROLLUP_DIMS: Array<[column: string, type: string, expr: string]> = [
  ['source', 'String', 'source'],
  ['prompt', 'String', `ifNull(prompt, '\\0')`],
  ['model_id', 'String', `ifNull(model_id, '\\0')`],
  ['api_key', 'String', `ifNull(api_key, '\\0')`],
  ['label', 'String', `ifNull(label, '\\0')`],
  ['prompt_version', 'Int32', `ifNull(prompt_version, ${NULL_VERSION})`],
  ['route_rule', 'String', `ifNull(route_rule, '\\0')`],
  ['status', 'String', 'status'],
  ['cached', 'UInt8', 'cached'],
];

/**
 * The latency and time-to-first-token sketch bins of the traces of a group as the Nested `...Map`
 * columns: each trace's 0-or-1 key with its count (`latencyCounts`, `ttftCounts`), summed key by key.
 */
const binMaps = (latencyCounts: string, ttftCounts: string) =>
  // No alias for the sumMap itself: a view's SELECT must give exactly the target's columns (the two identical aggregates are computed once).
  `tupleElement(sumMap(latency_key, ${latencyCounts}), 1) AS \`latencyMap.key\`, tupleElement(sumMap(latency_key, ${latencyCounts}), 2) AS \`latencyMap.count\`,
      tupleElement(sumMap(ttft_key, ${ttftCounts}), 1) AS \`ttftMap.key\`, tupleElement(sumMap(ttft_key, ${ttftCounts}), 2) AS \`ttftMap.count\``;

/**
 * Stored percentiles of closed latency groups (`ClickHouseAnalyticsService.latencyStats`): per query
 * spec (filter but its time range, bucket, dimensions; JSON), the group's part of the time line
 * [from_ms, to_ms), its bucket and keys, the five percentiles computed from its sketch bins and the
 * counts it had then. `ReplacingMergeTree(requests)`: a group stored again after gaining traces keeps
 * the row at more requests; reads use FINAL and use a row only when its counts equal the group's.
 */
export const STORED_PERCENTILES_TABLE = 'trace_latency_percentiles';
const storedPercentiles = `CREATE TABLE IF NOT EXISTS ${STORED_PERCENTILES_TABLE} (
    spec String, from_ms Int64, to_ms Int64, bk String, keys String, requests UInt64, latency_count UInt64,
    p50 Nullable(Float64), p95 Nullable(Float64), p99 Nullable(Float64), ttft_p50 Nullable(Float64), ttft_p95 Nullable(Float64)
  ) ENGINE = ReplacingMergeTree(requests) ORDER BY (spec, from_ms, bk, keys)`;

/** DDL, in order; every statement is idempotent (IF NOT EXISTS). */
export function schemaStatements(): string[] {
  const traces = `CREATE TABLE IF NOT EXISTS traces (
    id String,
    created_at DateTime('UTC'),
    created_ms Int64,
    ${nullableText.map((c) => `${c} Nullable(String)`).join(',\n    ')},
    prompt_version Nullable(Int32),
    tags Array(String),
    source String,
    status String,
    cached UInt8,
    ${tokens.map((c) => `${c} Nullable(Int64)`).join(', ')},
    cost_micros Int64,
    ${stageCost.map((c) => `${c} Nullable(Int64)`).join(', ')},
    saved_micros Int64,
    latency_ms Nullable(Float64),
    ttft_ms Nullable(Float64),
    latency_key Array(Int32),
    ttft_key Array(Int32),
    gr_policy Array(String),
    gr_kind Array(String),
    gr_direction Array(String),
    gr_blocked Array(UInt8),
    gr_anonymized Array(UInt8),
    doc String
  ) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(created_at) ORDER BY (created_at, id)`;
  const dimCols = ROLLUP_DIMS.map(([c, type]) => `${c} ${type}`).join(', ');
  const dimKey = ROLLUP_DIMS.map(([c]) => c).join(', ');
  const dimSelect = ROLLUP_DIMS.map(([c, , expr]) => `${expr} AS ${c}`).join(', ');
  const rollups = `CREATE TABLE IF NOT EXISTS trace_rollups_hourly (
    bucket DateTime('UTC'), ${dimCols},
    requests UInt64,
    ${tokens.map((c) => `${c} Int64`).join(', ')},
    cost_micros Int64, ${stageCost.map((c) => `${c} Int64`).join(', ')},
    saved_micros Int64,
    latency_count UInt64, latency_sum Float64,
    latencyMap Nested(key Int32, count UInt64),
    ttftMap Nested(key Int32, count UInt64)
  ) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(bucket) ORDER BY (bucket, ${dimKey})`;
  // Each view aggregates the block it is given (GROUP BY): an INSERT of a batch writes one rollup row
  // per (hour, combination) instead of one per trace, which SummingMergeTree would otherwise have to
  // merge away in the background (at 10M traces the per-trace rows were most of the ingest cost).
  // Sums are the same either way: SummingMergeTree still adds up the rows of different INSERTs.
  const rollupsView = `CREATE MATERIALIZED VIEW IF NOT EXISTS trace_rollups_hourly_mv TO trace_rollups_hourly AS
    SELECT toStartOfHour(created_at) AS bucket, ${dimSelect},
      count() AS requests,
      ${tokens.map((c) => `sum(ifNull(${c}, 0)) AS ${c}`).join(', ')},
      sum(cost_micros) AS cost_micros, ${stageCost.map((c) => `sum(ifNull(${c}, 0)) AS ${c}`).join(', ')},
      sum(saved_micros) AS saved_micros,
      count(latency_ms) AS latency_count, sum(ifNull(latency_ms, 0)) AS latency_sum,
      ${binMaps('arrayMap(x -> toUInt64(1), latency_key)', 'arrayMap(x -> toUInt64(1), ttft_key)')}
    FROM traces GROUP BY bucket, ${dimKey}`;
  const guardrails = `CREATE TABLE IF NOT EXISTS trace_guardrail_rollups_hourly (
    bucket DateTime('UTC'), ${dimCols},
    policy String, kind String, direction String,
    triggered UInt64, blocked UInt64, anonymized UInt64
  ) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(bucket) ORDER BY (bucket, ${dimKey}, policy, kind, direction)`;
  const guardrailsView = `CREATE MATERIALIZED VIEW IF NOT EXISTS trace_guardrail_rollups_hourly_mv TO trace_guardrail_rollups_hourly AS
    SELECT toStartOfHour(created_at) AS bucket, ${dimSelect},
      gp AS policy, gk AS kind, gd AS direction, count() AS triggered, sum(gb) AS blocked, sum(ga) AS anonymized
    FROM traces ARRAY JOIN gr_policy AS gp, gr_kind AS gk, gr_direction AS gd, gr_blocked AS gb, gr_anonymized AS ga
    GROUP BY bucket, ${dimKey}, policy, kind, direction`;
  return [traces, rollups, guardrails, rollupsView, guardrailsView, storedPercentiles];
}

/** Each rolled-up dimension alone, and '' (all traffic): the dimensions of the per-dimension latency rollups, as on PostgreSQL. */
const LATENCY_DIM_NAMES = `['', 'prompt', 'prompt_version', 'label', 'model_id', 'route_rule', 'api_key']`;
/** Their values as text over a `traces` row (null → NULL_KEY), in the same order. */
const LATENCY_DIM_VALUES = `['', ifNull(prompt, '\\0'), ifNull(toString(prompt_version), '\\0'), ifNull(label, '\\0'), ifNull(model_id, '\\0'), ifNull(route_rule, '\\0'), ifNull(api_key, '\\0')]`;
/** The same twice: once for the latency bin, once for the time-to-first-token bin. */
const twice = (a: string) => `arrayConcat(${a}, ${a})`;
/** Per dimension, a latency expression seven times, then a TTFT one seven times (written out: 18.16's lambdas cannot read a column there). */
const perMetric = (latency: string, ttft: string) => `[${[...Array(7).fill(latency), ...Array(7).fill(ttft)].join(', ')}]`;

/** The rolled-up latency dimensions (the order of `latencyRollupDims`: a pair row holds `dim` before `dim2`) and their value as text over a `traces` row. */
const LATENCY_DIMS: Array<[name: string, value: string]> = [
  ['prompt', `ifNull(prompt, '\\0')`],
  ['prompt_version', `ifNull(toString(prompt_version), '\\0')`],
  ['label', `ifNull(label, '\\0')`],
  ['model_id', `ifNull(model_id, '\\0')`],
  ['route_rule', `ifNull(route_rule, '\\0')`],
  ['api_key', `ifNull(api_key, '\\0')`],
];
/** Every pair of them, each once (15). */
const LATENCY_PAIRS = LATENCY_DIMS.flatMap((a, i) => LATENCY_DIMS.slice(i + 1).map((b) => [a, b] as const));
const pairArray = (pick: (p: (typeof LATENCY_PAIRS)[number]) => string) => `[${LATENCY_PAIRS.map(pick).join(', ')}]`;
const pairDim = (p: (typeof LATENCY_PAIRS)[number]) => `'${p[0][0]}'`;
const pairDim2 = (p: (typeof LATENCY_PAIRS)[number]) => `'${p[1][0]}'`;

/**
 * The per-dimension and per-pair latency rollup tables (two each: counts, and one row per sketch
 * bin per dimension; one with Nested bin maps per pair), their materialized views, and the SELECT each view runs
 * (to fill a table from traces already stored). Each trace is unrolled into its seven (dimension,
 * value) pairs by one `ARRAY JOIN` of parallel arrays: 18.16 allows one ARRAY JOIN per query, and a
 * view whose SELECT reads a subquery or a tuple from `arrayJoin()` fails there ("Unknown identifier")
 * when a block is pushed to it. A trace's sketch keys are 0-or-1-element arrays, so its bins are the
 * seven pairs times (latency, TTFT), the absent ones filtered out. The pair table unrolls a trace
 * the same way into its 15 (dim, dim2, value, value2), `dim` first in the order of `LATENCY_DIMS`.
 */
export const LATENCY_ROLLUPS = [
  {
    table: 'trace_latency_rollups_hourly',
    create: `CREATE TABLE IF NOT EXISTS trace_latency_rollups_hourly (
      bucket DateTime('UTC'), source String, dim String, value String,
      requests UInt64, latency_count UInt64, latency_sum Float64
    ) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(bucket) ORDER BY (dim, source, bucket, value)`,
    select: `SELECT toStartOfHour(created_at) AS bucket, source, dim, value,
      count() AS requests, count(latency_ms) AS latency_count, sum(ifNull(latency_ms, 0)) AS latency_sum
      FROM traces ARRAY JOIN ${LATENCY_DIM_NAMES} AS dim, ${LATENCY_DIM_VALUES} AS value
      GROUP BY bucket, source, dim, value`,
  },
  {
    table: 'trace_latency_bins_hourly',
    // One row per sketch bin: metric 0 is latency, 1 time to first token; SummingMergeTree adds up the counts (n) of a bin.
    create: `CREATE TABLE IF NOT EXISTS trace_latency_bins_hourly (
      bucket DateTime('UTC'), source String, dim String, value String, metric UInt8, bin Int32, n UInt64
    ) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(bucket) ORDER BY (dim, source, bucket, value, metric, bin)`,
    select: `SELECT toStartOfHour(created_at) AS bucket, source, dim, value, metric, bin, count() AS n
      FROM traces ARRAY JOIN ${twice(LATENCY_DIM_NAMES)} AS dim, ${twice(LATENCY_DIM_VALUES)} AS value,
        ${perMetric('toUInt8(0)', 'toUInt8(1)')} AS metric, ${perMetric('latency_key[1]', 'ttft_key[1]')} AS bin,
        ${perMetric('notEmpty(latency_key)', 'notEmpty(ttft_key)')} AS present
      WHERE present = 1
      GROUP BY bucket, source, dim, value, metric, bin`,
  },
  {
    table: 'trace_latency_pair_rollups_hourly',
    // Per pair of dimensions (dim before dim2 in the order of LATENCY_DIMS): the counts and, as in
    // trace_rollups_hourly, the sketch bins as Nested `...Map` columns summed key by key. One row per
    // (hour, pair, values) instead of one per bin: the bins of a cell are few, and reading them as rows
    // (as trace_latency_bins_hourly does) was 2-3x slower than the wide rollups at 400k traces.
    // The count arrays are written with if(), not arrayMap(): 18.16's views cannot run a lambda over a column next to an ARRAY JOIN.
    create: `CREATE TABLE IF NOT EXISTS trace_latency_pair_rollups_hourly (
      bucket DateTime('UTC'), source String, dim String, dim2 String, value String, value2 String,
      requests UInt64, latency_count UInt64, latency_sum Float64,
      latencyMap Nested(key Int32, count UInt64),
      ttftMap Nested(key Int32, count UInt64)
    ) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(bucket) ORDER BY (dim, dim2, source, bucket, value, value2)`,
    select: `SELECT toStartOfHour(created_at) AS bucket, source, dim, dim2, value, value2,
      count() AS requests, count(latency_ms) AS latency_count, sum(ifNull(latency_ms, 0)) AS latency_sum,
      ${binMaps('if(notEmpty(latency_key), [toUInt64(1)], emptyArrayUInt64())', 'if(notEmpty(ttft_key), [toUInt64(1)], emptyArrayUInt64())')}
      FROM traces ARRAY JOIN ${pairArray(pairDim)} AS dim, ${pairArray(pairDim2)} AS dim2, ${pairArray((p) => p[0][1])} AS value, ${pairArray((p) => p[1][1])} AS value2
      GROUP BY bucket, source, dim, dim2, value, value2`,
  },
] as const;

/**
 * DDL of the per-dimension and per-pair latency rollups (added after the first release of the store): a table and
 * the materialized view that keeps it. `init` fills a table it has just created from the traces
 * already stored.
 */
export function latencyRollupStatements(): Array<{ table: string; create: string; view: string }> {
  return LATENCY_ROLLUPS.map(({ table, create, select }) => ({
    table,
    create,
    view: `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS ${select}`,
  }));
}
