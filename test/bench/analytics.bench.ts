import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource } from '../../src/data-source';
import { AnalyticsService, Dimension, TimeBucket } from '../../src/analytics';
import { TraceService } from '../../src/traces';
import { seedTraces } from '../../scripts/seed-traces';
import { printTable } from './stats';
import { analyticsWindows, sharedAnalyticsQueries, timeAnalyticsQueries, type AnalyticsQuery } from './analytics-queries';
import pino from 'pino';

/** Options of the analytics benchmark. */
export interface AnalyticsBenchOptions {
  /** PostgreSQL server (a database `bench_analytics_<count>` is created there, and reused when already seeded). */
  serverUrl: string;
  /** Traces to seed. */
  count: number;
  /** Timed runs per query for the rollups; the plain GROUP BY gets `rawRuns`. */
  runs: number;
  rawRuns: number;
}

/**
 * `BENCH=analytics`: seeds `count` synthetic traces through the real write path (reporting the ingest
 * rate), then times each BI query answered from the rollups and as a plain GROUP BY over the same
 * traces, in the same run, p50/p95 side by side.
 */
export async function benchAnalytics(o: AnalyticsBenchOptions): Promise<void> {
  const name = `bench_analytics_${o.count}`;
  const admin = new Client({ connectionString: o.serverUrl });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(o.serverUrl);
  u.pathname = `/${name}`;
  const ds = createDataSource({ databaseUrl: u.toString(), dataDir: 'memory://', poolSize: 4, logger: pino({ level: 'error' }) });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  const end = new Date('2026-12-01T00:00:00Z');
  const have = Number((await ds.query('SELECT count(*) AS n FROM traces'))[0].n);
  console.log(`\n## analytics (PostgreSQL, ${o.count} traces)`);
  if (have < o.count) {
    if (have) throw new Error(`${name} holds ${have} traces, not ${o.count}: drop it first`);
    let last = 0;
    const r = await seedTraces(ds, {
      count: o.count,
      days: 30,
      end,
      progress: (n) => {
        if (n - last >= o.count / 20) {
          last = n;
          console.log(`  seeded ${n}`);
        }
      },
    });
    console.log(`- ingest: ${r.count} traces in ${r.seconds.toFixed(0)} s = ${Math.round(r.perSecond)} traces/s (validation, batch transactions of 20,000 with rollups, one writer)`);
    const db = r.dbCpuMicrosPerTrace === null ? 'n/a' : `${r.dbCpuMicrosPerTrace.toFixed(1)} µs`;
    console.log(
      `- CPU per trace: ${r.nodeCpuMicrosPerTrace.toFixed(1)} µs in the Node process (generation included), ${db} in PostgreSQL: one free core each would ingest ${Math.round(1e6 / Math.max(r.nodeCpuMicrosPerTrace, r.dbCpuMicrosPerTrace ?? 0))} traces/s`,
    );
    for (const table of [
      'traces',
      'trace_rollups_hourly',
      'trace_rollups_daily',
      'trace_guardrail_rollups_hourly',
      'trace_guardrail_rollups_daily',
      'trace_latency_rollups_hourly',
      'trace_latency_rollups_daily',
    ]) {
      await ds.query(`VACUUM ANALYZE ${table}`);
    }
  } else console.log(`- reusing ${have} traces seeded earlier in ${name}`);
  const [sizes] = await ds.query(`SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('traces')) AS traces, pg_total_relation_size('trace_rollups_hourly') AS rollups,
    (SELECT count(*) FROM trace_rollups_hourly) AS rollup_rows, pg_total_relation_size('trace_guardrail_rollups_hourly') AS guardrails`);
  console.log(
    `- sizes: traces ${(Number(sizes.traces) / 2 ** 20).toFixed(0)} MB; rollups ${(Number(sizes.rollups) / 2 ** 20).toFixed(0)} MB (${sizes.rollup_rows} rows); guardrail rollups ${(Number(sizes.guardrails) / 2 ** 20).toFixed(0)} MB`,
  );

  const rolled = new AnalyticsService(ds);
  const raw = new AnalyticsService(ds, { source: 'raw', maxRows: 1_000_000 });
  const traces = new TraceService(ds, pino({ level: 'silent' }));
  const windows = analyticsWindows(end);
  const { last30, last7 } = windows;
  const shared = sharedAnalyticsQueries(windows);
  const D = Dimension;
  const B = TimeBucket;
  const queries: AnalyticsQuery[] = [
    ...shared.first,
    ['latencyStats by DAY, 30 days, filter prompt', (a) => a.latencyStats({ ...last30, prompt: 'support' }, [], B.DAY)],
    ['latencyStats [PROMPT, MODEL] by DAY, 30 days', (a) => a.latencyStats(last30, [D.PROMPT, D.MODEL], B.DAY)],
    ['latencyStats [MODEL] filter status, 30 days', (a) => a.latencyStats({ ...last30, status: 'COMPLETED' as never }, [D.MODEL], B.DAY)],
    ...shared.last,
    ['costBreakdown [USER] filter user, 30 days (raw, indexed)', (a) => a.costBreakdown({ ...last30, user: 'u-42' }, [D.PROMPT])],
  ];
  const uncached = new AnalyticsService(ds, { sketchCacheRows: 0 });
  const rows = await timeAnalyticsQueries({ rolled, raw, uncached, traces, queries, runs: o.runs, rawRuns: o.rawRuns, last7, ratioDigits: 0 });
  printTable(`analytics, ${o.count} traces: rollups vs plain GROUP BY (same run)`, rows);
  await ds.destroy();
}
