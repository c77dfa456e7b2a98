import 'reflect-metadata';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TraceWriter, writeTraceBatch, type TraceRecord, type WrittenRecord } from '../../src/traces';
import { syntheticTraces } from '../../scripts/synthetic-traces';
import { withBenchDatabase } from './bench-database';
import { printTable } from './stats';

/** Options of the sustained ingest benchmark. */
export interface IngestSustainedOptions {
  /** PostgreSQL server: a fresh database `bench_ingest_sustained_<pid>` is created there and dropped after. */
  serverUrl: string;
  /** Offered load: traces enqueued per second, on a schedule (the feeder catches up after a stall). */
  rate: number;
  /** Measured window, seconds (after the warm-up). */
  seconds: number;
  /** Warm-up, seconds: offered at the same rate, not measured (the first rollup rows of the hour are inserted then). */
  warmupSeconds: number;
  /** The writer's largest batch (`maxBatchSize`); undefined: the writer's default. */
  maxBatchSize?: number;
  /** Distinct synthetic records cycled through (each enqueued with a fresh id and `createdAt` = now). */
  pool: number;
  /**
   * The writer's `maxQueue`: traces offered while this many wait are dropped and counted, as in the
   * service (whose default is 20 000). Bounded so an overloaded run measures the writer, not the
   * garbage collector walking a backlog of a million records.
   */
  maxQueue: number;
}

/** CPU seconds (user + system) of a process (Linux `/proc/<pid>/stat`, 10 ms ticks); 0 when it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds so far of this database's backends (its connections and autovacuum workers), and
 * of the server's shared background processes (WAL writer, checkpointer, background writer: they
 * also serve every other database on the server).
 */
async function serverCpu(ds: DataSource): Promise<{ backends: Map<number, number>; shared: number }> {
  const rows: Array<{ pid: number; mine: boolean }> = await ds.query(
    `SELECT pid, datname = current_database() AS mine FROM pg_stat_activity
      WHERE datname = current_database() OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`,
  );
  const backends = new Map<number, number>();
  let shared = 0;
  for (const { pid, mine } of rows) {
    if (mine) backends.set(pid, processCpuSeconds(pid));
    else shared += processCpuSeconds(pid);
  }
  return { backends, shared };
}

/** Backend CPU seconds between two readings: a backend first seen at the end counts from its start (it began in the window). */
function backendDelta(a: Map<number, number>, b: Map<number, number>): number {
  let s = 0;
  for (const [pid, cpu] of b) s += cpu - (a.get(pid) ?? 0);
  return s;
}

/**
 * `BENCH=ingest-sustained`: the trace writer under a steady offered load, as the service runs it
 * (its default batch sizes; traces offered while `maxQueue` wait are dropped and counted): for
 * `warmupSeconds` then `seconds`, `rate` traces a second are enqueued on a schedule, each a pooled
 * synthetic record with a fresh id and `createdAt` = now (so the rollup rows a batch touches are those
 * of live traffic). Reports, over the measured window: traces made durable a second (committed),
 * dropped a second (queue full), the queue at the end and at its largest, the enqueue-to-commit
 * delay (p50, p99, max) of the traces enqueued in the window, and CPU µs a trace in this process
 * (the feeder's own cost, measured apart, subtracted) and in the database's PostgreSQL backends
 * (`/proc/<pid>/stat`; the server's shared WAL writer, checkpointer and background writer apart, as
 * they also serve other databases). Then drains, and checks every trace is stored and counted once.
 */
