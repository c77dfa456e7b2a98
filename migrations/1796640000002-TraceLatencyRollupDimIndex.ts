import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A latency query on one dimension reads the rows of that dimension over a time range: indexed by
 * (dim, source, bucket), it reads only those (the unique key starts with the bucket, so a month's
 * range went through the rows of every dimension). None of these columns changes on an upsert, so the
 * rollup writer's updates stay HOT.
 */
export class TraceLatencyRollupDimIndex1796640000002 implements MigrationInterface {
  name = 'TraceLatencyRollupDimIndex1796640000002';

  public async up(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) {
      await q.query(`CREATE INDEX "ix_trace_latency_rollups_${level}_dim" ON "trace_latency_rollups_${level}" ("dim", "source", "bucket")`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) await q.query(`DROP INDEX "ix_trace_latency_rollups_${level}_dim"`);
  }
}
