import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createFreshDatabase } from '../helpers/fresh-database';
import type { DataSource } from 'typeorm';
import { AlertService } from '../../src/alerts';
import { AuditService } from '../../src/audit/audit.service';
import { BudgetService, periodStart, type BudgetData } from '../../src/budgets';
import { createLocalChangeBus } from '../../src/db/change-bus';
import { createDataSource } from '../../src/data-source';
import { createLocalPubSub } from '../../src/graphql/pubsub';
import { fmt, printTable, summarize } from './stats';

/**
 * The spend ledger under contention: 100 concurrent reservers on ONE hot budget (the worst case:
 * every reservation locks the same row) on PostgreSQL, through BudgetService with the app's pool
 * size (10). Three candidates, side by side in the same run:
 * - `reserve`: the one-statement reservation alone;
 * - `reserve+settle`: each admitted request also settles (what production does);
 * - `tx baseline`: the same reservation written as a classic transaction (BEGIN; SELECT … FOR
 *   UPDATE; UPDATE; INSERT; COMMIT), to show what the single statement buys: the row lock is held
 *   for one round trip instead of four.
 * Each run checks the ledger afterwards (admitted holds = reserved amount, never over the limit).
 */
export async function benchBudgets(databaseUrl: string, opts: { workers?: number; durationMs?: number; poolSize?: number } = {}) {
  const workers = opts.workers ?? 100;
  const durationMs = opts.durationMs ?? 4_000;
  const poolSize = opts.poolSize ?? 10;
  const fresh = await createFreshDatabase(databaseUrl, 'gcp_bench_budgets');
  const ds = createDataSource({ databaseUrl: fresh.url, dataDir: 'memory://', poolSize });
  const bus = createLocalChangeBus();
  const pubSub = createLocalPubSub();
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const audit = new AuditService(ds);
    const budgets = new BudgetService({ db: ds, audit, bus, alerts: new AlertService(ds, audit, pubSub) });
    const amount = 1_000;
    const make = async (n: string): Promise<BudgetData> => {
      // Room for far more than a run admits, so every reservation is an admission.
      const b = await budgets.create({ name: n, scope: 'GLOBAL', period: 'TOTAL', limitUsd: 1_000_000 }, 'bench');
      return (await budgets.all()).find((x) => x.id === b.id)!;
    };

    const run = async (label: string, budget: BudgetData, once: () => Promise<{ admitted: boolean; after?: () => Promise<void> }>) => {
      const latencies: number[] = [];
      let admitted = 0;
      let refused = 0;
      const end = performance.now() + durationMs;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (performance.now() < end) {
            const t0 = performance.now();
            const r = await once();
            latencies.push(performance.now() - t0);
            if (r.admitted) admitted++;
            else refused++;
            await r.after?.();
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const [row] = await ds.query('SELECT spent_micros, reserved_micros, limit_micros FROM budget_periods WHERE budget_id = $1', [budget.id]);
      const [holds] = await ds.query(
        `SELECT count(*)::int AS n, coalesce(sum(amount_micros) FILTER (WHERE settled_at IS NULL), 0)::bigint AS open FROM budget_holds h JOIN budget_periods p ON p.id = h.budget_period_id WHERE p.budget_id = $1`,
        [budget.id],
      );
      if (holds.n !== admitted) throw new Error(`${label}: ${admitted} admitted but ${holds.n} holds`);
      if (Number(row.reserved_micros) !== Number(holds.open)) throw new Error(`${label}: reserved ${row.reserved_micros} != open holds ${holds.open}`);
      if (Number(row.spent_micros) + Number(row.reserved_micros) > Number(row.limit_micros)) throw new Error(`${label}: over the limit`);
      const s = summarize(latencies);
      return { label, admitted, refused, seconds, perSecond: admitted / seconds, p50: s.p50, p99: s.p99 };
    };

    const warm = await make('warm-up');
    await run('warm-up', warm, async () => ({ admitted: (await budgets.reserve({ budgets: [warm], amountMicros: amount, requestId: randomUUID() })).ok }));

    const hot1 = await make('hot-reserve');
    const reserveOnly = await run('reserve', hot1, async () => ({
      admitted: (await budgets.reserve({ budgets: [hot1], amountMicros: amount, requestId: randomUUID() })).ok,
    }));

    const hot2 = await make('hot-reserve-settle');
    const withSettle = await run('reserve+settle', hot2, async () => {
      const r = await budgets.reserve({ budgets: [hot2], amountMicros: amount, requestId: randomUUID() });
      return { admitted: r.ok, after: r.ok ? () => budgets.settle(r.reservation, amount / 2) : undefined };
    });

    const hot3 = await make('hot-tx-baseline');
    const start = periodStart('TOTAL', new Date());
    await ds.query(`INSERT INTO budget_periods (budget_id, period_start, period_end, limit_micros) VALUES ($1, $2, NULL, $3) ON CONFLICT DO NOTHING`, [hot3.id, start, hot3.limitMicros]);
    const baseline = await run('tx baseline', hot3, async () => ({ admitted: await classicReserve(ds, hot3.id, start, amount) }));

    const results = [reserveOnly, withSettle, baseline];
    printTable(
      `budget ledger: one hot budget, ${workers} concurrent reservers, pool ${poolSize}, ${durationMs} ms each`,
      results.map((r) => ({
        candidate: r.label,
        'admissions/s': fmt(r.perSecond, 0),
        'reserve p50 ms': fmt(r.p50, 2),
        'reserve p99 ms': fmt(r.p99, 2),
        admitted: r.admitted,
        refused: r.refused,
      })),
    );
    return {
      workers,
      poolSize,
      durationMs,
      reserve: { admissionsPerSecond: Math.round(reserveOnly.perSecond), p50Ms: +reserveOnly.p50.toFixed(2), p99Ms: +reserveOnly.p99.toFixed(2) },
      reserveAndSettle: { admissionsPerSecond: Math.round(withSettle.perSecond), reserveP50Ms: +withSettle.p50.toFixed(2), reserveP99Ms: +withSettle.p99.toFixed(2) },
      txBaseline: { admissionsPerSecond: Math.round(baseline.perSecond), p50Ms: +baseline.p50.toFixed(2), p99Ms: +baseline.p99.toFixed(2) },
      singleStatementSpeedup: +(reserveOnly.perSecond / baseline.perSecond).toFixed(2),
    };
  } finally {
    await pubSub.close();
    await bus.close();
    if (ds.isInitialized) await ds.destroy();
    await fresh.drop();
  }
}

/** The reservation as a classic multi-statement transaction (the baseline the service does not use). */
async function classicReserve(ds: DataSource, budgetId: string, start: Date, amount: number): Promise<boolean> {
  return ds.transaction(async (m) => {
    const [p] = await m.query('SELECT id, spent_micros, reserved_micros, limit_micros FROM budget_periods WHERE budget_id = $1 AND period_start = $2 FOR NO KEY UPDATE', [budgetId, start]);
    if (Number(p.spent_micros) + Number(p.reserved_micros) + amount > Number(p.limit_micros)) return false;
    await m.query('UPDATE budget_periods SET reserved_micros = reserved_micros + $2 WHERE id = $1', [p.id, amount]);
    await m.query('INSERT INTO budget_holds (budget_period_id, request_id, amount_micros, expires_at) VALUES ($1, $2, $3, $4)', [p.id, randomUUID(), amount, new Date(Date.now() + 600_000)]);
    return true;
  });
}

if (require.main === module) {
  benchBudgets(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test').then(
    (r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
