/**
 * Writes N realistic synthetic traces through the real write path (validation, the trace writer's
 * batches, the rollups in the same transaction), with a progress bar:
 *
 *   npm run seed:traces -- --count 10000000 [--days 30] [--seed 1] [--batch 20000] [--writers 1] [--spool <dir>] [--path copy|insert]
 *
 * `--path insert` writes with the one-INSERT path (PGlite's, and PostgreSQL's before COPY), to compare.
 *
 * Uses DATABASE_URL (else PGlite in DATA_DIR) like the service. Traces end now and go back `--days`.
 */
import fs from 'node:fs';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { SingleBar, Presets } from 'cli-progress';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TraceWriter, writeTraceBatchInsert, type TraceWriterOptions } from '../src/traces';
import { openDatabase } from './db-cli';
import { syntheticTraces } from './synthetic-traces';

/** Options of `seedTraces()`. */
export interface SeedOptions {
  count: number;
  days?: number;
  seed?: number;
  /** Records per batch transaction. Default 20 000 (the writer's largest batch: a batch's rollup upserts cost about the same whatever its size). */
  batch?: number;
  /**
   * Writers in parallel (each one connection, one transaction in flight). Default 1: a writer already
   * validates and encodes its next batch while PostgreSQL writes the current one, and a second writer
   * mostly waits for the first's row locks on the same hour's rollup rows.
   */
  writers?: number;
  end?: Date;
  /** Durable spool folder (as the service's `TRACE_SPOOL_DIR`): each trace is appended there before it is queued. Unset: no spool. */
  spoolDir?: string;
  /** The batch write (default: the writer's, COPY on PostgreSQL); the benchmark passes the INSERT path to compare. */
  writeBatch?: TraceWriterOptions['writeBatch'];
  /** Called with the records written so far. */
  progress?: (done: number) => void;
}

/** CPU seconds (user + system) the PostgreSQL backends of this database used so far; null when the server is not on this machine. */
export async function backendCpuSeconds(ds: DataSource): Promise<number | null> {
  try {
    const rows: Array<{ pid: number }> = await ds.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    const tick = 100; // USER_HZ on Linux
    let total = 0;
    for (const { pid } of rows) {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    }
    return rows.length ? total : null;
  } catch {
    return null;
  }
}

/** What a seeding run reached. */
export interface SeedResult {
  count: number;
  seconds: number;
  /** Traces per second, from first enqueue to last commit (wall clock: depends on what else the machine runs). */
  perSecond: number;
  /** CPU time of this process per trace (generation, sanitize, validation, SQL building), in µs. */
  nodeCpuMicrosPerTrace: number;
  /** CPU time of the database backends per trace (INSERT, indexes, rollup upserts), in µs; null when the server is not local. */
  dbCpuMicrosPerTrace: number | null;
}

/** Seeds traces; resolves with the rate reached (traces per second, from first enqueue to last commit) and the CPU each trace cost. */
export async function seedTraces(ds: DataSource, o: SeedOptions): Promise<SeedResult> {
  const logger = pino({ level: 'warn' });
  const batch = o.batch ?? 20_000;
  const isPg = ds.options.type === 'postgres' && 'url' in ds.options && Boolean(ds.options.url);
  const writers = Array.from(
    { length: o.writers ?? 1 },
    () => new TraceWriter(ds, logger, { batchSize: batch, maxQueue: batch * 8, flushIntervalMs: 20, spoolDir: o.spoolDir, writeBatch: o.writeBatch }),
  );
  const end = o.end ?? new Date();
  const start = new Date(end.getTime() - (o.days ?? 30) * 86_400_000);
  // Open the writers' connections first, so their backends are counted from the start.
  await Promise.all(Array.from({ length: writers.length }, () => ds.query('SELECT 1')));
  const db0 = isPg ? await backendCpuSeconds(ds) : null;
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  let i = 0;
  for (const record of syntheticTraces(o.count, { seed: o.seed ?? 1, start, end })) {
    // Consecutive runs of `batch` records go to one writer: each batch covers a short time span.
    const w = writers[Math.floor(i / batch) % writers.length]!;
    // Two batches waiting per writer keep it busy (one more is validated while one is written);
    // wait on a timer, not by spinning on setImmediate, which would burn the CPU the writers need.
    while (w.pending >= batch * 2) await sleep(1);
    w.enqueue(record);
    i++;
    if (i % batch === 0) {
      o.progress?.(i - writers.reduce((a, x) => a + x.pending, 0));
      await tick();
    }
  }
  await Promise.all(writers.map((w) => w.close()));
  o.progress?.(i);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const db1 = db0 === null ? null : await backendCpuSeconds(ds);
  const dropped = (await Promise.all(writers.map((w) => w.metrics.dropped.get()))).flatMap((m) => m.values).reduce((a, v) => a + v.value, 0);
  if (dropped) throw new Error(`${dropped} traces were dropped while seeding`);
  return {
    count: i,
    seconds,
    perSecond: i / seconds,
    nodeCpuMicrosPerTrace: (cpu.user + cpu.system) / i,
    dbCpuMicrosPerTrace: db0 === null || db1 === null ? null : ((db1 - db0) * 1e6) / i,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const count = Number(arg('count') ?? 10_000);
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive integer');
  const ds = await openDatabase();
  const bar = new SingleBar({ format: 'seed:traces [{bar}] {percentage}% | {value}/{total} traces | {rate}/s | ETA {eta_formatted}' }, Presets.shades_classic);
  const t0 = Date.now();
  bar.start(count, 0, { rate: 0 });
  try {
    const r = await seedTraces(ds, {
      count,
      days: arg('days') ? Number(arg('days')) : undefined,
      seed: arg('seed') ? Number(arg('seed')) : undefined,
      batch: arg('batch') ? Number(arg('batch')) : undefined,
      writers: arg('writers') ? Number(arg('writers')) : undefined,
      spoolDir: arg('spool'),
      writeBatch: arg('path') === 'insert' ? writeTraceBatchInsert : undefined,
      progress: (done) => bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - t0) / 1000)) }),
    });
    bar.stop();
    console.log(`${r.count} traces in ${r.seconds.toFixed(1)} s: ${Math.round(r.perSecond)} traces/s`);
    console.log(`CPU per trace: ${r.nodeCpuMicrosPerTrace.toFixed(1)} µs in this process, ${r.dbCpuMicrosPerTrace === null ? 'n/a' : r.dbCpuMicrosPerTrace.toFixed(1)} µs in PostgreSQL`);
  } finally {
    bar.stop();
    await ds.destroy();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
