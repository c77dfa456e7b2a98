import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Latency rollups per pair of dimensions (issue 15): `trace_latency_rollups_hourly` / `_daily` gain
 * `dim2` and `value2`, so a row is either one dimension (`dim2` = '') or a pair (`dim` before `dim2`
 * in the order prompt, prompt_version, label, model_id, route_rule, api_key). A latency query whose
 * grouping and filters name two dimensions then reads one row per (bucket, value, value2) instead of
 * merging the sketches of every combination of every dimension in `trace_rollups_*`. The unique key
 * and the read index take the new columns; pair rows of existing traces are rolled up at the end.
 */
export class TraceLatencyPairRollups1797010000001 implements MigrationInterface {
  name = 'TraceLatencyPairRollups1797010000001';

  public async up(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) {
      await q.query(`ALTER TABLE "trace_latency_rollups_${level}" ADD "dim2" text NOT NULL DEFAULT '', ADD "value2" text`);
      await q.query(`DROP INDEX "ux_trace_latency_rollups_${level}_key"`);
      await q.query(
        `CREATE UNIQUE INDEX "ux_trace_latency_rollups_${level}_key" ON "trace_latency_rollups_${level}" ("bucket", "source", "dim", "value", "dim2", "value2") NULLS NOT DISTINCT`,
      );
      await q.query(`DROP INDEX "ix_trace_latency_rollups_${level}_dim"`);
      await q.query(`CREATE INDEX "ix_trace_latency_rollups_${level}_dim" ON "trace_latency_rollups_${level}" ("dim", "dim2", "source", "bucket")`);
    }
    for (const unit of ['hour', 'day'] as const) await q.query(rollupPairsSql(unit));
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) {
      await q.query(`DELETE FROM "trace_latency_rollups_${level}" WHERE dim2 <> ''`);
      await q.query(`DROP INDEX "ix_trace_latency_rollups_${level}_dim"`);
      await q.query(`CREATE INDEX "ix_trace_latency_rollups_${level}_dim" ON "trace_latency_rollups_${level}" ("dim", "source", "bucket")`);
      await q.query(`DROP INDEX "ux_trace_latency_rollups_${level}_key"`);
      await q.query(`CREATE UNIQUE INDEX "ux_trace_latency_rollups_${level}_key" ON "trace_latency_rollups_${level}" ("bucket", "source", "dim", "value") NULLS NOT DISTINCT`);
      await q.query(`ALTER TABLE "trace_latency_rollups_${level}" DROP COLUMN "value2", DROP COLUMN "dim2"`);
    }
  }
}

// A frozen copy of the pair half of the rebuild SQL of src/traces/rollup-rebuild.ts at the time of this migration.
const DIMS: Array<[string, string]> = [
  ['prompt', 'prompt'],
  ['prompt_version', 'prompt_version::text'],
  ['label', 'label'],
  ['model_id', 'model_id'],
  ['route_rule', 'route_rule'],
  ['api_key', 'api_key'],
];
const PAIRS = DIMS.flatMap(([a, av], i) => DIMS.slice(i + 1).map(([b, bv]) => `('${a}', ${av}, '${b}', ${bv})`));
const bins = (col: string) =>
  `(SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM (SELECT trace_sketch_key(x) AS k, count(*) AS n FROM unnest(array_agg(${col})) AS x WHERE x IS NOT NULL GROUP BY 1) s)`;
const rollupPairsSql = (unit: 'hour' | 'day') => `
  INSERT INTO trace_latency_rollups_${unit === 'hour' ? 'hourly' : 'daily'} (bucket, source, dim, value, dim2, value2, requests, latency_count, latency_sum, latency_bins, ttft_bins)
  SELECT date_trunc('${unit}', created_at, 'UTC') AS bucket, source, dim, value, dim2, value2, count(*), count(latency_ms), COALESCE(sum(latency_ms), 0), ${bins('latency_ms')}, ${bins('ttft_ms')}
  FROM traces
  CROSS JOIN LATERAL (VALUES ${PAIRS.join(', ')}) AS d(dim, value, dim2, value2)
  GROUP BY 1, 2, 3, 4, 5, 6`;
