import { MigrationInterface, QueryRunner } from 'typeorm';

/** The columns of a rollup row that costBreakdown, cacheStats and guardrailStats' totals read (everything but the latency sketches and counts). */
const COUNT_COLUMNS = [
  'prompt',
  'prompt_version',
  'label',
  'model_id',
  'route_rule',
  'api_key',
  'status',
  'cached',
  'requests',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_micros',
  'cost_system_micros',
  'cost_context_micros',
  'cost_history_micros',
  'cost_input_micros',
  'cost_output_micros',
  'cost_cache_read_micros',
  'cost_cache_write_micros',
  'saved_micros',
];

/**
 * A covering index of the counts of `trace_rollups_{hourly,daily}`: (source, bucket) with every column
 * but the latency sketches included, so costBreakdown, cacheStats and guardrailStats' per-bucket
 * totals read a time range with an index-only scan. Their rows carry the latency and TTFT sketches
 * inline (several KB a row at 10M traces: 121 MB for 25,602 daily rows), and a seq scan read all of
 * that for a few numbers; the unique key starts with the bucket but holds no measures. Costs one more
 * index entry per rollup row an ingest batch updates (a few thousand a batch of 20,000 traces).
 */
export class TraceRollupCountsIndex1797023100001 implements MigrationInterface {
  name = 'TraceRollupCountsIndex1797023100001';

  public async up(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) {
      await q.query(
        `CREATE INDEX "ix_trace_rollups_${level}_counts" ON "trace_rollups_${level}" ("source", "bucket") INCLUDE (${COUNT_COLUMNS.map((c) => `"${c}"`).join(', ')})`,
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const level of ['hourly', 'daily'] as const) await q.query(`DROP INDEX "ix_trace_rollups_${level}_counts"`);
  }
}
