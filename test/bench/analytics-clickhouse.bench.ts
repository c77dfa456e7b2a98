import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import { ClickHouseAnalyticsService, Dimension, TimeBucket } from '../../src/analytics';
import { ClickHouseTraceService, ClickHouseTraceStore, TraceWriter } from '../../src/traces';
import { syntheticTraces } from '../../scripts/synthetic-traces';
import { startThrowawayClickHouse, clickHouseServerBinary, type ThrowawayClickHouse } from '../helpers/throwaway-clickhouse';
import { printTable } from './stats';
import { analyticsWindows, sharedAnalyticsQueries, timeAnalyticsQueries, type AnalyticsQuery } from './analytics-queries';

/** Options of the ClickHouse candidate of `BENCH=analytics`. */
export interface ClickHouseAnalyticsBenchOptions {
  /** A ClickHouse server (`CLICKHOUSE_URL`); unset: a throwaway `clickhouse-server` is started (its data is gone afterwards). */
  url?: string;
  /** Traces to seed into database `bench_analytics_<count>` (reused when already seeded). */
  count: number;
  runs: number;
  rawRuns: number;
  /** Records per INSERT batch. Default 10 000. */
  batch?: number;
  /**
   * Without `url`: the throwaway server keeps its data in this folder across runs, so a seeded
   * `bench_analytics_<count>` is reused by the next run (as the PostgreSQL bench reuses its database).
   * Unset: a temp folder, removed at the end.
   */
  dir?: string;
  /**
   * Stop seeding at this instant (ms since the epoch): the writers are closed cleanly, so the traces
   * written are exactly the first N generated, and the queries run over those N (said in the output).
   * A later run with the same `count` resumes after them.
   */
  seedUntil?: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc; null when unknown. */
function processCpuSeconds(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * `BENCH=analytics` with CLICKHOUSE_URL set or `clickhouse-server` installed (`BENCH=analytics-clickhouse`
 * runs it alone): seeds `count` synthetic traces into ClickHouse through the real write path (the
 * trace writer's batches, the check-then-insert, the materialized views), reports the ingest rate,
 * then times each BI query from the ClickHouse rollups and as a plain GROUP BY over ClickHouse's raw
 * `traces` (FINAL), in the same run, p50/p95 side by side.
 */
export async function benchClickHouseAnalytics(o: ClickHouseAnalyticsBenchOptions): Promise<void> {
  let server: ThrowawayClickHouse | null = null;
  let base = o.url;
  if (!base) {
    if (!clickHouseServerBinary()) return void console.log('\n## analytics (ClickHouse): skipped, no CLICKHOUSE_URL and no clickhouse-server');
    server = await startThrowawayClickHouse(undefined, { dir: o.dir });
    base = server.url;
  }
  // A long request timeout: on a loaded machine a 10 000-row INSERT can take more than the default 30 s, and a timed-out one is redone.
  const store = new ClickHouseTraceStore({ url: `${base.replace(/\/+$/, '')}/bench_analytics_${o.count}`, requestTimeoutMs: 300_000 });
  try {
    await store.init();
    const [version] = await store.query<{ v: string }>('SELECT version() AS v');
    const end = new Date('2026-12-01T00:00:00Z');
    const have = Number((await store.query<{ n: string }>('SELECT count() AS n FROM traces'))[0]?.n ?? 0);
    console.log(`\n## analytics (ClickHouse ${version?.v}, ${o.count} traces)`);
    let reached = have;
    if (have < o.count) {
      if (have) console.log(`- resuming: ${have} of ${o.count} traces were seeded by an earlier run (stopped cleanly: they are the first ${have} generated)`);
      const batch = o.batch ?? 50_000;
      const logger = pino({ level: 'warn' });
      let written = 0;
      // Two writers, as `seed:traces` does on PostgreSQL: one validates and serializes while the other's INSERT is in flight.
      const writers = [0, 1].map(
        () =>
          new TraceWriter(null as never, logger, {
            batchSize: batch,
            maxQueue: batch * 8,
            flushIntervalMs: 20,
            closeTimeoutMs: Number.POSITIVE_INFINITY,
            // A failed write is retried by the writer (which says only "unreachable" here, having no database to ping): its error is printed.
            writeBatch: (_db, rows) =>
              store.writeBatch(rows).then(
                (n) => void (written += n),
                (err: Error) => {
                  console.log(`  write failed, retried: ${err.message.slice(0, 300)}`);
                  throw err;
                },
              ),
          }),
      );
      // Where the write path's wall time goes: the existence checks (SELECT) and the INSERTs, summed over both writers.
      const spent = { check: 0, insert: 0 };
      const timed =
        <A extends unknown[], R>(key: keyof typeof spent, f: (...a: A) => Promise<R>) =>
        async (...a: A): Promise<R> => {
          const t = performance.now();
          try {
            return await f(...a);
          } finally {
            spent[key] += performance.now() - t;
          }
        };
      const [query, insert] = [store.query, store.client.insert];
      store.query = timed('check', store.query.bind(store)) as typeof store.query;
      store.client.insert = timed('insert', store.client.insert.bind(store.client)) as typeof store.client.insert;
      const started = process.hrtime.bigint();
      const nodeCpu0 = process.cpuUsage();
      const serverCpu0 = processCpuSeconds(server?.pid());
      let i = 0;
      let generated = 0;
      for (const record of syntheticTraces(o.count, { seed: 1, start: new Date(end.getTime() - 30 * 86_400_000), end })) {
        if (generated++ < have) continue; // the ids are random, the rest is the same sequence: the first `have` are stored
        if (o.seedUntil !== undefined && i % batch === 0 && Date.now() >= o.seedUntil) {
          console.log(`  seeding stopped at its deadline after ${have + i} traces`);
          break;
        }
        const writer = writers[Math.floor(i / batch) % writers.length]!;
        while (writer.pending >= batch * 2) await tick();
        writer.enqueue(record);
        if (++i % (o.count / 20) === 0) {
          const s = Number(process.hrtime.bigint() - started) / 1e9;
          console.log(`  enqueued ${have + i}, written ${have + written} (${Math.round(written / s)}/s so far, ${new Date().toISOString().slice(11, 19)} UTC, load ${os.loadavg()[0]!.toFixed(1)})`);
        }
        if (i % batch === 0) await tick();
      }
      await Promise.all(writers.map((w) => w.close()));
      const left = writers.reduce((a, w) => a + w.pending, 0);
      if (left) throw new Error(`${left} traces were not written while seeding`);
      const dropped = (await Promise.all(writers.map((w) => w.metrics.dropped.get()))).flatMap((m) => m.values).reduce((a, v) => a + v.value, 0);
      if (dropped) throw new Error(`${dropped} traces were dropped while seeding`);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      [store.query, store.client.insert] = [query, insert];
      reached = have + i;
      const nodeCpu = process.cpuUsage(nodeCpu0);
      const serverCpu1 = processCpuSeconds(server?.pid());
      const cpu = `CPU a trace: Node ${(((nodeCpu.user + nodeCpu.system) / i) * 1).toFixed(1)} µs (synthetic generation included)${
        serverCpu0 !== null && serverCpu1 !== null ? `, ClickHouse ${(((serverCpu1 - serverCpu0) / i) * 1e6).toFixed(1)} µs` : ''
      }`;
      console.log(`  (wall time in the write path, both writers: existence checks ${(spent.check / 1000).toFixed(1)} s, INSERTs ${(spent.insert / 1000).toFixed(1)} s)`);
      console.log(`- ingest: ${i} traces in ${seconds.toFixed(0)} s = ${Math.round(i / seconds)} traces/s (validation, check-then-insert, batches of ${batch}, materialized views; 2 writers); ${cpu}`);
    } else console.log(`- reusing ${have} traces seeded earlier`);
    if (reached < o.count) console.log(`- NOTE: ${reached} of ${o.count} traces are seeded; the queries below run over those ${reached}`);
    const [sizes] = await store.query<Record<string, string>>(
      `SELECT sumIf(bytes_on_disk, table = 'traces') AS traces, sumIf(bytes_on_disk, table = 'trace_rollups_hourly') AS rollups, sumIf(rows, table = 'trace_rollups_hourly') AS rollup_rows,
         sumIf(bytes_on_disk, table LIKE 'trace_latency_pair_%') AS pairs, sumIf(rows, table LIKE 'trace_latency_pair_%') AS pair_rows
       FROM system.parts WHERE active AND database = currentDatabase()`,
    );
    console.log(
      `- sizes on disk: traces ${(Number(sizes!.traces) / 2 ** 20).toFixed(0)} MB; rollups ${(Number(sizes!.rollups) / 2 ** 20).toFixed(1)} MB (${sizes!.rollup_rows} rows before merges); latency pairs ${(Number(sizes!.pairs) / 2 ** 20).toFixed(1)} MB (${sizes!.pair_rows} rows)`,
    );

    const rolled = new ClickHouseAnalyticsService(null as never, store);
    const raw = new ClickHouseAnalyticsService(null as never, store, { source: 'raw', maxRows: 1_000_000, rawScanMaxRows: Number.MAX_SAFE_INTEGER });
    const uncached = new ClickHouseAnalyticsService(null as never, store, { sketchCacheRows: 0 });
    const traces = new ClickHouseTraceService(null as never, pino({ level: 'silent' }), store);
    const windows = analyticsWindows(end);
    const { last30, last7 } = windows;
    const shared = sharedAnalyticsQueries(windows);
    const D = Dimension;
    const queries: AnalyticsQuery[] = [
      ...shared.first,
      // Two dimensions: the per-pair latency rollups.
      ['latencyStats [PROMPT, MODEL] by DAY, 30 days', (a) => a.latencyStats(last30, [D.PROMPT, D.MODEL], TimeBucket.DAY)],
      ['latencyStats [PROMPT] filter model, by HOUR, 7 days', (a) => a.latencyStats({ ...last7, modelId: 'amazon.nova-micro-v1:0' }, [D.PROMPT], TimeBucket.HOUR)],
      ...shared.last,
      ['costBreakdown [PROMPT] filter user, 30 days (raw)', (a) => a.costBreakdown({ ...last30, user: 'u-42' }, [D.PROMPT])],
    ];
    const rows = await timeAnalyticsQueries({ rolled, raw, uncached, traces, queries, runs: o.runs, rawRuns: o.rawRuns, last7, ratioDigits: 1 });
    printTable(`analytics on ClickHouse ${version?.v}, ${reached} traces: rollups vs plain GROUP BY (same run)`, rows);
  } finally {
    await store.close();
    await server?.destroy();
  }
}
