import type { DataSource, EntityManager } from 'typeorm';
import { Budget, BudgetAction, BudgetScope } from './budget.entity';
import { budgetExceededMessage, formatUsd } from './budget.errors';
import { budgetInputSchema, idSchema, type BudgetFields } from './budget.schemas';
import {
  BudgetPeriodRow,
  type AdmitAttempt,
  type AdmitRequest,
  type AdmitResult,
  type BudgetData,
  type BudgetUsage,
  type CoverageRequest,
  type LeasedShare,
  type Reservation,
  type ReserveRequest,
  type ReserveResult,
} from './budget.types';
import { BudgetLeases, DEFAULT_LEASE_OPTIONS, REAP_LEASES_SQL, type BudgetLeaseOptions, type LeaseChargedRow } from './budget-leases';
import { microsToUsd } from './money';
import { periodOf } from './periods';
import type { AlertEvent, AlertService } from '../alerts';
import type { AuditService } from '../audit/audit.service';
import { CachedConfig, type ChangeBus } from '../db/change-bus';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { parseInput } from '../graphql/validation';
import { ledgerQuery } from './ledger-query';
import type { Logger } from '../observability/logger';

const TOPIC = 'budgets';
const REAP_BATCH = 500;
const MAX_DOWNGRADES = 3;

/** Dependencies and knobs of the BudgetService. */
export interface BudgetServiceOptions {
  db: DataSource;
  audit: AuditService;
  bus: ChangeBus;
  /** Threshold crossings are recorded and published through it. */
  alerts: AlertService;
  logger?: Logger;
  /** The clock that decides periods, hold expiry and the reaper's "now" (default: the system clock). */
  now?: () => Date;
  /** How long a hold lives if never settled or released (default 600 000 ms). */
  holdTtlMs?: number;
  /** How often the reaper runs once started (default 30 000 ms). */
  reapIntervalMs?: number;
  /** Checks `downgradeModelId` against the model catalog (default: any id). */
  isKnownModel?: (modelId: string) => boolean;
  /**
   * How `admit` leases room of hot budgets (`BudgetLeaseOptions`, each field defaulted), or false to
   * reserve an exact hold per request always (default: leases on).
   */
  leases?: Partial<BudgetLeaseOptions> | false;
  /** Why a model id cannot be used as is (unknown, or only callable through an inference profile); undefined when fine. */
  modelIdProblem?: (modelId: string) => string | undefined;
  /** Whether a prompt of that name exists (a PROMPT-scoped budget must name one); default: any name. */
  promptExists?: (m: EntityManager, name: string) => Promise<boolean>;
}

interface LockedRow {
  period_id: string;
  budget_id: string;
  limit_micros: string;
  spent_micros: string;
  reserved_micros: string;
  leased_micros: string;
  hold_id: string | null;
}

interface HoldRow {
  id: string;
  budget_period_id: string;
  amount_micros: string;
  actual_micros: string | null;
  outcome: string | null;
}

/** A period row as `CLOSE_SQL` left it (spent after the charge). */
interface ChargedRow {
  id: string;
  budget_id: string;
  period_start: Date;
  limit_micros: string;
  spent_micros: string;
}

interface ThresholdsDue {
  budget: BudgetData;
  periodId: string;
  periodStart: Date;
  limit: number;
  spent: number;
  thresholds: number[];
}

interface PeriodRow {
  id: string;
  budget_id: string;
  period_start: Date;
  limit_micros: string;
  spent_micros: string;
}

function toData(b: Budget): BudgetData {
  return {
    id: b.id,
    name: b.name,
    scope: b.scope,
    scopeValue: b.scopeValue,
    period: b.period,
    limitMicros: b.limitMicros,
    alertThresholds: [...b.alertThresholds],
    onExceed: b.onExceed,
    downgradeModelId: b.downgradeModelId,
  };
}

function covers(b: BudgetData, req: CoverageRequest): boolean {
  switch (b.scope) {
    case BudgetScope.GLOBAL:
      return true;
    case BudgetScope.PROMPT:
      return b.scopeValue === req.prompt;
    case BudgetScope.MODEL:
      return b.scopeValue === req.modelId;
    case BudgetScope.API_KEY:
      return req.apiKey !== null && b.scopeValue === req.apiKey;
    case BudgetScope.USER:
      return req.user !== null && b.scopeValue === req.user;
  }
}

function checkMicros(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new BadUserInputError(field, 'must be a non-negative integer of micro-USD');
}

/**
 * Budgets and their spend ledger.
 *
 * Admission is a two-phase charge. `reserve` holds the request's worst-case cost against every
 * covering budget in one statement (all or nothing): the period rows are locked in budget-id order,
 * so two requests covering the same budgets can never wait on each other in a cycle, and a request
 * is admitted only if `spent + reserved + leased + amount <= limit` for each (hot budgets are admitted
 * from a lease instead: `BudgetLeases`). `settle` moves a hold to spent
 * at the real cost (idempotent); `release` drops it; holds never closed (a crashed process) expire
 * and `reapExpired` releases them. Every path that locks both holds and period rows locks holds
 * first (by id) and period rows after (by budget id), and the reaper skips holds that are locked,
 * so no two paths can deadlock.
 *
 * Spend belongs to the period its hold was reserved in, also when the hold settles after that
 * period ended (a request that straddles midnight counts for the day it started), so spend is
 * never lost nor counted twice across a boundary.
 */
