import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts in the per-dimension latency rollups (issue 15): `trace_latency_rollups_hourly` / `_daily`
 * gain `requests`, `latency_count` and `latency_sum`, so a latency query on at most one dimension
 * reads its counts, average and sketches from these narrow rows alone (one per bucket and value)
 * instead of summing every combination of every dimension in `trace_rollups_*`. A row now exists for
 * every (bucket, source, dim, value) with traffic, also when none of its traces has a latency.
 * Existing rows are filled from `trace_rollups_*` (the same traces, already summed).
 */
export class TraceLatencyRollupCounts1796640000001 implements MigrationInterface {
  name = 'TraceLatencyRollupCounts1796640000001';

  public async up(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) {
      await q.query(`ALTER TABLE "trace_latency_rollups_${level}"
        ADD "requests" bigint NOT NULL DEFAULT 0, ADD "latency_count" bigint NOT NULL DEFAULT 0, ADD "latency_sum" float8 NOT NULL DEFAULT 0`);
      await q.query(`
        INSERT INTO trace_latency_rollups_${level} AS l (bucket, source, dim, value, latency_bins, ttft_bins, requests, latency_count, latency_sum)
        SELECT r.bucket, r.source, d.dim, d.value, '{}'::jsonb, '{}'::jsonb, sum(r.requests), sum(r.latency_count), sum(r.latency_sum)
        FROM trace_rollups_${level} r
        CROSS JOIN LATERAL (VALUES ('', NULL::text), ('prompt', r.prompt), ('prompt_version', r.prompt_version::text), ('label', r.label),
          ('model_id', r.model_id), ('route_rule', r.route_rule), ('api_key', r.api_key)) AS d(dim, value)
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (bucket, source, dim, value) DO UPDATE SET requests = EXCLUDED.requests, latency_count = EXCLUDED.latency_count, latency_sum = EXCLUDED.latency_sum`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) {
      await q.query(`DELETE FROM "trace_latency_rollups_${level}" WHERE latency_bins = '{}'::jsonb AND ttft_bins = '{}'::jsonb`);
      await q.query(`ALTER TABLE "trace_latency_rollups_${level}" DROP COLUMN "latency_sum", DROP COLUMN "latency_count", DROP COLUMN "requests"`);
    }
  }
}