export async function benchIngestSustained(o: IngestSustainedOptions): Promise<void> {
  const name = `bench_ingest_sustained_${process.pid}`;
  await withBenchDatabase(o.serverUrl, name, 4, async (ds) => {
    console.log(`\n## ingest, sustained (PostgreSQL; offered ${o.rate} traces/s, ${o.warmupSeconds} s warm-up + ${o.seconds} s measured; largest batch ${o.maxBatchSize ?? 'the default'})`);
    const pool = [...syntheticTraces(o.pool, { seed: 7 })];
    const fresh = (i: number): TraceRecord => ({ ...pool[i % pool.length]!, id: randomUUID(), createdAt: new Date() });
    // The feeder's own CPU a trace (a fresh copy of a pooled record), subtracted from the writer's.
    const c0 = process.cpuUsage();
    let sink = 0;
    for (let i = 0; i < 200_000; i++) sink += fresh(i).id.length;
    const c1 = process.cpuUsage(c0);
    const feederMicros = (c1.user + c1.system) / 200_000;
    if (!sink) throw new Error('unreachable');

    // Enqueue-to-commit delays (ms) of the traces enqueued in the window, and the commit count.
    const delays: number[] = [];
    let committed = 0;
    let windowStart = Infinity;
    let windowEnd = Infinity;
    const writeBatch = async (db: DataSource, rows: WrittenRecord[]) => {
      const n = await writeTraceBatch(db, rows);
      const now = Date.now();
      committed += rows.length;
      for (const r of rows) {
        const at = r.at.getTime();
        if (at >= windowStart && at < windowEnd) delays.push(now - at);
      }
      return n;
    };
    // The service's writer (batchSize 200, largest batch 20 000 by default).
    const w = new TraceWriter(ds, pino({ level: 'warn' }), { maxBatchSize: o.maxBatchSize, maxQueue: o.maxQueue, writeBatch });
    const droppedSoFar = async () => (await w.metrics.dropped.get()).values.reduce((a, v) => a + v.value, 0);
    await Promise.all([ds.query('SELECT 1'), ds.query('SELECT 1')]);

    let sent = 0;
    const t0 = Date.now();
    const total = o.warmupSeconds + o.seconds;
    let cpuStart = process.cpuUsage();
    let pgStart = await serverCpu(ds);
    let committedStart = 0;
    let sentStart = 0;
    let droppedStart = 0;
    let maxBacklog = 0;
    const perTen: number[] = [];
    let lastTen = 0;
    let lastTenCommitted = 0;
    for (;;) {
      const now = Date.now();
      const elapsed = (now - t0) / 1000;
      if (elapsed >= total) break;
      if (windowStart === Infinity && elapsed >= o.warmupSeconds) {
        windowStart = now;
        windowEnd = t0 + total * 1000;
        cpuStart = process.cpuUsage();
        pgStart = await serverCpu(ds);
        committedStart = committed;
        sentStart = sent;
        droppedStart = await droppedSoFar();
        lastTen = now;
        lastTenCommitted = committed;
      }
      if (windowStart !== Infinity) {
        maxBacklog = Math.max(maxBacklog, w.pending);
        if (now - lastTen >= 10_000) {
          perTen.push(Math.round(((committed - lastTenCommitted) * 1000) / (now - lastTen)));
          lastTen = now;
          lastTenCommitted = committed;
        }
      }
      const due = Math.floor(o.rate * elapsed) - sent;
      for (let i = 0; i < due; i++) w.enqueue(fresh(sent++));
      await sleep(5);
    }
    const cpu = process.cpuUsage(cpuStart);
    const pgEnd = await serverCpu(ds);
    const seconds = (Date.now() - windowStart) / 1000;
    const committedInWindow = committed - committedStart;
    const offeredInWindow = sent - sentStart;
    const droppedInWindow = (await droppedSoFar()) - droppedStart;
    const backlogAtEnd = w.pending;
    await w.close();
    const drainSeconds = (Date.now() - windowEnd) / 1000;
    const dropped = await droppedSoFar();
    const [check] = await ds.query(`SELECT (SELECT count(*) FROM traces)::int AS traces, (SELECT sum(requests) FROM trace_rollups_hourly)::int AS hourly,
      (SELECT sum(requests) FROM trace_rollups_daily)::int AS daily`);
    const kept = sent - dropped;
    if (check.traces !== kept || check.hourly !== kept || check.daily !== kept) throw new Error(`stored ${JSON.stringify(check)}, expected ${kept} each (${dropped} dropped)`);

    delays.sort((a, b) => a - b);
    const q = (p: number) => (delays.length ? delays[Math.min(delays.length - 1, Math.ceil(p * delays.length) - 1)]! : NaN);
    // CPU a trace: per trace committed in the window (the work done in it), the feeder's share per trace offered.
    const nodeMicros = (cpu.user + cpu.system - feederMicros * offeredInWindow) / committedInWindow;
    const pgMicros = (backendDelta(pgStart.backends, pgEnd.backends) * 1e6) / committedInWindow;
    const sharedMicros = ((pgEnd.shared - pgStart.shared) * 1e6) / committedInWindow;
    printTable('ingest, sustained: the measured window', [
      {
        'offered/s': Math.round(offeredInWindow / seconds),
        'durable/s': Math.round(committedInWindow / seconds),
        'durable/s each 10 s': perTen.join(' / '),
        'dropped/s (queue full)': Math.round(droppedInWindow / seconds),
        'queued at end': backlogAtEnd,
        'most queued': maxBacklog,
        'delay p50 / p99 / max (ms)': `${q(0.5)} / ${q(0.99)} / ${delays[delays.length - 1] ?? NaN}`,
        'Node CPU µs/trace': nodeMicros.toFixed(1),
        'PostgreSQL backends CPU µs/trace': pgMicros.toFixed(1),
        'server WAL/checkpoint/bgwriter µs/trace (shared)': sharedMicros.toFixed(1),
      },
    ]);
    const bound = 1e6 / Math.max(nodeMicros, pgMicros);
    const twoCores = 2e6 / (nodeMicros + pgMicros);
    console.log(`- the feeder (a fresh copy of a pooled record): ${feederMicros.toFixed(2)} µs a trace, subtracted from the Node figure`);
    console.log(`- CPU bound: one free core each ${Math.round(bound)} traces/s; two shared free cores ${Math.round(twoCores)} traces/s (backends only)`);
    console.log(`- drained the queue in ${drainSeconds.toFixed(1)} s after the window; checked: ${kept} traces stored = rollup requests (hourly, daily) = offered ${sent} - dropped ${dropped}`);
  });
}
