import 'reflect-metadata';
import fs from 'node:fs';
import type { PoolClient } from 'pg';
import { sanitizeForStorage, type WrittenRecord } from '../../src/traces';
import { validateTraceRecord } from '../../src/traces/trace-record';
import { copyBinary, copyTraces } from '../../src/traces/trace-copy';
import { batchRollupDeltas, upsertAllRollupsSql } from '../../src/traces/trace-rollups';
import { weeksOf } from '../../src/traces/trace-writer';
import { syntheticTraces } from '../../scripts/synthetic-traces';
import { withBenchDatabase } from './bench-database';
import { printTable } from './stats';

/** Options of the per-step ingest profile. */
export interface IngestStepsOptions {
  /** PostgreSQL server: a fresh database `bench_ingest_steps_<pid>` is created there and dropped after. */
  serverUrl: string;
  /** Traces per candidate. */
  count: number;
  /** The batch sizes profiled, each on its own fresh stretch of event time. */
  batches: number[];
  /** Event time, traces/s: how many rollup rows a batch touches. */
  eventRate: number;
}

/** CPU µs a process has used (Linux `/proc/<pid>/stat`, user + system, 10 ms ticks). */
function processCpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

const nodeCpu = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/**
 * `BENCH=ingest-steps`: where a batch write's time goes, step by step, per batch size: in Node
 * (sanitize, validation, COPY row encoding (binary), rollup folding, rollup SQL) and in the PostgreSQL
 * backend (partitions, COPY, the rollup upserts, COMMIT; CPU read from /proc around each statement,
 * so the server must run on this machine). Runs the steps of `writeTraceBatchCopy` one after the
 * other instead of overlapped, so each can be timed apart. µs a trace.
 */
export async function benchIngestSteps(o: IngestStepsOptions): Promise<void> {
  const name = `bench_ingest_steps_${process.pid}`;
  await withBenchDatabase(o.serverUrl, name, 2, async (ds) => {
    console.log(`\n## ingest steps (PostgreSQL, ${o.count} traces per batch size, event time at ${o.eventRate} traces/s)`);
    const rows: Array<Record<string, string>> = [];
    let start = Date.now();
    for (const batch of o.batches) {
      const end = start + (o.count / o.eventRate) * 1000;
      const records = [...syntheticTraces(o.count, { seed: batch, start: new Date(start), end: new Date(end) })];
      start = end;
      const node = { sanitize: 0, validate: 0, encode: 0, fold: 0, sql: 0 };
      const pg = { partitions: 0, copy: 0, upserts: 0, commit: 0 };
      let rollupRows = 0;
      for (let i = 0; i < records.length; i += batch) {
        let t = nodeCpu();
        const lap = (k: keyof typeof node) => {
          const now = nodeCpu();
          node[k] += now - t;
          t = now;
        };
        const clean = records.slice(i, i + batch).map((r) => sanitizeForStorage(r));
        lap('sanitize');
        const at = new Date();
        const written: WrittenRecord[] = [];
        for (const r of clean) {
          const v = validateTraceRecord(r);
          if (!v.ok) throw new Error(v.error);
          v.value.createdAt ??= at;
          written.push({ record: v.value, at });
        }
        lap('validate');
        // In the writer's chunks (`copyTraces` encodes 256 rows at a time).
        for (let j = 0; j < written.length; j += 256) copyBinary(written.slice(j, j + 256));
        lap('encode');
        const deltas = batchRollupDeltas(written);
        lap('fold');
        const upsert = upsertAllRollupsSql(deltas)!;
        lap('sql');
        for (const level of Object.values(deltas)) rollupRows += level.rollups.length + level.guardrails.length + level.latency.length;
        const qr = ds.createQueryRunner();
        const client = (await qr.connect()) as PoolClient;
        try {
          const [{ pid }] = (await qr.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
          const step = async (k: keyof typeof pg, f: () => Promise<unknown>) => {
            const c0 = processCpuMicros(pid);
            await f();
            pg[k] += processCpuMicros(pid) - c0;
          };
          await qr.startTransaction();
          await step('partitions', () => qr.query('SELECT trace_partitions_ensure($1::timestamptz[])', [weeksOf(written)]));
          await step('copy', () => copyTraces(client, written));
          await step('upserts', () => qr.query(upsert.sql, upsert.params));
          await step('commit', () => qr.commitTransaction());
        } finally {
          await qr.release();
        }
      }
      const per = (v: number) => (v / o.count).toFixed(1);
      rows.push({
        batch: String(batch),
        'rollup rows a batch': String(Math.round(rollupRows / Math.ceil(o.count / batch))),
        'Node: sanitize': per(node.sanitize),
        validate: per(node.validate),
        'COPY rows': per(node.encode),
        fold: per(node.fold),
        'rollup SQL': per(node.sql),
        'PG: partitions': per(pg.partitions),
        COPY: per(pg.copy),
        'rollup upserts': per(pg.upserts),
        COMMIT: per(pg.commit),
      });
    }
    printTable('ingest steps: CPU µs a trace (Node process; PostgreSQL backend)', rows);
  });
}
