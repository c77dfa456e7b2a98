import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['trace_rollups_hourly', 'trace_rollups_daily', 'trace_latency_rollups_hourly', 'trace_latency_rollups_daily'] as const;

/**
 * Latency sketches stored as `{key, count}` pairs in a two-dimensional `int8[]` instead of a jsonb
 * object (issue 15, ingest). The writer's upserts merged a batch's bins into every touched rollup row
 * with `trace_sketch_merge` (jsonb taken apart and rebuilt: ~30 µs a column, most of the upserts'
 * time); now they append the batch's pairs (`||`, a copy) and compact a row's sketches with
 * `trace_bins_compact` (a key once, counts summed, sorted by key) only once they have more than
 * doubled since the last compaction, which `bins_compacted` records (elements of both columns then).
 * Readers sum the counts of a key, so answers do not depend on when a row was compacted. Existing
 * sketches are converted compact (each key once) in place, in the one rewrite of each table.
 */
export class TraceSketchBinArrays1797022500001 implements MigrationInterface {
  name = 'TraceSketchBinArrays1797022500001';

  public async up(q: QueryRunner): Promise<void> {
    // Keys and counts as two columns (slices of the pairs), grouped once; `b` is used only in FROM, so
    // an inlined call evaluates its argument (an append) once a call, not once a pair.
    await q.query(`
      CREATE FUNCTION trace_bins_compact(b int8[]) RETURNS int8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(array_agg(ARRAY[k, n]), '{}') FROM (
          SELECT k, sum(n)::int8 AS n FROM unnest(b[:][1:1], b[:][2:2]) AS u(k, n) GROUP BY k ORDER BY k) s
      $$`);
    await q.query(`
      CREATE FUNCTION trace_bins_from_jsonb(j jsonb) RETURNS int8[] LANGUAGE sql IMMUTABLE AS $$
        SELECT COALESCE(array_agg(ARRAY[k::int8, v::int8] ORDER BY k::int8), '{}') FROM jsonb_each_text(j) AS e(k, v)
      $$`);
    // A sketch of a busy row outgrows the inline limit and is compressed on every write: with lz4
    // (when the server has it; PGlite has not) instead of pglz, several times faster both ways.
    const [{ lz4 }] = await q.query(`SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) AS lz4`);
    const compression = lz4 ? `, ALTER COLUMN "latency_bins" SET COMPRESSION lz4, ALTER COLUMN "ttft_bins" SET COMPRESSION lz4` : '';
    // One rewrite a table. Converted sketches are compact, but bins_compacted starts at 0 rather than
    // updating every row again (a second copy of each table until vacuumed): a busy row is compacted
    // once more, on its first upsert, and recorded then.
    for (const t of TABLES) {
      await q.query(`ALTER TABLE "${t}"
        ALTER COLUMN "latency_bins" TYPE int8[] USING trace_bins_from_jsonb("latency_bins"),
        ALTER COLUMN "ttft_bins" TYPE int8[] USING trace_bins_from_jsonb("ttft_bins"),
        ADD "bins_compacted" integer NOT NULL DEFAULT 0${compression}`);
    }
    await q.query(`DROP FUNCTION trace_bins_from_jsonb(jsonb)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION trace_bins_to_jsonb(b int8[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
        SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM (SELECT b[i][1] AS k, sum(b[i][2]) AS n FROM generate_subscripts(b, 1) AS i GROUP BY 1) s
      $$`);
    for (const t of TABLES) {
      await q.query(`ALTER TABLE "${t}"
        DROP COLUMN "bins_compacted",
        ALTER COLUMN "latency_bins" TYPE jsonb USING trace_bins_to_jsonb("latency_bins"),
        ALTER COLUMN "ttft_bins" TYPE jsonb USING trace_bins_to_jsonb("ttft_bins"),
        ALTER COLUMN "latency_bins" SET COMPRESSION DEFAULT, ALTER COLUMN "ttft_bins" SET COMPRESSION DEFAULT`);
    }
    await q.query(`DROP FUNCTION trace_bins_to_jsonb(int8[])`);
    await q.query(`DROP FUNCTION trace_bins_compact(int8[])`);
  }
}