export class BudgetService {
  private readonly db: DataSource;
  private readonly audit: AuditService;
  private readonly bus: ChangeBus;
  private readonly alerts: AlertService;
  private readonly logger?: Logger;
  private readonly now: () => Date;
  readonly holdTtlMs: number;
  readonly reapIntervalMs: number;
  private readonly cache: CachedConfig<BudgetData[]>;
  /** Period rows known to exist (`budgetId|periodStart`), to skip the upsert on the hot path. */
  private readonly knownPeriods = new Set<string>();
  /** Their ids, once a lease needed them. */
  private readonly periodRowIds = new Map<string, string>();
  /** Each budget's current period (`currentPeriod`). */
  private readonly periodsNow = new Map<string, CurrentPeriod>();
  /** Thresholds known to have fired (`periodId|threshold`), to skip re-inserting them. */
  private readonly knownCrossings = new Set<string>();
  private reaper: NodeJS.Timeout | undefined;
  private readonly isKnownModel: ((modelId: string) => boolean) | undefined;
  private readonly modelIdProblem: BudgetServiceOptions['modelIdProblem'];
  private readonly promptExists: BudgetServiceOptions['promptExists'];
  private reaping: Promise<unknown> | undefined;
  /** This process's leases on hot budgets (null: leases off). */
  private readonly leases: BudgetLeases | null;
  /** Settlements started and not written yet (see `settlementsWritten`). */
  private readonly settling = new Set<Promise<void>>();

  constructor(opts: BudgetServiceOptions) {
    this.db = opts.db;
    this.audit = opts.audit;
    this.bus = opts.bus;
    this.alerts = opts.alerts;
    this.logger = opts.logger;
    this.now = opts.now ?? (() => new Date());
    this.holdTtlMs = opts.holdTtlMs ?? 600_000;
    this.reapIntervalMs = opts.reapIntervalMs ?? 30_000;
    this.isKnownModel = opts.isKnownModel;
    this.leases = opts.leases === false ? null : new BudgetLeases(this.db, { ...DEFAULT_LEASE_OPTIONS, ...opts.leases }, this.now, (rows, now) => this.afterCharge(rows, now), this.logger);
    this.modelIdProblem = opts.modelIdProblem;
    this.promptExists = opts.promptExists;
    this.cache = new CachedConfig(TOPIC, async () => (await this.db.getRepository(Budget).find({ order: { name: 'ASC' } })).map(toData), opts.bus);
  }

  // ---------------------------------------------------------------- config (CRUD)

  /** Whether a budget of that name exists (inside the caller's transaction). */
  existsNamed(m: EntityManager, name: string): Promise<boolean> {
    return m.getRepository(Budget).existsBy({ name });
  }

  /** Every budget with the usage of its current period. */
  async list(): Promise<Budget[]> {
    return this.withUsage(await this.db.getRepository(Budget).find({ order: { name: 'ASC' } }));
  }

  async get(name: string): Promise<Budget | null> {
    const b = await this.db.getRepository(Budget).findOneBy({ name });
    return b ? (await this.withUsage([b]))[0]! : null;
  }

  async getById(id: string): Promise<Budget | null> {
    parseInput(idSchema, id, 'id');
    const b = await this.db.getRepository(Budget).findOneBy({ id });
    return b ? (await this.withUsage([b]))[0]! : null;
  }

  private parseBudget(input: unknown): BudgetFields {
    const data: BudgetFields = parseInput(budgetInputSchema, input, 'input');
    if (data.downgradeModelId && this.isKnownModel && !this.isKnownModel(data.downgradeModelId)) {
      throw new BadUserInputError('input.downgradeModelId', `unknown model "${data.downgradeModelId}" (see the models query)`);
    }
    const problem = data.downgradeModelId ? this.modelIdProblem?.(data.downgradeModelId) : undefined;
    if (problem) throw new BadUserInputError('input.downgradeModelId', problem);
    if (data.scope === BudgetScope.MODEL && data.scopeValue) {
      const unknown = this.isKnownModel && !this.isKnownModel(data.scopeValue);
      if (unknown) throw new BadUserInputError('input.scopeValue', `unknown model "${data.scopeValue}" (see the models query)`);
    }
    return data;
  }

  /** References are refused when dangling (README "Budgets and alerts"): a PROMPT budget names an existing prompt. */
  private async checkReferences(m: EntityManager, data: BudgetFields): Promise<void> {
    if (data.scope === BudgetScope.PROMPT && data.scopeValue && this.promptExists && !(await this.promptExists(m, data.scopeValue))) {
      throw new BadUserInputError('input.scopeValue', `no prompt named "${data.scopeValue}" (create it first)`);
    }
  }

  async create(input: unknown, actor: string): Promise<Budget> {
    const data = this.parseBudget(input);
    const saved = await this.db.transaction(async (m) => {
      await this.checkReferences(m, data);
      if (await m.findOneBy(Budget, { name: data.name })) throw new ConflictError(`a budget named "${data.name}" already exists`);
      const b = await m.save(m.create(Budget, data));
      await this.audit.record(m, { actor, action: 'create', entityType: 'Budget', entityId: b.id, entityName: b.name, after: b });
      return b;
    });
    await this.bus.publish(TOPIC);
    return (await this.withUsage([saved]))[0]!;
  }

