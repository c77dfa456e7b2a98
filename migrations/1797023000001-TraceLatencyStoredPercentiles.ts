import { MigrationInterface, QueryRunner } from 'typeorm';

const LEVELS = ['hourly', 'daily'] as const;

/**
 * Latency over long ranges without reading sketches (issue 15, read side).
 *
 * `trace_latency_percentiles_<level>`: the five percentiles (latency p50/p95/p99, TTFT p50/p95) of a
 * row of `trace_latency_rollups_<level>`, with the `requests` the row had when they were computed.
 * A rollup row only ever gains traces, so while its `requests` is unchanged its sketches are too and
 * the stored percentiles are its own; once a batch adds to it they no longer match and are not used.
 * Written by `latencyStats` the first time it computes a closed bucket's percentiles from the bins
 * (never by the trace writer, so ingest pays nothing); an answer group made of one rollup row (an
 * hour of an HOUR bucket, a day of a DAY bucket) then reads five numbers instead of two sketches.
 *
 * The dimension index of `trace_latency_rollups_<level>` becomes covering (the counts and values in
 * INCLUDE): the counts of a month by hour are read from ~60 index pages by an index-only scan
 * instead of one heap page per row, where the rows' inline sketches spread them (3,594 pages for
 * 4,314 rows at 1M traces). Updates of these rows were almost never HOT already (the pages are full:
 * 106 of 15,499 at 1M traces), so the wider index costs the writer little.
 */
export class TraceLatencyStoredPercentiles1797023000001 implements MigrationInterface {
  name = 'TraceLatencyStoredPercentiles1797023000001';

  public async up(q: QueryRunner): Promise<void> {
    for (const level of LEVELS) {
      await q.query(`CREATE TABLE "trace_latency_percentiles_${level}" (
        "bucket" timestamptz NOT NULL,
        "source" text NOT NULL,
        "dim" text NOT NULL,
        "value" text,
        "dim2" text NOT NULL,
        "value2" text,
        "requests" bigint NOT NULL,
        "latency_p50" float8,
        "latency_p95" float8,
        "latency_p99" float8,
        "ttft_p50" float8,
        "ttft_p95" float8
      )`);
      await q.query(
        `CREATE UNIQUE INDEX "ux_trace_latency_percentiles_${level}_key" ON "trace_latency_percentiles_${level}" ("dim", "dim2", "source", "bucket", "value", "value2")
          INCLUDE ("requests", "latency_p50", "latency_p95", "latency_p99", "ttft_p50", "ttft_p95") NULLS NOT DISTINCT`,
      );
      await q.query(`DROP INDEX "ix_trace_latency_rollups_${level}_dim"`);
      await q.query(
        `CREATE INDEX "ix_trace_latency_rollups_${level}_dim" ON "trace_latency_rollups_${level}" ("dim", "dim2", "source", "bucket") INCLUDE ("value", "value2", "requests", "latency_count", "latency_sum")`,
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const level of LEVELS) {
      await q.query(`DROP INDEX "ix_trace_latency_rollups_${level}_dim"`);
      await q.query(`CREATE INDEX "ix_trace_latency_rollups_${level}_dim" ON "trace_latency_rollups_${level}" ("dim", "dim2", "source", "bucket")`);
      await q.query(`DROP TABLE "trace_latency_percentiles_${level}"`);
    }
  }
}
