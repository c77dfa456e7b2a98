import 'reflect-metadata';
import pino from 'pino';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { TraceWriter, writeTraceBatch, writeTraceBatchInsert, type TraceRecord, type TraceWriterOptions } from '../../src/traces';
import { backendCpuSeconds } from '../../scripts/seed-traces';
import { syntheticTraces } from '../../scripts/synthetic-traces';
import { withBenchDatabase } from './bench-database';
import { printTable } from './stats';

/** Options of the ingest benchmark. */
export interface IngestBenchOptions {
  /** PostgreSQL server: a fresh database `bench_ingest_<pid>` is created there and dropped after. */
  serverUrl: string;
  /** Traces per round. */
  count: number;
  /** Rounds per path, alternated (insert, copy, insert, copy, …) so both see the same machine. */
  rounds: number;
  /** Records per batch (the writer's `batchSize`; batches grow to `maxBatches` while backlogged, which they are here). */
  batch: number;
  /** The largest batches compared, one candidate each (the writer's `maxBatchSize`): 5 000 was the writer's default before, 20 000 is now. */
  maxBatches: number[];
  /** Also run the one-INSERT path (PGlite's; PostgreSQL's before COPY) at the largest batch. */
  insert: boolean;
  /** The traces' timestamps arrive at this rate (traces/s of event time): how many rollup rows a batch touches. */
  eventRate: number;
}

interface Round {
  path: string;
  perSecond: number;
  nodeCpu: number;
  dbCpu: number | null;
}

/**
 * `BENCH=ingest`: the trace writer's throughput through the real write path (sanitize and spool-less
 * enqueue, validation, batch transactions with the rollups, weekly partitions) on PostgreSQL: the
 * COPY path with the writer's largest batch before (5 000) and now (20 000), and on request the
 * one-INSERT path (`writeTraceBatchInsert`, PGlite's), alternated in the same run on the same database. The synthetic traces are generated
 * before each round (their generation is timed apart), so the figures are the writer's alone.
 * Reports traces/s (wall clock: depends on what else the machine runs) and CPU µs per trace in this
 * process and in the PostgreSQL backends; after each round, checks that every trace is stored and
 * counted once in the rollups.
 */
export async function benchIngest(o: IngestBenchOptions): Promise<void> {
  const name = `bench_ingest_${process.pid}`;
  await withBenchDatabase(o.serverUrl, name, 4, async (ds) => {
    console.log(`\n## ingest (PostgreSQL, ${o.count} traces a round, batches of ${o.batch} growing while backlogged, event time at ${o.eventRate} traces/s)`);
    const fmt = (n: number) => n.toLocaleString('en-US');
    const paths: Array<[string, NonNullable<TraceWriterOptions['writeBatch']>, number]> = o.maxBatches.map((m) => [`COPY, batches up to ${fmt(m)}`, writeTraceBatch, m]);
    const largest = Math.max(...o.maxBatches);
    if (o.insert) paths.unshift([`INSERT (json_to_recordset), batches up to ${fmt(largest)}`, writeTraceBatchInsert, largest]);
    const rounds: Round[] = [];
    let end = Date.now();
    let stored = 0;
    let generation = 0;
    for (let round = 0; round < o.rounds; round++) {
      for (const [path, writeBatch, maxBatchSize] of paths) {
        // Each round a new stretch of event time: later rounds add to fresh rollup rows as much as earlier ones.
        const span = (o.count / o.eventRate) * 1000;
        const g0 = process.cpuUsage();
        const records = [...syntheticTraces(o.count, { seed: rounds.length + 1, start: new Date(end), end: new Date(end + span) })];
        const g = process.cpuUsage(g0);
        generation += g.user + g.system;
        end += span;
        rounds.push(await ingestRound(ds, path, records, { batchSize: Math.min(o.batch, maxBatchSize), maxBatchSize, maxQueue: maxBatchSize * 4, flushIntervalMs: 20, writeBatch }));
        stored += o.count;
        const [check] = await ds.query(`SELECT (SELECT count(*) FROM traces)::int AS traces, (SELECT sum(requests) FROM trace_rollups_hourly)::int AS hourly,
          (SELECT sum(requests) FROM trace_rollups_daily)::int AS daily`);
        if (check.traces !== stored || check.hourly !== stored || check.daily !== stored) throw new Error(`after ${path}: ${JSON.stringify(check)}, expected ${stored} each`);
      }
    }
    const rows: Array<Record<string, string>> = [];
    for (const [path] of paths) {
      const mine = rounds.filter((r) => r.path === path);
      const avg = (f: (r: Round) => number) => mine.reduce((a, r) => a + f(r), 0) / mine.length;
      const db = mine.every((r) => r.dbCpu !== null) ? avg((r) => r.dbCpu!) : null;
      const node = avg((r) => r.nodeCpu);
      rows.push({
        path,
        'traces/s (each round)': mine.map((r) => Math.round(r.perSecond)).join(' / '),
        'Node CPU µs/trace': node.toFixed(1),
        'PostgreSQL CPU µs/trace': db === null ? 'n/a' : db.toFixed(1),
        'one free core each: traces/s': String(Math.round(1e6 / Math.max(node, db ?? 0))),
      });
    }
    printTable('ingest: candidates in the same run, rounds alternated', rows);
    console.log(`- generating the synthetic traces (not in the figures above): ${(generation / (o.count * rounds.length)).toFixed(1)} µs a trace`);
    console.log(`- every round checked: traces stored = rollup requests (hourly, daily) = ${stored}`);
  });
}

/** Enqueues `records` into a fresh writer as fast as it accepts them, and waits until all are written. */
async function ingestRound(ds: Parameters<typeof backendCpuSeconds>[0], path: string, records: TraceRecord[], options: TraceWriterOptions): Promise<Round> {
  const w = new TraceWriter(ds, pino({ level: 'warn' }), options);
  await ds.query('SELECT 1');
  const db0 = await backendCpuSeconds(ds);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const batch = options.batchSize!;
  // Enough waiting that the writer stays backlogged and takes its largest batches.
  const cap = options.maxBatchSize! * 2;
  for (let i = 0; i < records.length; i++) {
    // Waits on a timer, not by spinning on setImmediate: a spin would count as the writer's CPU.
    while (w.pending >= cap) await sleep(1);
    w.enqueue(records[i]!);
    if (i % batch === batch - 1) await tick();
  }
  await w.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const db1 = db0 === null ? null : await backendCpuSeconds(ds);
  const dropped = (await w.metrics.dropped.get()).values.reduce((a, v) => a + v.value, 0);
  if (dropped) throw new Error(`${dropped} traces dropped (${path})`);
  return {
    path,
    perSecond: records.length / seconds,
    nodeCpu: (cpu.user + cpu.system) / records.length,
    dbCpu: db0 === null || db1 === null ? null : ((db1 - db0) * 1e6) / records.length,
  };
}