  /**
   * Replaces the settable fields. A new limit applies to the current period at once. A new period
   * kind applies from the period containing now, which counts the spend already recorded inside it
   * under the old kind (those rows are folded into it; earlier rows stay in the history).
   */
  async update(id: string, input: unknown, actor: string): Promise<Budget> {
    parseInput(idSchema, id, 'id');
    const data = this.parseBudget(input);
    const saved = await this.db.transaction(async (m) => {
      const b = await m.findOne(Budget, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!b) throw new NotFoundError('Budget', id);
      await this.checkReferences(m, data);
      const clash = await m.findOneBy(Budget, { name: data.name });
      if (clash && clash.id !== id) throw new ConflictError(`a budget named "${data.name}" already exists`);
      const before = { ...b };
      Object.assign(b, data);
      const after = await m.save(b);
      // The current period's row takes the new limit at once. When the period kind changed, the rows
      // of the old kind that lie inside the new current period are folded into one row for it (spent
      // and reserved summed, open holds repointed), so the new period counts all of its spend, once.
      const { start, end } = periodOf(after.period, this.now());
      if (before.period !== after.period) await this.rebucket(m, id, start, end);
      await this.alerts.renameBudgetRule(m, before.name, after.name);
      await m.query('UPDATE budget_periods SET limit_micros = $3, period_end = $4 WHERE budget_id = $1 AND period_start = $2', [id, start, after.limitMicros, end]);
      await this.audit.record(m, { actor, action: 'update', entityType: 'Budget', entityId: id, entityName: after.name, before, after });
      return after;
    });
    await this.bus.publish(TOPIC);
    return (await this.withUsage([saved]))[0]!;
  }

  /** Folds the ledger rows of a budget inside [start, end) into one row starting at `start`. */
  private async rebucket(m: EntityManager, budgetId: string, start: Date, end: Date | null): Promise<void> {
    const rows: Array<{ id: string; period_start: Date; spent_micros: string; reserved_micros: string; leased_micros: string }> = await m.query(
      `SELECT id, period_start, spent_micros, reserved_micros, leased_micros FROM budget_periods
        WHERE budget_id = $1 AND period_start >= $2 AND ($3::timestamptz IS NULL OR period_start < $3)
        ORDER BY period_start FOR UPDATE`,
      [budgetId, start, end],
    );
    this.forgetPeriods(budgetId);
    if (!rows.length) return;
    const [target, ...others] = rows;
    const otherIds = others.map((r) => r.id);
    if (otherIds.length) {
      const spent = others.reduce((a, r) => a + BigInt(r.spent_micros), 0n);
      const reserved = others.reduce((a, r) => a + BigInt(r.reserved_micros), 0n);
      const leased = others.reduce((a, r) => a + BigInt(r.leased_micros), 0n);
      await m.query('UPDATE budget_holds SET budget_period_id = $1 WHERE budget_period_id = ANY($2)', [target!.id, otherIds]);
      await m.query('UPDATE budget_leases SET budget_period_id = $1 WHERE budget_period_id = ANY($2)', [target!.id, otherIds]);
      await m.query('DELETE FROM budget_periods WHERE id = ANY($1)', [otherIds]);
      await m.query('UPDATE budget_periods SET spent_micros = spent_micros + $2, reserved_micros = reserved_micros + $3, leased_micros = leased_micros + $4 WHERE id = $1', [
        target!.id,
        String(spent),
        String(reserved),
        String(leased),
      ]);
    }
    await m.query('UPDATE budget_periods SET period_start = $2 WHERE id = $1', [target!.id, start]);
  }

  /** Deletes the budget with its ledger (history included) and its alert rule; holds in flight then settle as no-ops. */
  async delete(id: string, actor: string): Promise<boolean> {
    parseInput(idSchema, id, 'id');
    await this.db.transaction(async (m) => {
      const b = await m.findOneBy(Budget, { id });
      if (!b) throw new NotFoundError('Budget', id);
      await m.delete(Budget, { id });
      await this.alerts.deleteBudgetRule(m, b.name);
      await this.audit.record(m, { actor, action: 'delete', entityType: 'Budget', entityId: id, entityName: b.name, before: b });
    });
    await this.bus.publish(TOPIC);
    return true;
  }

  /** Every period with a ledger row, newest first. */
  async history(id: string): Promise<BudgetPeriodRow[]> {
    parseInput(idSchema, id, 'id');
    if (!(await this.db.getRepository(Budget).existsBy({ id }))) throw new NotFoundError('Budget', id);
    await this.settlementsWritten();
    const rows: Array<{ period_start: Date; period_end: Date | null; spent_micros: string; reserved_micros: string; leased_micros: string; limit_micros: string }> = await this.db.query(
      `SELECT period_start, period_end, spent_micros, reserved_micros, leased_micros, limit_micros FROM budget_periods WHERE budget_id = $1 ORDER BY period_start DESC`,
      [id],
    );
    return rows.map((r) =>
      Object.assign(new BudgetPeriodRow(), {
        periodStart: new Date(r.period_start),
        periodEnd: r.period_end ? new Date(r.period_end) : null,
        spentUsd: microsToUsd(Number(r.spent_micros)),
        reservedUsd: microsToUsd(Number(r.reserved_micros)),
        leasedUsd: microsToUsd(Number(r.leased_micros)),
        limitUsd: microsToUsd(Number(r.limit_micros)),
      }),
    );
  }

  /** The ledger of a budget's period containing `at` (default now); zeros when nothing was reserved yet. */
  async usage(budget: BudgetData, at: Date = this.now()): Promise<BudgetUsage> {
    const { start, end } = periodOf(budget.period, at);
    await this.settlementsWritten();
    const rows: Array<{ id: string; limit_micros: string; spent_micros: string; reserved_micros: string; leased_micros: string }> = await this.db.query(
      'SELECT id, limit_micros, spent_micros, reserved_micros, leased_micros FROM budget_periods WHERE budget_id = $1 AND period_start = $2',
      [budget.id, start],
    );
    const r = rows[0];
    return {
      budgetPeriodId: r?.id ?? null,
      periodStart: start,
      periodEnd: end,
      limitMicros: r ? Number(r.limit_micros) : budget.limitMicros,
      spentMicros: r ? Number(r.spent_micros) : 0,
      reservedMicros: r ? Number(r.reserved_micros) : 0,
      leasedMicros: r ? Number(r.leased_micros) : 0,
    };
  }

