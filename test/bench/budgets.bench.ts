import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createFreshDatabase } from '../helpers/fresh-database';
import { AlertService } from '../../src/alerts';
import { AuditService } from '../../src/audit/audit.service';
import { BudgetService, type BudgetData } from '../../src/budgets';
import { createLocalChangeBus } from '../../src/db/change-bus';
import { createDataSource } from '../../src/data-source';
import { createLocalPubSub } from '../../src/graphql/pubsub';
import { fmt, printTable, summarize } from './stats';

/**
 * The spend ledger under contention: ONE hot budget, `workers` concurrent admitters split over two
 * OS processes (each with its own BudgetService and a pool of `poolSize` connections, as a server
 * process has) on one PostgreSQL database. Each admitter loops: admit a request (timed), then settle
 * it at half its worst case (awaited, not timed), as the pipeline does. Candidates, one after the other
 * in the same run:
 * - `exact hold per request`: `reserve` + `settle`, one ledger statement each, on the same row
 *   (what every request did before leases);
 * - `leases`: `admit` + `settle` with the process's budget leases (in-memory admission from a slice
 *   leased in one statement; settlements written in batches).
 * Each run is checked on the ledger afterwards: spent = what the processes settled, nothing reserved
 * or leased left, never over the limit.
 */
export async function benchBudgets(databaseUrl: string, opts: { workers?: number; durationMs?: number; poolSize?: number } = {}) {
  const workers = opts.workers ?? 100;
  const durationMs = opts.durationMs ?? 4_000;
  const poolSize = opts.poolSize ?? 10;
  const fresh = await createFreshDatabase(databaseUrl, 'gcp_bench_budgets');
  const ds = createDataSource({ databaseUrl: fresh.url, dataDir: 'memory://', poolSize: 2 });
  const bus = createLocalChangeBus();
  const pubSub = createLocalPubSub();
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const audit = new AuditService(ds);
    const budgets = new BudgetService({ db: ds, audit, bus, alerts: new AlertService(ds, audit, pubSub), leases: false });
    const amount = 1_000;
    // Room for far more than a run admits, so every admission is measured, not refused.
    // Each candidate's budget covers its own prompt only, so each admission touches one budget.
    const make = async (n: string) => (await budgets.create({ name: n, scope: 'PROMPT', scopeValue: n, period: 'TOTAL', limitUsd: 1_000_000 }, 'bench')).id;

    const run = async (label: string, mode: WorkerMode, budgetId: string) => {
      const children = [0, 1].map(() => startWorker({ url: fresh.url, budgetId, mode, workers: workers / 2, durationMs, poolSize, amount }));
      const results = await Promise.all(children);
      const latencies = results.flatMap((r) => r.latencies);
      const admitted = results.reduce((a, r) => a + r.admitted, 0);
      const charged = results.reduce((a, r) => a + r.chargedMicros, 0);
      const seconds = Math.max(...results.map((r) => r.seconds));
      const [row] = await ds.query('SELECT spent_micros, reserved_micros, leased_micros, limit_micros FROM budget_periods WHERE budget_id = $1', [budgetId]);
      if (Number(row.spent_micros) !== charged) throw new Error(`${label}: spent ${row.spent_micros} != settled ${charged}`);
      if (Number(row.reserved_micros) !== 0 || Number(row.leased_micros) !== 0) throw new Error(`${label}: room left held: ${JSON.stringify(row)}`);
      if (Number(row.spent_micros) > Number(row.limit_micros)) throw new Error(`${label}: over the limit`);
      const s = summarize(latencies);
      // The first second includes the warm-up (a budget turns hot, leases start small): p99 after it too.
      const steady = summarize(results.flatMap((r) => r.steadyLatencies));
      return { label, admitted, perSecond: admitted / seconds, p50: s.p50, p99: s.p99, steadyP99: steady.p99 };
    };

    await run('warm-up', 'exact', await make('warm-up'));
    const exact = await run('exact hold per request (before)', 'exact', await make('hot-exact'));
    const leased = await run('leases (after)', 'leases', await make('hot-leases'));

    const results = [exact, leased];
    printTable(
      `budget ledger: one hot budget, ${workers} concurrent admitters over 2 processes, pool ${poolSize} each, ${durationMs} ms each`,
      results.map((r) => ({
        candidate: r.label,
        'admissions/s': fmt(r.perSecond, 0),
        'admit p50 ms': fmt(r.p50, 3),
        'admit p99 ms': fmt(r.p99, 3),
        'p99 after 1st s': fmt(r.steadyP99, 3),
        admitted: r.admitted,
      })),
    );
    const fig = (r: typeof exact) => ({ admissionsPerSecond: Math.round(r.perSecond), p50Ms: +r.p50.toFixed(3), p99Ms: +r.p99.toFixed(3), p99AfterFirstSecondMs: +r.steadyP99.toFixed(3) });
    return { workers, processes: 2, poolSize, durationMs, exactHoldPerRequest: fig(exact), leases: fig(leased), speedup: +(leased.perSecond / exact.perSecond).toFixed(1) };
  } finally {
    await pubSub.close();
    await bus.close();
    if (ds.isInitialized) await ds.destroy();
    await fresh.drop();
  }
}

