import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cheaper `trace_sketch_merge(stored, delta)` for the trace writer's rollup upserts (issue 15,
 * ingest). The first version unnested BOTH sketches, grouped and rebuilt the object: its cost grew
 * with the stored sketch (an hour's or a day's latency bins, often a hundred keys) on every upsert,
 * and it was most of PostgreSQL's work per trace. This one sums only the delta's bins (a batch's
 * few keys) with the stored counts of the same keys, and overwrites those keys (`||`). Same result
 * for any two sketches: every key of either, counts added (a test checks it against the old one).
 */
export class TraceSketchMergeByDelta1796630000001 implements MigrationInterface {
  name = 'TraceSketchMergeByDelta1796630000001';

  public async up(q: QueryRunner): Promise<void> {
    // A small stored sketch is looked up key by key; a large one is stored compressed, and each
    // lookup would decompress it again, so it is read once and joined with the delta instead.
    await q.query(`
      CREATE OR REPLACE FUNCTION trace_sketch_merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT a || COALESCE(CASE WHEN pg_column_size(a) < 1024
          THEN (SELECT jsonb_object_agg(k, COALESCE((a ->> k)::bigint, 0) + v::bigint) FROM jsonb_each_text(b) AS e(k, v))
          ELSE (SELECT jsonb_object_agg(k, COALESCE(x.v::bigint, 0) + y.v::bigint) FROM jsonb_each_text(b) AS y(k, v) LEFT JOIN jsonb_each_text(a) AS x(k, v) USING (k))
        END, '{}'::jsonb)
      $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION trace_sketch_merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb)
        FROM (SELECT k, sum(v::bigint) AS n FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) s(k, v) GROUP BY k) x
      $$`);
  }
}