  private async withUsage(budgets: Budget[]): Promise<Budget[]> {
    if (!budgets.length) return budgets;
    await this.settlementsWritten();
    const now = this.now();
    const periods = budgets.map((b) => periodOf(b.period, now));
    const rows: Array<{ budget_id: string; spent_micros: string; reserved_micros: string; leased_micros: string }> = await this.db.query(
      `SELECT p.budget_id, p.spent_micros, p.reserved_micros, p.leased_micros FROM budget_periods p
       JOIN unnest($1::uuid[], $2::timestamptz[]) AS k(budget_id, period_start) ON p.budget_id = k.budget_id AND p.period_start = k.period_start`,
      [budgets.map((b) => b.id), periods.map((p) => p.start.toISOString())],
    );
    const byId = new Map(rows.map((r) => [r.budget_id, r]));
    budgets.forEach((b, i) => {
      const r = byId.get(b.id);
      b.spentUsd = microsToUsd(r ? Number(r.spent_micros) : 0);
      b.reservedUsd = microsToUsd(r ? Number(r.reserved_micros) : 0);
      b.leasedUsd = microsToUsd(r ? Number(r.leased_micros) : 0);
      b.periodStart = periods[i]!.start;
      b.periodEnd = periods[i]!.end;
    });
    return budgets;
  }

  // ---------------------------------------------------------------- the ledger (hot path)

  /** Every budget covering a request, from the in-process cache (no database read once loaded). */
  async coveringBudgets(req: CoverageRequest): Promise<BudgetData[]> {
    return (await this.cache.get()).filter((b) => covers(b, req));
  }

  /** Every budget as the hot path sees it, from the cache. */
  async all(): Promise<BudgetData[]> {
    return this.cache.get();
  }

  /** Drops the cached budgets (another process publishes the change on the bus too). */
  invalidate(): void {
    this.cache.invalidate();
  }

