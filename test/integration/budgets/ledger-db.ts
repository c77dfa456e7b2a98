import { createFreshDatabase } from '../../helpers/fresh-database';
import { pgliteSnapshot } from '../../helpers/database-snapshot';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/data-source';
import { createLocalChangeBus, createPostgresChangeBus, type ChangeBus } from '../../../src/db/change-bus';
import { AuditService } from '../../../src/audit/audit.service';
import { AlertService, ALERTS_TOPIC } from '../../../src/alerts';
import { BudgetService, type BudgetData, type BudgetLeaseOptions } from '../../../src/budgets';
import { createPubSub, type AppPubSub } from '../../../src/graphql/pubsub';
import { createLogger } from '../../../src/observability/logger';

/** A fresh, migrated database of this run's kind: in-memory PGlite, or a new PostgreSQL database. */
export interface LedgerDb {
  kind: 'pglite' | 'postgresql';
  /** The PostgreSQL URL of the fresh database (undefined on PGlite). */
  url?: string;
  ds: DataSource;
  /** Another data source (its own pool) on the same PostgreSQL database: a second "process". */
  openAnother(): Promise<DataSource>;
  close(): Promise<void>;
}

export async function openLedgerDb(): Promise<LedgerDb> {
  const server = process.env.DATABASE_URL;
  let url: string | undefined;
  let drop = async (): Promise<void> => undefined;
  if (server) {
    const fresh = await createFreshDatabase(server, 'gcp_budgets');
    url = fresh.url;
    drop = fresh.drop;
  }
  const ds = createDataSource({ databaseUrl: url, dataDir: 'memory://', poolSize: 20, pgliteSnapshot: url ? undefined : await pgliteSnapshot() });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  const others: DataSource[] = [];
  return {
    kind: url ? 'postgresql' : 'pglite',
    url,
    ds,
    async openAnother() {
      if (!url) throw new Error('a second data source needs PostgreSQL');
      const other = createDataSource({ databaseUrl: url, dataDir: 'memory://', poolSize: 20 });
      await other.initialize();
      others.push(other);
      return other;
    },
    async close() {
      for (const o of others) await o.destroy();
      await ds.destroy();
      await drop();
    },
  };
}

/** A controllable clock: `clock.now()` returns the set instant; `advance(ms)` moves it. */
export function testClock(start: string) {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (iso: string) => void (t = new Date(iso).getTime()),
    advance: (ms: number) => void (t += ms),
  };
}

export interface LedgerServices {
  budgets: BudgetService;
  alerts: AlertService;
  pubSub: AppPubSub;
  bus: ChangeBus;
  close(): Promise<void>;
}

/** The budget and alert services over a data source, as one server process builds them. */
export async function ledgerServices(
  ds: DataSource,
  url: string | undefined,
  opts: { now?: () => Date; holdTtlMs?: number; leases?: Partial<BudgetLeaseOptions> | false } = {},
): Promise<LedgerServices> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const bus = url ? await createPostgresChangeBus(url, logger) : createLocalChangeBus();
  const pubSub = await createPubSub({ databaseUrl: url, relayTopics: [ALERTS_TOPIC], logger });
  const audit = new AuditService(ds);
  const alerts = new AlertService(ds, audit, pubSub, logger);
  const budgets = new BudgetService({ db: ds, audit, bus, alerts, logger, now: opts.now, holdTtlMs: opts.holdTtlMs, leases: opts.leases });
  return {
    budgets,
    alerts,
    pubSub,
    bus,
    async close() {
      await budgets.stopReaper();
      await pubSub.close();
      await bus.close();
    },
  };
}

/**
 * Creates a budget through the service (as createBudget does) and returns it as the hot path sees it.
 * Default: DAILY, scoped to the user named like the budget (so it covers no other test's requests).
 */
export async function makeBudget(budgets: BudgetService, input: Record<string, unknown>): Promise<BudgetData> {
  const b = await budgets.create({ period: 'DAILY', scope: 'USER', scopeValue: String(input.name), ...input }, 'test');
  const found = (await budgets.all()).find((x) => x.id === b.id);
  if (!found) throw new Error(`budget ${b.name} not found in the cache`);
  return found;
}

/** The ledger row of a budget's period starting at `start`. */
export async function ledgerRow(ds: DataSource, budgetId: string, start: Date): Promise<{ spent: number; reserved: number; limit: number } | null> {
  const rows: Array<{ spent_micros: string; reserved_micros: string; limit_micros: string }> = await ds.query(
    'SELECT spent_micros, reserved_micros, limit_micros FROM budget_periods WHERE budget_id = $1 AND period_start = $2',
    [budgetId, start],
  );
  const r = rows[0];
  return r ? { spent: Number(r.spent_micros), reserved: Number(r.reserved_micros), limit: Number(r.limit_micros) } : null;
}
