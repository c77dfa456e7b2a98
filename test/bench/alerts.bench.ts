import 'reflect-metadata';
import pino from 'pino';
import { createDataSource } from '../../src/data-source';
import { AuditService } from '../../src/audit/audit.service';
import { AlertScheduler, AlertService } from '../../src/alerts';
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
 * times whole scheduler ticks (every rule claimed, measured and judged), p50/p95 per tick and per rule.
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
    const logger = pino({ level: 'silent' });
    const pubSub = await createPubSub({ databaseUrl: undefined, relayTopics: [], logger });
    const alerts = new AlertService(ds, new AuditService(ds), pubSub, logger);
    for (const [i, r] of RULES.entries()) await alerts.createRule({ name: `bench-${i}`, metric: r.metric, condition: r.condition, window: '1h' }, 'bench');
    const scheduler = new AlertScheduler(ds, alerts, { intervalMs: 0 });
    const times: number[] = [];
    for (let i = 0; i < o.ticks; i++) {
      const t = process.hrtime.bigint();
      const report = await scheduler.tick(new Date(Date.now() + i));
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (report.evaluated !== RULES.length) throw new Error(`tick evaluated ${report.evaluated} rules`);
    }
    await pubSub.close();
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p95 = percentile(times, 95);
    console.log(`\n## alerts (PostgreSQL, ${o.count} traces in the 1h window + ${o.count} in the day before, seeded in ${seedS.toFixed(0)} s)`);
    console.log(`- tick with ${RULES.length} rules: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (${o.ticks} ticks)`);
    console.log(`- per rule: p50 ${(p50 / RULES.length).toFixed(0)} ms`);
  } finally {
    await ds.destroy();
    await fresh.drop();
  }
}