  /**
   * Holds `amountMicros` against every budget in `budgets`, all or nothing, in one statement.
   * Refused (nothing held) when any budget's period would go over its limit; the refusal names the
   * budget with the least room left.
   */
  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    checkMicros(req.amountMicros, 'amountMicros');
    const now = req.now ?? this.now();
    const expiresAt = new Date(now.getTime() + (req.ttlMs ?? this.holdTtlMs));
    // Sorted by id: the order every transaction locks period rows in.
    let budgets = dedupeById(req.budgets).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let attempt = 0; ; attempt++) {
      if (!budgets.length) return { ok: true, reservation: { requestId: req.requestId, amountMicros: req.amountMicros, expiresAt, holds: [], leased: [] } };
      const periods = budgets.map((b) => this.currentPeriod(b, now));
      await this.ensurePeriodRows(budgets, periods);
      const rows: LockedRow[] = await ledgerQuery(this.db, RESERVE_SQL, [
        budgets.map((b) => b.id),
        periods.map((p) => p.start.toISOString()),
        String(req.amountMicros),
        req.requestId,
        expiresAt.toISOString(),
      ]);
      const byBudget = new Map(rows.map((r) => [r.budget_id, r]));
      const gone = budgets.filter((b) => !byBudget.has(b.id));
      if (gone.length) {
        // Deleted since the cache was loaded: they no longer cover anything. Retry without them.
        if (attempt > 2) throw new Error('budget rows vanished while reserving');
        this.cache.invalidate();
        for (const b of gone) this.forgetPeriods(b.id);
        budgets = budgets.filter((b) => byBudget.has(b.id));
        continue;
      }
      if (rows.every((r) => r.hold_id)) {
        return {
          ok: true,
          reservation: {
            requestId: req.requestId,
            amountMicros: req.amountMicros,
            expiresAt,
            holds: budgets.map((b, i) => {
              const r = byBudget.get(b.id)!;
              return { holdId: r.hold_id!, budgetId: b.id, budgetName: b.name, budgetPeriodId: r.period_id, periodStart: periods[i]!.start };
            }),
            leased: [],
          },
        };
      }
      let worst: { budget: BudgetData; remaining: number; limit: number } | undefined;
      for (const b of budgets) {
        const r = byBudget.get(b.id)!;
        const limit = Number(r.limit_micros);
        // Room leased by server processes is not free: it is theirs to admit from (or give back).
        const remaining = limit - Number(r.spent_micros) - Number(r.reserved_micros) - Number(r.leased_micros);
        if (remaining - req.amountMicros >= 0) continue;
        if (!worst || remaining < worst.remaining) worst = { budget: b, remaining, limit };
      }
      // Every row was fine yet nothing was held: cannot happen, the statement decides on these rows.
      if (!worst) throw new Error('reservation refused without a budget over its limit');
      const remainingMicros = Math.max(0, worst.remaining);
      return {
        ok: false,
        budget: worst.budget,
        remainingMicros,
        message: budgetExceededMessage(worst.budget, { limitMicros: worst.limit, remainingMicros, amountMicros: req.amountMicros }),
      };
    }
  }

  /**
   * `reserve`, with hot budgets taken from this process's leases (in memory; see BudgetLeases):
   * each budget this process admits often is taken from its slice, the others (and hot ones in
   * their last stretch) get exact holds in one `reserve`, all or nothing: a refusal gives the
   * leased shares back.
   */
  private async reserveForAdmission(req: ReserveRequest): Promise<ReserveResult> {
    const leases = this.leases;
    if (!leases || !req.budgets.length) return this.reserve(req);
    checkMicros(req.amountMicros, 'amountMicros');
    const now = req.now ?? this.now();
    const budgets = dedupeById(req.budgets);
    const periods = budgets.map((b) => this.currentPeriod(b, now));
    const keys = periods.map((p) => p.key);
    const hot = budgets.map((b, i) => req.amountMicros > 0 && leases.wants(b, keys[i]!));
    if (!hot.some(Boolean)) return this.reserve(req);
    const periodIds = await this.periodIds(budgets, periods);
    const leased: LeasedShare[] = [];
    const exact: BudgetData[] = [];
    try {
      for (let i = 0; i < budgets.length; i++) {
        const id = periodIds.get(keys[i]!);
        const share = hot[i] && id ? await leases.take(budgets[i]!, keys[i]!, id, periods[i]!.start, req.amountMicros) : null;
        if (share) leased.push(share);
        else exact.push(budgets[i]!);
      }
    } catch (err) {
      for (const l of leased) leases.close(l, 0, false);
      throw err;
    }
    const r = await this.reserve({ ...req, budgets: exact }).catch((err: unknown) => {
      for (const l of leased) leases.close(l, 0, false);
      throw err;
    });
    if (!r.ok) {
      for (const l of leased) leases.close(l, 0, false);
      return r;
    }
    r.reservation.leased = leased;
    return r;
  }

  /** The period row ids of `budgets` for `periods` (`budgetId|periodStart` → id), creating missing rows. */
  private async periodIds(budgets: BudgetData[], periods: CurrentPeriod[]): Promise<Map<string, string>> {
    if (periods.some((p) => !this.periodRowIds.has(p.key))) {
      await this.ensurePeriodRows(budgets, periods);
      const rows: Array<{ budget_id: string; period_start: Date; id: string }> = await this.db.query(
        `SELECT p.id, p.budget_id, p.period_start FROM budget_periods p
         JOIN unnest($1::uuid[], $2::timestamptz[]) AS k(budget_id, period_start) ON p.budget_id = k.budget_id AND p.period_start = k.period_start`,
        [budgets.map((b) => b.id), periods.map((p) => p.start.toISOString())],
      );
      if (this.periodRowIds.size > 100_000) this.periodRowIds.clear();
      for (const r of rows) this.periodRowIds.set(periodKey(r.budget_id, new Date(r.period_start)), r.id);
    }
    return this.periodRowIds;
  }

  /**
   * The admission rule of a request: finds the budgets covering `modelId` and its fallbacks (every
   * model that may serve brings the budgets scoped to it) and reserves `costOf(modelId, candidates)`
   * on all of them, all or nothing. When a DOWNGRADE budget refuses, tries again with its
   * `downgradeModelId` alone (covering budgets and cost recomputed), up to three attempts. A BLOCK
   * refusal, a downgrade to a model already tried, or a downgrade that does not fit either, is
   * returned as is. `costOf` may throw (a model that cannot serve): the error propagates.
   */
  async admit(req: AdmitRequest, costOf: (modelId: string, candidates: readonly string[]) => number): Promise<AdmitResult> {
    let modelId = req.modelId;
    let candidates = [modelId, ...(req.fallbackModelIds ?? []).filter((m) => m !== modelId)];
    let downgradedBy: BudgetData | null = null;
    const tried = new Set([modelId]);
    const attempts: AdmitAttempt[] = [];
    for (let hop = 0; ; hop++) {
      const budgets = await this.coveringAny(req, candidates);
      const amountMicros = costOf(modelId, candidates);
      const r = await this.reserveForAdmission({ budgets, amountMicros, requestId: req.requestId, ttlMs: req.ttlMs, now: req.now });
      attempts.push({ modelId, budgets, amountMicros, refusal: r.ok ? null : r });
      if (r.ok) return { ok: true, reservation: r.reservation, modelId, downgradedFrom: downgradedBy ? req.modelId : null, downgradedBy, attempts };
      const next = r.budget.onExceed === BudgetAction.DOWNGRADE ? r.budget.downgradeModelId : null;
      if (!next || tried.has(next) || hop >= MAX_DOWNGRADES - 1) return { ...r, modelId, attempts };
      tried.add(next);
      downgradedBy = r.budget;
      modelId = next;
      candidates = [next];
    }
  }

  /** The budgets covering any of `modelIds`, each once (in the order first found). */
  private async coveringAny(req: Omit<CoverageRequest, 'modelId'>, modelIds: readonly string[]): Promise<BudgetData[]> {
    const seen = new Map<string, BudgetData>();
    for (const modelId of modelIds) for (const b of await this.coveringBudgets({ prompt: req.prompt, apiKey: req.apiKey, user: req.user, modelId })) seen.set(b.id, b);
    return [...seen.values()];
  }

  /**
   * Charges the real cost (not clamped to the hold: it was bounded by the worst case the pipeline
   * computed) to the period each hold was reserved in, and frees the hold. Idempotent: a second
   * call is a no-op. A hold the reaper already expired is still charged (the model ran). Fires the
   * alert thresholds the new spend crosses, once per period. With `servedBudgetIds`, only those
   * budgets' holds are charged and the others released.
   */
  settle(reservation: Reservation, actualMicros: number, servedBudgetIds?: readonly string[]): Promise<void> {
    // Tracked from the call on (synchronously): a read of spending that comes after waits for it.
    const p = this.settleNow(reservation, actualMicros, servedBudgetIds);
    this.settling.add(p);
    p.finally(() => this.settling.delete(p)).catch((err: unknown) =>
      // The pipeline does not wait for it: say so here. The hold is released when it expires.
      this.logger?.warn({ err, requestId: reservation.requestId }, 'a budget settlement failed; its hold is released when it expires'),
    );
    return p;
  }

  /**
   * Resolves once every settlement this process started so far is written (or failed), leased ones
   * included. The spending reads (`list`, `get`, `history`, `usage`) wait for it, so a client that saw a generation complete
   * reads its cost even though the pipeline sends the completion before the settlement is written.
   */
  async settlementsWritten(): Promise<void> {
    if (this.settling.size) await Promise.allSettled([...this.settling]);
    // Leased settlements are closed in memory and written in batches: the batch in flight too.
    if (this.leases?.owesOrWrites()) await this.leases.flush().catch(() => undefined);
  }

  private async settleNow(reservation: Reservation, actualMicros: number, servedBudgetIds?: readonly string[]): Promise<void> {
    checkMicros(actualMicros, 'actualMicros');
    // A fallback model served: budgets scoped only to models that did not serve are not charged.
    const served = servedBudgetIds ? new Set(servedBudgetIds) : null;
    const charged = (id: string) => !served || served.has(id);
    const leased = this.closeLeased(reservation, actualMicros, charged);
    try {
      if (!served) await this.close(reservation, 'SETTLED', actualMicros);
      else {
        await this.close({ ...reservation, holds: reservation.holds.filter((h) => served.has(h.budgetId)) }, 'SETTLED', actualMicros);
        await this.close({ ...reservation, holds: reservation.holds.filter((h) => !served.has(h.budgetId)) }, 'RELEASED', 0);
      }
    } finally {
      await leased;
    }
  }

  /**
   * Closes a reservation's leased shares: charged or given back in memory at once; the ledger write
   * follows in this process's next batch (`flushLeases` waits for it).
   */
  private async closeLeased(reservation: Reservation, actualMicros: number, charged: (budgetId: string) => boolean): Promise<void> {
    const shares = reservation.leased ?? [];
    if (!shares.length) return;
    if (!this.leases) throw new Error('a leased reservation reached a budget service with leases off');
    for (const s of shares) this.leases.close(s, actualMicros, charged(s.budgetId));
  }

  /** Resolves once every leased settlement of this process so far is written to the ledger. */
  async flushLeases(): Promise<void> {
    await this.leases?.flush();
  }

  /**
   * Keeps a live request's holds from expiring: the pipeline calls this while the model streams,
   * so a long generation is never mistaken for the leftover of a crashed process.
   */
  async extend(reservation: Reservation, ttlMs = this.holdTtlMs): Promise<void> {
    const ids = reservation.holds.map((h) => h.holdId);
    if (!ids.length) return;
    const expiresAt = new Date(this.now().getTime() + ttlMs);
    await this.db.query('UPDATE budget_holds SET expires_at = $2 WHERE id = ANY($1) AND settled_at IS NULL', [ids, expiresAt.toISOString()]);
    reservation.expiresAt = expiresAt;
  }

  /** Frees the holds without charging anything (the model was not called). Idempotent. */
  async release(reservation: Reservation): Promise<void> {
    await Promise.all([this.close(reservation, 'RELEASED', 0), this.closeLeased(reservation, 0, () => false)]);
  }

  private async close(reservation: Reservation, outcome: 'SETTLED' | 'RELEASED', actualMicros: number): Promise<void> {
    const ids = reservation.holds.map((h) => h.holdId);
    if (!ids.length) return;
    const now = this.now();
    const charged: ChargedRow[] = await ledgerQuery(this.db, CLOSE_SQL, [ids, outcome, String(actualMicros), now.toISOString()]);
    if (!charged.length || actualMicros === 0) return;
    await this.afterCharge(charged, now);
  }

  /** Fires the alert thresholds that charged period rows newly reached. */
  private async afterCharge(charged: ChargedRow[] | LeaseChargedRow[], now: Date): Promise<void> {
    // Thresholds are checked after the charge committed, in their own transaction, and only when one
    // is newly reached: the unique crossing row makes each fire once even when settles race.
    const budgets = new Map((await this.cache.get()).map((b) => [b.id, b]));
    const due = charged
      .map((r) => ({ row: r, budget: budgets.get(r.budget_id) }))
      .map(({ row, budget }) => {
        const limit = Number(row.limit_micros);
        const spent = Number(row.spent_micros);
        const thresholds = (budget?.alertThresholds ?? []).filter((t) => reachesThreshold(spent, t, limit) && !this.knownCrossings.has(`${row.id}|${t}`));
        return { budget: budget!, periodId: row.id, periodStart: new Date(row.period_start), limit, spent, thresholds };
      })
      .filter((d) => d.thresholds.length > 0);
    if (!due.length) return;
    const events = await this.db.transaction((m) => this.fireThresholds(m, due, now));
    for (const e of events) this.alerts.publish(e);
  }

  /**
   * Releases holds that expired before `now` (left by a crashed or stuck process); returns how many.
   * Holds being settled right now are skipped (SKIP LOCKED) rather than waited for.
   */
  async reapExpired(now: Date = this.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.transaction(async (m) => {
        const holds: HoldRow[] = await m.query(
          `SELECT id, budget_period_id, amount_micros, actual_micros, outcome FROM budget_holds
           WHERE settled_at IS NULL AND expires_at <= $1 ORDER BY id LIMIT ${REAP_BATCH} FOR UPDATE SKIP LOCKED`,
          [now],
        );
        if (!holds.length) return 0;
        const periods = await this.lockPeriods(
          m,
          holds.map((h) => h.budget_period_id),
        );
        const unreserve = new Map<string, number>();
        for (const h of holds) unreserve.set(h.budget_period_id, (unreserve.get(h.budget_period_id) ?? 0) + Number(h.amount_micros));
        await m.query(
          `UPDATE budget_periods p SET reserved_micros = p.reserved_micros - d.unreserve
           FROM unnest($1::uuid[], $2::bigint[]) AS d(id, unreserve) WHERE p.id = d.id`,
          [periods.map((p) => p.id), periods.map((p) => String(unreserve.get(p.id) ?? 0))],
        );
        await m.query(`UPDATE budget_holds SET outcome = 'EXPIRED', settled_at = $2 WHERE id = ANY($1::uuid[])`, [holds.map((h) => h.id), now]);
        return holds.length;
      });
      total += n;
      if (n < REAP_BATCH) break;
    }
    if (total) this.logger?.warn({ holds: total }, 'released expired budget holds');
    for (;;) {
      const [r] = (await ledgerQuery(this.db, REAP_LEASES_SQL, [now.toISOString()])) as Array<{ n: number; micros: string }>;
      if (r!.n) this.logger?.warn({ leases: r!.n, micros: Number(r!.micros) }, 'released expired budget leases');
      if (r!.n < REAP_BATCH) break;
    }
    return total;
  }

  /** Runs `reapExpired` every `intervalMs` (default `reapIntervalMs`) until `stopReaper`. */
  startReaper(intervalMs = this.reapIntervalMs): void {
    if (this.reaper) return;
    this.reaper = setInterval(() => {
      if (this.reaping) return;
      this.reaping = this.reapExpired()
        .catch((err) => this.logger?.error({ err }, 'budget reaper failed'))
        .finally(() => (this.reaping = undefined));
    }, intervalMs);
    this.reaper.unref();
  }

  /**
   * Stops the reaper and waits for a run in progress, and gives this process's unused leased room
   * back (a clean stop), so the database can close after.
   */
  async stopReaper(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = undefined;
    await this.reaping;
    await this.leases?.stop();
  }

  // ---------------------------------------------------------------- internals

  /**
   * Creates missing period rows, in budget-id order (so concurrent creators of the same rows never
   * wait on each other in a cycle), in their own short statement before the reservation locks them.
   */
  private async ensurePeriodRows(budgets: BudgetData[], periods: CurrentPeriod[]): Promise<void> {
    if (periods.every((p) => this.knownPeriods.has(p.key))) return;
    const missing = budgets.map((b, i) => ({ b, p: periods[i]! })).filter(({ p }) => !this.knownPeriods.has(p.key));
    await this.db.query(
      `INSERT INTO budget_periods (budget_id, period_start, period_end, limit_micros)
       SELECT k.budget_id, k.period_start, k.period_end, b.limit_micros
       FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS k(budget_id, period_start, period_end, ord)
       JOIN budgets b ON b.id = k.budget_id
       ORDER BY k.ord
       ON CONFLICT (budget_id, period_start) DO NOTHING`,
      [missing.map((x) => x.b.id), missing.map((x) => x.p.start.toISOString()), missing.map((x) => x.p.end?.toISOString() ?? null)],
    );
    if (this.knownPeriods.size > 100_000) this.knownPeriods.clear();
    for (const { p } of missing) this.knownPeriods.add(p.key);
  }

  /**
   * The period of `budget` containing `now`, with its ledger key (`budgetId|periodStart`): computed
   * once per budget and period, not per request (dates and an ISO string per budget each time).
   */
  private currentPeriod(budget: BudgetData, now: Date): CurrentPeriod {
    const t = now.getTime();
    const known = this.periodsNow.get(budget.id);
    if (known && known.kind === budget.period && t >= known.start.getTime() && (known.end === null || t < known.end.getTime())) return known;
    const { start, end } = periodOf(budget.period, now);
    const p: CurrentPeriod = { kind: budget.period, start, end, key: periodKey(budget.id, start) };
    if (this.periodsNow.size > 10_000) this.periodsNow.clear();
    this.periodsNow.set(budget.id, p);
    return p;
  }

  private forgetPeriods(budgetId: string): void {
    this.periodsNow.delete(budgetId);
    for (const k of this.knownPeriods) if (k.startsWith(`${budgetId}|`)) this.knownPeriods.delete(k);
    for (const k of this.periodRowIds.keys()) if (k.startsWith(`${budgetId}|`)) this.periodRowIds.delete(k);
  }

  /** Locks period rows in the one global order: budget id, then period start. */
  private lockPeriods(m: EntityManager, periodIds: string[]): Promise<PeriodRow[]> {
    return m.query(
      `SELECT id, budget_id, period_start, limit_micros, spent_micros FROM budget_periods
       WHERE id = ANY($1::uuid[]) ORDER BY budget_id, period_start FOR NO KEY UPDATE`,
      [[...new Set(periodIds)]],
    );
  }

  /**
   * Records each reached threshold once per period (a unique row per period and threshold) and an
   * AlertEvent on the budget's rule (`budget:<name>`, created if missing; nothing is published when
   * that rule is disabled). Returns the events to publish after commit.
   */
  private async fireThresholds(m: EntityManager, due: ThresholdsDue[], now: Date): Promise<AlertEvent[]> {
    const events: AlertEvent[] = [];
    for (const d of due) {
      const inserted: Array<{ threshold: number }> = await m.query(
        `INSERT INTO budget_threshold_crossings (budget_period_id, threshold, crossed_at)
         SELECT $1, t, $3 FROM unnest($2::float8[]) AS t
         ON CONFLICT (budget_period_id, threshold) DO NOTHING RETURNING threshold`,
        [d.periodId, d.thresholds, now],
      );
      if (this.knownCrossings.size > 100_000) this.knownCrossings.clear();
      for (const t of d.thresholds) this.knownCrossings.add(`${d.periodId}|${t}`);
      if (!inserted.length) continue;
      const rule = await this.alerts.ensureBudgetRule(m, d.budget.name);
      if (!rule.enabled) continue;
      for (const t of inserted.map((r) => Number(r.threshold)).sort((a, b) => a - b)) {
        events.push(
          await this.alerts.record(m, {
            rule,
            value: d.spent / d.limit,
            baseline: t,
            firedAt: now,
            message: `budget "${d.budget.name}" crossed ${Math.round(t * 10_000) / 100}% of its ${d.budget.period} limit: ${formatUsd(d.spent)} of ${formatUsd(d.limit)} spent`,
            details: {
              budget: d.budget.name,
              budgetId: d.budget.id,
              period: d.budget.period,
              periodStart: d.periodStart.toISOString(),
              threshold: t,
              spentUsd: microsToUsd(d.spent),
              limitUsd: microsToUsd(d.limit),
            },
          }),
        );
      }
    }
    return events;
  }
}

