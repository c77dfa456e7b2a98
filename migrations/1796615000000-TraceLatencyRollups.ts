import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Latency sketches per single dimension (issue 15): `trace_latency_rollups_hourly` / `_daily` hold,
 * per bucket, source and (dimension, value), the DDSketch bins of latency and time to first token.
 * A latency query grouping by at most one dimension reads one row per (bucket, value) here instead
 * of one per combination of every dimension in `trace_rollups_*`. Hand-written like the other rollup
 * tables (NULLS NOT DISTINCT keys; no entity). Existing traces are rolled up at the end.
 */
export class TraceLatencyRollups1796615000000 implements MigrationInterface {
  name = 'TraceLatencyRollups1796615000000';

  public async up(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) {
      await q.query(`
        CREATE TABLE "trace_latency_rollups_${level}" (
          "bucket" timestamptz NOT NULL,
          "source" text NOT NULL,
          "dim" text NOT NULL,
          "value" text,
          "latency_bins" jsonb NOT NULL,
          "ttft_bins" jsonb NOT NULL
        )`);
      await q.query(`CREATE UNIQUE INDEX "ux_trace_latency_rollups_${level}_key" ON "trace_latency_rollups_${level}" ("bucket", "source", "dim", "value") NULLS NOT DISTINCT`);
    }
    for (const unit of ['hour', 'day'] as const) await q.query(rollupLatencySql(unit));
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "trace_latency_rollups_daily"`);
    await q.query(`DROP TABLE "trace_latency_rollups_hourly"`);
  }
}

// A frozen copy of the rebuild SQL of src/traces/rollup-rebuild.ts at the time of this migration.
const bins = (col: string) =>
  `(SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM (SELECT trace_sketch_key(x) AS k, count(*) AS n FROM unnest(array_agg(${col})) AS x WHERE x IS NOT NULL GROUP BY 1) s)`;
const rollupLatencySql = (unit: 'hour' | 'day') => `
  INSERT INTO trace_latency_rollups_${unit === 'hour' ? 'hourly' : 'daily'} (bucket, source, dim, value, latency_bins, ttft_bins)
  SELECT date_trunc('${unit}', created_at, 'UTC') AS bucket, source, dim, value, ${bins('latency_ms')}, ${bins('ttft_ms')}
  FROM traces
  CROSS JOIN LATERAL (VALUES ('', NULL::text), ('prompt', prompt), ('prompt_version', prompt_version::text), ('label', label),
    ('model_id', model_id), ('route_rule', route_rule), ('api_key', api_key)) AS d(dim, value)
  WHERE latency_ms IS NOT NULL OR ttft_ms IS NOT NULL
  GROUP BY 1, 2, 3, 4`;
