import type { DataSource } from 'typeorm';
import { ROLLUP_KEY_COLUMNS } from './trace-rollups';

const key = (unit: string) => `date_trunc('${unit}', created_at, 'UTC'), prompt, prompt_version, label, model_id, route_rule, api_key, status, cached, source`;
/** A column's sketch over the group's rows: `{key, count}` pairs (`int8[]`, as the writer's `sketchArray`), each key once. */
const bins = (col: string) =>
  `(SELECT COALESCE(array_agg(ARRAY[k, n] ORDER BY k), '{}') FROM (SELECT trace_sketch_key(x)::int8 AS k, count(*) AS n FROM unnest(array_agg(${col})) AS x WHERE x IS NOT NULL GROUP BY 1) s)`;

/** Rolls up every trace (as the writer does, batch by batch) in one statement; `unit` hour or day. */
export const rollupTracesSql = (unit: 'hour' | 'day') => `
  INSERT INTO trace_rollups_${unit === 'hour' ? 'hourly' : 'daily'} (${ROLLUP_KEY_COLUMNS.join(', ')}, requests,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
    cost_micros, cost_system_micros, cost_context_micros, cost_history_micros,
    cost_input_micros, cost_output_micros, cost_cache_read_micros, cost_cache_write_micros,
    saved_micros, latency_count, latency_sum, latency_bins, ttft_bins)
  SELECT ${key(unit)}, count(*),
    sum(COALESCE(input_tokens, 0)), sum(COALESCE(output_tokens, 0)), sum(COALESCE(cache_read_tokens, 0)), sum(COALESCE(cache_write_tokens, 0)),
    sum(cost_micros), sum(COALESCE(cost_system_micros, 0)), sum(COALESCE(cost_context_micros, 0)), sum(COALESCE(cost_history_micros, 0)),
    sum(COALESCE(cost_input_micros, 0)), sum(COALESCE(cost_output_micros, 0)), sum(COALESCE(cost_cache_read_micros, 0)), sum(COALESCE(cost_cache_write_micros, 0)),
    sum(saved_micros), count(latency_ms), COALESCE(sum(latency_ms), 0), ${bins('latency_ms')}, ${bins('ttft_ms')}
  FROM traces GROUP BY ${key(unit)}`;

/** Guardrail triggers of every trace: requests per (policy, finding kind, direction), as `guardrailTriggers()`. */
export const rollupGuardrailsSql = (unit: 'hour' | 'day') => `
  INSERT INTO trace_guardrail_rollups_${unit === 'hour' ? 'hourly' : 'daily'}
  SELECT bucket, prompt, prompt_version, label, model_id, route_rule, api_key, status, cached, source, policy, kind, direction,
    count(DISTINCT id), count(DISTINCT id) FILTER (WHERE action = 'BLOCKED'), count(DISTINCT id) FILTER (WHERE action = 'ANONYMIZED')
  FROM (
    SELECT t.id, date_trunc('${unit}', t.created_at, 'UTC') AS bucket, t.prompt, t.prompt_version, t.label, t.model_id, t.route_rule, t.api_key, t.status, t.cached, t.source,
      e.value->>'policy' AS policy, f.value->>'kind' AS kind, e.value->>'direction' AS direction, COALESCE(f.value->>'action', e.value->>'action') AS action
    FROM traces t
    CROSS JOIN LATERAL jsonb_array_elements(t.guardrail_events) AS e(value)
    LEFT JOIN LATERAL jsonb_array_elements(e.value->'findings') AS f(value) ON true
  ) x
  WHERE action <> 'NONE'
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13`;

/** The text of each `LATENCY_DIMS` dimension over `traces`. */
const LATENCY_DIM_SQL: Array<[dim: string, value: string]> = [
  ['', 'NULL::text'],
  ['prompt', 'prompt'],
  ['prompt_version', 'prompt_version::text'],
  ['label', 'label'],
  ['model_id', 'model_id'],
  ['route_rule', 'route_rule'],
  ['api_key', 'api_key'],
];

/** The pairs of `LATENCY_DIMS` dimensions (`LATENCY_PAIRS`): `('dim', value, 'dim2', value2)` over `traces`. */
const LATENCY_PAIR_SQL = LATENCY_DIM_SQL.slice(1).flatMap(([a, av], i) => LATENCY_DIM_SQL.slice(i + 2).map(([b, bv]) => `('${a}', ${av}, '${b}', ${bv})`));

/** Latency sketches per single dimension and per pair (`trace_latency_rollups_<level>`), as `rollupDeltas()` folds them. */
export const rollupLatencySql = (unit: 'hour' | 'day') => `
  INSERT INTO trace_latency_rollups_${unit === 'hour' ? 'hourly' : 'daily'} (bucket, source, dim, value, dim2, value2, requests, latency_count, latency_sum, latency_bins, ttft_bins)
  SELECT date_trunc('${unit}', created_at, 'UTC') AS bucket, source, dim, value, dim2, value2, count(*), count(latency_ms), COALESCE(sum(latency_ms), 0), ${bins('latency_ms')}, ${bins('ttft_ms')}
  FROM traces
  CROSS JOIN LATERAL (VALUES ${[...LATENCY_DIM_SQL.map(([d, v]) => `('${d}', ${v}, '', NULL::text)`), ...LATENCY_PAIR_SQL].join(', ')}) AS d(dim, value, dim2, value2)
  GROUP BY 1, 2, 3, 4, 5, 6`;

/**
 * Recomputes the rollups from the raw traces (`npm run rollups:rebuild`), in one transaction: the
 * traces table is locked against writes meanwhile (SHARE mode: readers go on, the trace writer waits),
 * so no batch is counted twice or missed. Returns the hourly rollup rows written.
 */
export async function rebuildRollups(db: DataSource): Promise<{ rollups: number; guardrails: number }> {
  return db.transaction(async (m) => {
    await m.query('LOCK TABLE traces IN SHARE MODE');
    for (const unit of ['hour', 'day'] as const) {
      const level = unit === 'hour' ? 'hourly' : 'daily';
      await m.query(`DELETE FROM trace_rollups_${level}`);
      await m.query(`DELETE FROM trace_guardrail_rollups_${level}`);
      await m.query(`DELETE FROM trace_latency_rollups_${level}`);
      // Percentiles stored by readers belong to the rows they were computed from.
      await m.query(`DELETE FROM trace_latency_percentiles_${level}`);
      await m.query(rollupTracesSql(unit));
      await m.query(rollupGuardrailsSql(unit));
      await m.query(rollupLatencySql(unit));
    }
    const [r] = await m.query('SELECT (SELECT count(*) FROM trace_rollups_hourly)::int AS a, (SELECT count(*) FROM trace_guardrail_rollups_hourly)::int AS b');
    return { rollups: Number(r.a), guardrails: Number(r.b) };
  });
}