/** A budget's period as the ledger paths use it: its bounds, and its key in `knownPeriods` and `periodRowIds`. */
interface CurrentPeriod {
  kind: BudgetData['period'];
  start: Date;
  end: Date | null;
  key: string;
}

function periodKey(budgetId: string, start: Date): string {
  return `${budgetId}|${start.toISOString()}`;
}

function dedupeById(budgets: BudgetData[]): BudgetData[] {
  return [...new Map(budgets.map((b) => [b.id, b])).values()];
}

/**
 * The reservation, as one statement (one implicit transaction): lock the period rows in budget-id
 * order, decide for all of them, and only if every one fits add the amount and insert one hold per
 * row. FOR NO KEY UPDATE is the lock an UPDATE of non-key columns takes; it does not block the
 * foreign-key checks of hold inserts. Under READ COMMITTED the lock returns each row's latest
 * committed version, and the UPDATE applies to that same version, so the check and the write agree.
 * Room leased by processes (`leased_micros`) counts as taken.
 * $1 budget ids (sorted), $2 period starts, $3 amount, $4 request id, $5 expiry.
 */
const RESERVE_SQL = `
WITH k AS (
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS k(budget_id, period_start)
), locked AS (
  SELECT p.id, p.budget_id, p.limit_micros, p.spent_micros, p.reserved_micros, p.leased_micros
  FROM budget_periods p JOIN k ON p.budget_id = k.budget_id AND p.period_start = k.period_start
  ORDER BY p.budget_id
  FOR NO KEY UPDATE OF p
), verdict AS (
  SELECT count(*) = cardinality($1::uuid[]) AND coalesce(bool_and(spent_micros + reserved_micros + leased_micros + $3::bigint <= limit_micros), true) AS ok
  FROM locked
), upd AS (
  UPDATE budget_periods p SET reserved_micros = p.reserved_micros + $3::bigint
  FROM locked l
  WHERE p.id = l.id AND (SELECT ok FROM verdict)
  RETURNING p.id
), ins AS (
  INSERT INTO budget_holds (budget_period_id, request_id, amount_micros, expires_at)
  SELECT id, $4, $3::bigint, $5::timestamptz FROM upd
  RETURNING id, budget_period_id
)
SELECT l.id AS period_id, l.budget_id, l.limit_micros, l.spent_micros, l.reserved_micros, l.leased_micros, i.id AS hold_id
FROM locked l LEFT JOIN ins i ON i.budget_period_id = l.id`;

