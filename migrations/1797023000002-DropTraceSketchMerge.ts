import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `trace_sketch_merge(jsonb, jsonb)` merged jsonb sketches in the rollup upserts until the sketches
 * became `int8[]` pairs appended by the upserts (migration `TraceSketchBinArrays`); nothing calls it
 * since. `down` puts back the version of `TraceSketchMergeByDelta`.
 */
export class DropTraceSketchMerge1797023000002 implements MigrationInterface {
  name = 'DropTraceSketchMerge1797023000002';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION trace_sketch_merge(jsonb, jsonb)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION trace_sketch_merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT a || COALESCE(CASE WHEN pg_column_size(a) < 1024
          THEN (SELECT jsonb_object_agg(k, COALESCE((a ->> k)::bigint, 0) + v::bigint) FROM jsonb_each_text(b) AS e(k, v))
          ELSE (SELECT jsonb_object_agg(k, COALESCE(x.v::bigint, 0) + y.v::bigint) FROM jsonb_each_text(b) AS y(k, v) LEFT JOIN jsonb_each_text(a) AS x(k, v) USING (k))
        END, '{}'::jsonb)
      $$`);
  }
}
