import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes of `traces` become partial (issue 15, ingest): `eval_run_id` and `otel_trace_id` are
 * null on most rows (production traffic has no eval run; traces written by imports or the seeding
 * command have no operation id), and a full btree stores an entry for every null, paid on every
 * insert. Their only readers filter with `= value` (TraceFilter.evalRun, TraceFilter.otelTraceId),
 * which implies NOT NULL, so the planner uses the partial index for them as before.
 */
export class TracePartialIndexes1796630000002 implements MigrationInterface {
  name = 'TracePartialIndexes1796630000002';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."ix_traces_eval_run_id"`);
    await q.query(`CREATE INDEX "ix_traces_eval_run_id" ON "traces" ("eval_run_id") WHERE "eval_run_id" IS NOT NULL`);
    await q.query(`DROP INDEX "public"."ix_traces_otel_trace_id"`);
    await q.query(`CREATE INDEX "ix_traces_otel_trace_id" ON "traces" ("otel_trace_id") WHERE "otel_trace_id" IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."ix_traces_otel_trace_id"`);
    await q.query(`CREATE INDEX "ix_traces_otel_trace_id" ON "traces" ("otel_trace_id")`);
    await q.query(`DROP INDEX "public"."ix_traces_eval_run_id"`);
    await q.query(`CREATE INDEX "ix_traces_eval_run_id" ON "traces" ("eval_run_id")`);
  }
}