type WorkerMode = 'exact' | 'leases';

interface WorkerJob {
  url: string;
  budgetId: string;
  mode: WorkerMode;
  workers: number;
  durationMs: number;
  poolSize: number;
  amount: number;
}

interface WorkerResult {
  admitted: number;
  chargedMicros: number;
  seconds: number;
  latencies: number[];
  /** Latencies of admissions started after the first second. */
  steadyLatencies: number[];
}

function startWorker(job: WorkerJob): Promise<WorkerResult> {
  const child: ChildProcess = fork(__filename, ['--budget-worker'], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as WorkerResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`budget bench worker exited with ${code}`)));
    child.send(job);
  });
}

/** One bench process: its own pool and BudgetService, `workers` admitters on the hot budget. */
async function worker(job: WorkerJob): Promise<WorkerResult> {
  const ds = createDataSource({ databaseUrl: job.url, dataDir: 'memory://', poolSize: job.poolSize });
  await ds.initialize();
  const bus = createLocalChangeBus();
  const pubSub = createLocalPubSub();
  const audit = new AuditService(ds);
  const budgets = new BudgetService({ db: ds, audit, bus, alerts: new AlertService(ds, audit, pubSub), leases: job.mode === 'leases' ? {} : false });
  const budget = (await budgets.all()).find((b) => b.id === job.budgetId) as BudgetData;
  const latencies: number[] = [];
  const steadyLatencies: number[] = [];
  let admitted = 0;
  let charged = 0;
  const started = performance.now();
  const end = started + job.durationMs;
  await Promise.all(
    Array.from({ length: job.workers }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const r =
          job.mode === 'exact'
            ? await budgets.reserve({ budgets: [budget], amountMicros: job.amount, requestId: randomUUID() })
            : await budgets.admit({ prompt: budget.scopeValue!, modelId: 'm', apiKey: null, user: null, requestId: randomUUID() }, () => job.amount);
        const ms = performance.now() - t0;
        latencies.push(ms);
        if (t0 - started >= 1_000) steadyLatencies.push(ms);
        if (!r.ok) throw new Error(r.message);
        admitted++;
        charged += job.amount / 2;
        await budgets.settle(r.reservation, job.amount / 2);
        // A request does I/O between its admission and its settlement (the model call): let the
        // event loop turn, or in-memory admissions would starve the process's own ledger I/O.
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await budgets.stopReaper();
  await pubSub.close();
  await bus.close();
  await ds.destroy();
  return { admitted, chargedMicros: charged, seconds, latencies, steadyLatencies };
}

if (process.argv.includes('--budget-worker')) {
  process.once('message', (job) => {
    worker(job as WorkerJob).then(
      (r) => process.send!(r, () => process.exit(0)),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
} else if (require.main === module) {
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
