import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hourly rollups of the traces (issue 15), maintained by the trace writer in the same transaction as
 * the traces. Hand-written: the tables are not TypeORM entities (nothing maps them; the writer upserts
 * them with SQL), and their unique keys need NULLS NOT DISTINCT (PostgreSQL 15+, PGlite 17), which
 * TypeORM cannot declare. Existing traces are rolled up at the end (the same SQL as `rollups:rebuild`).
 */
export class TraceRollups1796600000000 implements MigrationInterface {
  name = 'TraceRollups1796600000000';

  public async up(q: QueryRunner): Promise<void> {
    // A database that ran this migration's first draft (1795600000000, briefly on main, without
    // `source` and the daily level) gets it replaced; the rollups are rebuilt below from the traces.
    await q.query(`DROP TABLE IF EXISTS "trace_rollups_hourly", "trace_guardrail_rollups_hourly"`);
    // DDSketch logarithmic mapping, relative accuracy 1%: key = ceil(log2(v) * ln2 / ln(gamma)); zero bin -1000000.
    await q.query(`
      CREATE OR REPLACE FUNCTION trace_sketch_key(v double precision) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN v IS NULL THEN NULL WHEN v < 1e-6 THEN -1000000
          ELSE ceil(ln(v) / 0.6931471805599453 * 34.65620375188817)::integer END
      $$`);
    // Merging two sketches is adding their bin counts.
    await q.query(`
      CREATE OR REPLACE FUNCTION trace_sketch_merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb)
        FROM (SELECT k, sum(v::bigint) AS n FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) s(k, v) GROUP BY k) x
      $$`);
    const dims = `
        "bucket" timestamptz NOT NULL,
        "prompt" text,
        "prompt_version" integer,
        "label" text,
        "model_id" text,
        "route_rule" text,
        "api_key" text,
        "status" text NOT NULL,
        "cached" boolean NOT NULL,
        "source" text NOT NULL`;
    await q.query(`
      CREATE TABLE "trace_rollups_hourly" (${dims},
        "requests" bigint NOT NULL,
        "input_tokens" bigint NOT NULL,
        "output_tokens" bigint NOT NULL,
        "cache_read_tokens" bigint NOT NULL,
        "cache_write_tokens" bigint NOT NULL,
        "cost_micros" bigint NOT NULL,
        "cost_system_micros" bigint NOT NULL,
        "cost_context_micros" bigint NOT NULL,
        "cost_history_micros" bigint NOT NULL,
        "cost_input_micros" bigint NOT NULL,
        "cost_output_micros" bigint NOT NULL,
        "cost_cache_read_micros" bigint NOT NULL,
        "cost_cache_write_micros" bigint NOT NULL,
        "saved_micros" bigint NOT NULL,
        "latency_count" bigint NOT NULL,
        "latency_sum" double precision NOT NULL,
        "latency_bins" jsonb NOT NULL,
        "ttft_bins" jsonb NOT NULL
      )`);
    await q.query(`
      CREATE UNIQUE INDEX "ux_trace_rollups_hourly_key" ON "trace_rollups_hourly"
        ("bucket", "prompt", "prompt_version", "label", "model_id", "route_rule", "api_key", "status", "cached", "source") NULLS NOT DISTINCT`);
    await q.query(`
      CREATE TABLE "trace_guardrail_rollups_hourly" (${dims},
        "policy" text NOT NULL,
        "kind" text,
        "direction" text NOT NULL,
        "triggered" bigint NOT NULL,
        "blocked" bigint NOT NULL,
        "anonymized" bigint NOT NULL
      )`);
    await q.query(`
      CREATE UNIQUE INDEX "ux_trace_guardrail_rollups_hourly_key" ON "trace_guardrail_rollups_hourly"
        ("bucket", "prompt", "prompt_version", "label", "model_id", "route_rule", "api_key", "status", "cached", "source", "policy", "kind", "direction") NULLS NOT DISTINCT`);
    // The daily level: the same columns and keys, buckets of a UTC day.
    await q.query(`CREATE TABLE "trace_rollups_daily" (LIKE "trace_rollups_hourly")`);
    await q.query(`
      CREATE UNIQUE INDEX "ux_trace_rollups_daily_key" ON "trace_rollups_daily"
        ("bucket", "prompt", "prompt_version", "label", "model_id", "route_rule", "api_key", "status", "cached", "source") NULLS NOT DISTINCT`);
    await q.query(`CREATE TABLE "trace_guardrail_rollups_daily" (LIKE "trace_guardrail_rollups_hourly")`);
    await q.query(`
      CREATE UNIQUE INDEX "ux_trace_guardrail_rollups_daily_key" ON "trace_guardrail_rollups_daily"
        ("bucket", "prompt", "prompt_version", "label", "model_id", "route_rule", "api_key", "status", "cached", "source", "policy", "kind", "direction") NULLS NOT DISTINCT`);
    for (const unit of ['hour', 'day'] as const) {
      await q.query(rollupTracesSql(unit));
      await q.query(rollupGuardrailsSql(unit));
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "trace_guardrail_rollups_daily"`);
    await q.query(`DROP TABLE "trace_rollups_daily"`);
    await q.query(`DROP TABLE "trace_guardrail_rollups_hourly"`);
    await q.query(`DROP TABLE "trace_rollups_hourly"`);
    await q.query(`DROP FUNCTION trace_sketch_merge(jsonb, jsonb)`);
    await q.query(`DROP FUNCTION trace_sketch_key(double precision)`);
  }
}

// A frozen copy of the rebuild SQL of src/traces/rollup-rebuild.ts at the time of this migration.
const key = (unit: string) => `date_trunc('${unit}', created_at, 'UTC'), prompt, prompt_version, label, model_id, route_rule, api_key, status, cached, source`;
const bins = (col: string) =>
  `(SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM (SELECT trace_sketch_key(x) AS k, count(*) AS n FROM unnest(array_agg(${col})) AS x WHERE x IS NOT NULL GROUP BY 1) s)`;

/** Rolls up every trace (as the writer does, batch by batch) in one statement; `unit` hour or day. */
const rollupTracesSql = (unit: 'hour' | 'day') => `
  INSERT INTO trace_rollups_${unit === 'hour' ? 'hourly' : 'daily'}
  SELECT ${key(unit)}, count(*),
    sum(COALESCE(input_tokens, 0)), sum(COALESCE(output_tokens, 0)), sum(COALESCE(cache_read_tokens, 0)), sum(COALESCE(cache_write_tokens, 0)),
    sum(cost_micros), sum(COALESCE(cost_system_micros, 0)), sum(COALESCE(cost_context_micros, 0)), sum(COALESCE(cost_history_micros, 0)),
    sum(COALESCE(cost_input_micros, 0)), sum(COALESCE(cost_output_micros, 0)), sum(COALESCE(cost_cache_read_micros, 0)), sum(COALESCE(cost_cache_write_micros, 0)),
    sum(saved_micros), count(latency_ms), COALESCE(sum(latency_ms), 0), ${bins('latency_ms')}, ${bins('ttft_ms')}
  FROM traces GROUP BY ${key(unit)}`;

/** Guardrail triggers of every trace: requests per (policy, finding kind, direction), as `guardrailTriggers()`. */
const rollupGuardrailsSql = (unit: 'hour' | 'day') => `
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