/**
 * Settle or release, as one statement: lock the reservation's holds (by id) that are still open, or
 * expired-but-never-charged when settling; then their period rows in the global order (budget id,
 * period start); free each open hold's amount, add the real cost to spent, and close the holds.
 * A second call finds no qualifying hold (the lock re-checks the row it waited for) and changes
 * nothing. Returns the charged period rows with their new spent.
 * $1 hold ids, $2 'SETTLED' | 'RELEASED', $3 real cost, $4 now.
 */
const CLOSE_SQL = `
WITH h AS (
  SELECT id, budget_period_id, amount_micros, outcome FROM budget_holds
  WHERE id = ANY($1::uuid[])
    AND (outcome IS NULL OR ($2::text = 'SETTLED' AND outcome = 'EXPIRED' AND actual_micros IS NULL))
  ORDER BY id
  FOR UPDATE
), p AS (
  SELECT bp.id FROM budget_periods bp
  WHERE bp.id IN (SELECT budget_period_id FROM h)
  ORDER BY bp.budget_id, bp.period_start
  FOR NO KEY UPDATE
), d AS (
  SELECT budget_period_id AS id, sum(CASE WHEN outcome IS NULL THEN amount_micros ELSE 0 END) AS unreserve
  FROM h GROUP BY budget_period_id
), closed AS (
  UPDATE budget_holds bh SET outcome = $2::text, actual_micros = $3::bigint, settled_at = coalesce(bh.settled_at, $4::timestamptz)
  FROM h WHERE bh.id = h.id
  RETURNING bh.id
), charged AS (
  UPDATE budget_periods bp
  SET spent_micros = bp.spent_micros + $3::bigint, reserved_micros = bp.reserved_micros - d.unreserve
  FROM d JOIN p ON p.id = d.id
  WHERE bp.id = d.id
  RETURNING bp.id, bp.budget_id, bp.period_start, bp.limit_micros, bp.spent_micros
)
SELECT * FROM charged`;

/**
 * Whether `spent` micro-USD reaches the fraction `t` of `limit`, exactly: the fraction is taken as
 * parts per million, so 7% of $10 is reached at exactly $0.70 (the float 0.07 × 10,000,000 is
 * 700,000.0000000001 and would not be).
 */
function reachesThreshold(spent: number, t: number, limit: number): boolean {
  const ppm = BigInt(Math.round(t * 1_000_000));
  return BigInt(spent) * 1_000_000n >= ppm * BigInt(limit);
}
