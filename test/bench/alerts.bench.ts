import 'reflect-metadata';
import pino from 'pino';
import { createDataSource } from '../../src/data-source';
import { AuditService } from '../../src/audit/audit.service';
import { AlertScheduler, AlertService } from '../../src/alerts';
import { DriftService } from '../../src/analytics/drift';
import { rebuildRollups } from '../../src/traces';
import { createPubSub } from '../../src/graphql/pubsub';
import { createFreshDatabase } from '../helpers/fresh-database';
import { percentile } from './stats';

/** Options of the alert scheduler benchmark. */
export interface AlertsBenchOptions {
  /** PostgreSQL server; a fresh database is created there and dropped after. */
  serverUrl: string;
  /** Production traces in the rules' window. */
  count: number;
  /** Timed ticks. */
  ticks: number;
}

const RULES: Array<{ metric: string; condition: Record<string, unknown> }> = [
  { metric: 'cost', condition: { above: 1e9 } },
  { metric: 'p95_latency', condition: { above: 1e6 } },
  { metric: 'error_rate', condition: { above: 0.99 } },
  { metric: 'guardrail_trigger_rate', condition: { above: 0.99 } },
  { metric: 'guardrail_trigger_rate', condition: { zScore: 50, baselineWindow: '1d' } },
  { metric: 'guardrail_trigger_rate', condition: { ratio: 50, baselineWindow: '1d' } },
];

/**
 * `BENCH=alerts`: `count` production traces in the last hour (plus as many over the day before, the
 * deviation rules' baseline), six rules with a 1h window (four absolute, a z-score and a ratio one);
 * times whole scheduler ticks (every rule claimed, measured and judged), p50/p95 per tick and per rule,
 * side by side: metrics from the rollups (the scheduler's default) and from a scan of the raw traces
 * (what it did before). Then one `drift` rule's tick (1h window against the day before).
 */
export async function benchAlerts(o: AlertsBenchOptions): Promise<void> {
  const fresh = await createFreshDatabase(o.serverUrl, 'bench_alerts');
  const ds = createDataSource({ databaseUrl: fresh.url, dataDir: 'memory://' });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const seed = (n: number, fromSec: number, spanSec: number) =>
      ds.query(
        `INSERT INTO traces (id, created_at, prompt, source, status, request, assembled_prompt, cost_micros, latency_ms, guardrail_events, tags)
         SELECT gen_random_uuid(), now() - make_interval(secs => $2 + random() * $3), 'p', 'PRODUCTION',
                CASE WHEN random() < 0.02 THEN 'FAILED' ELSE 'COMPLETED' END, '{}', '{}', (random() * 1000)::int, 200 + random() * 800,
                CASE WHEN random() < 0.05 THEN '[{"policy": "pii"}]'::jsonb ELSE '[]'::jsonb END, '{}'
         FROM generate_series(1, $1)`,
        [n, fromSec, spanSec],
      );
    const t0 = Date.now();
    await seed(o.count, 0, 3600);
    await seed(o.count, 3600, 86_400);
    await ds.query('ANALYZE traces');
    const seedS = (Date.now() - t0) / 1000;
    // Seeded with SQL, not through the trace writer: roll the rows up as the writer would have.
    const t1 = Date.now();
    await rebuildRollups(ds);
    await ds.query('ANALYZE');
    const rollupS = (Date.now() - t1) / 1000;
    const logger = pino({ level: 'silent' });
    const pubSub = await createPubSub({ databaseUrl: undefined, relayTopics: [], logger });
    const alerts = new AlertService(ds, new AuditService(ds), pubSub, logger);
    for (const [i, r] of RULES.entries()) await alerts.createRule({ name: `bench-${i}`, metric: r.metric, condition: r.condition, window: '1h' }, 'bench');
    const timeTicks = async (scheduler: AlertScheduler, n: number, expected: number): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        await ds.query('UPDATE alert_rules SET evaluated_at = NULL');
        const t = process.hrtime.bigint();
        const report = await scheduler.tick(new Date());
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (report.evaluated !== expected) throw new Error(`tick evaluated ${report.evaluated} rules`);
      }
      return times.sort((a, b) => a - b);
    };
    const results: Array<[string, number[]]> = [];
    // Interleaved rounds, so both candidates see the same machine load.
    const rollups: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < o.ticks; round++) {
      rollups.push(...(await timeTicks(new AlertScheduler(ds, alerts, { intervalMs: 0, source: 'rollups' }), 1, RULES.length)));
      raw.push(...(await timeTicks(new AlertScheduler(ds, alerts, { intervalMs: 0, source: 'raw' }), 1, RULES.length)));
    }
    results.push(['rollups', rollups.sort((a, b) => a - b)], ['raw traces', raw.sort((a, b) => a - b)]);
    await ds.query('UPDATE alert_rules SET enabled = false');
    const drift = new DriftService(ds);
    await alerts.createRule({ name: 'bench-drift', metric: 'drift', condition: { baselineWindow: '1d' }, window: '1h' }, 'bench');
    const driftTimes = await timeTicks(new AlertScheduler(ds, alerts, { intervalMs: 0, drift: (p, w, b) => drift.drift(p ? { prompt: p } : null, w, b) }), o.ticks, 1);
    await pubSub.close();
    console.log(`\n## alerts (PostgreSQL, ${o.count} traces in the 1h window + ${o.count} in the day before, seeded in ${seedS.toFixed(0)} s, rolled up in ${rollupS.toFixed(0)} s)`);
    const p50 = (xs: number[]) => percentile(xs, 50);
    for (const [name, times] of results) {
      console.log(
        `- ${name}: tick with ${RULES.length} rules p50 ${p50(times).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms; per rule p50 ${(p50(times) / RULES.length).toFixed(0)} ms (${times.length} ticks)`,
      );
    }
    console.log(`- raw / rollups (p50 per tick): ${(p50(raw) / p50(rollups)).toFixed(1)}x`);
    console.log(`- one drift rule (1h vs the day before, samples of 5000): p50 ${p50(driftTimes).toFixed(0)} ms, p95 ${percentile(driftTimes, 95).toFixed(0)} ms (${driftTimes.length} ticks)`);
  } finally {
    await ds.destroy();
    await fresh.drop();
  }
}
