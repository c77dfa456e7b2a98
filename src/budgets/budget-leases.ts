import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import type { BudgetData, LeasedShare } from './budget.types';
import { ledgerQuery } from './ledger-query';
import type { Logger } from '../observability/logger';

/** How a process leases budget room (every field has a default; see `DEFAULT_LEASE_OPTIONS`). */
export interface BudgetLeaseOptions {
  /**
   * A budget is admitted from a lease in a process once that process admits at least this many
   * requests a second against it (default 4), as a moving average over about `HEAT_SECONDS` (2 s):
   * a steady 4 a second, or a burst of 8. Below that, every request gets its own exact hold (a cold
   * budget costs one durable statement per request, as it always did).
   */
  hotPerSecond: number;
  /** A grant is at most this share of the period's free room (limit - spent - reserved - leased); default 1/8. */
  share: number;
  /**
   * …and at most this many times the requesting amount (default 128), or a quarter second of the
   * process's admissions against the budget when that is more (a busy process leases in bigger steps).
   */
  maxRequests: number;
  /**
   * A grant smaller than this many times the requesting amount is not made (default 4): in that last
   * stretch every request reserves its exact hold, and a process gives its unused slice back.
   */
  minRequests: number;
  /** A lease not renewed for this long expires and is reaped (default 30 000 ms); the holder renews it on every write. */
  ttlMs: number;
  /**
   * Unused room of a slice nobody admitted from for this long is given back (default 5 000 ms): long
   * enough that a client pausing a few seconds between bursts finds its slice still there (else the
   * next burst waits for a new lease and grant, two durable statements, before its first admission).
   */
  idleMs: number;
  /** In the last stretch, how long a process keeps to exact holds before trying to lease again (default 1 000 ms). */
  edgeMs: number;
  /**
   * A settled cost is written to the ledger at most this long after its settle (default 50 ms), so the
   * settlements of that span share one statement: one client sending requests one after another would
   * otherwise cost a ledger write per request, issued while its last events are being sent and
   * answered while its next request runs. Until written, the cost stays counted as leased room (never
   * free), so admission is unchanged; `flush` (the spending reads, a clean stop) and room given back
   * in the last stretch write at once.
   */
  writeDelayMs: number;
}

export const DEFAULT_LEASE_OPTIONS: BudgetLeaseOptions = {
  hotPerSecond: 4,
  share: 1 / 8,
  maxRequests: 128,
  minRequests: 4,
  ttlMs: 30_000,
  idleMs: 5_000,
  edgeMs: 1_000,
  writeDelayMs: 50,
};

/**
 * The time constant (seconds) of the admission rate that makes a budget hot: long enough that a
 * short burst (a few requests at once) stays on exact holds, short enough that a steady stream of a
 * few requests a second (one client in sequence) is leased within a couple of seconds.
 */
export const HEAT_SECONDS = 2;

/** A period row as a lease write left it, for the thresholds check. */
export interface LeaseChargedRow {
  id: string;
  budget_id: string;
  period_start: Date;
  limit_micros: string;
  spent_micros: string;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** One budget period's slice in this process. */
class Slice {
  leaseId: string | null = null;
  /** Leased room not promised to any request. */
  free = 0;
  /** Promised to admitted requests not yet settled. */
  inflight = 0;
  /** Settled cost not yet written. */
  pendingCharge = 0;
  /** Room to give back on the next write. */
  pendingReturn = 0;
  /** The amount last asked for: the unit grants are measured in. */
  unit = 0;
  lastUsed = 0;
  /** Until then (ms since epoch), requests get exact holds: the budget is in its last stretch. */
  edgeUntil = 0;
  granting: Promise<void> | null = null;
  renewedAt = 0;
  /** Admissions in the current second, and in the one before. */
  private second = 0;
  private thisSecond = 0;
  private lastSecond = 0;

  constructor(
    readonly key: string,
    readonly budget: BudgetData,
    readonly periodId: string,
    readonly periodStart: Date,
  ) {}

  /** Counts one admission. */
  count(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    if (sec !== this.second) {
      this.lastSecond = sec === this.second + 1 ? this.thisSecond : 0;
      this.thisSecond = 0;
      this.second = sec;
    }
    this.thisSecond++;
  }

  /** Admissions per second, lately. */
  get rate(): number {
    return Math.max(this.thisSecond, this.lastSecond);
  }

  get idle(): boolean {
    return this.free === 0 && this.inflight === 0 && this.pendingCharge === 0 && this.pendingReturn === 0;
  }
}

/**
 * Budget leases: each process leases a slice of a hot budget's remaining room from the ledger (one
 * statement), admits requests from it in memory, writes settlements in batches (one statement for
 * every slice, group-committed: a settle resolves once its batch is written) and gives unused room
 * back. The ledger keeps `spent + reserved + leased <= limit` at every admission, across processes:
 * a grant is taken, in one locked statement, out of what no one else holds.
 *
 * Grants shrink with the room: at most `share` of the free room and `maxRequests` requests' worth;
 * below `minRequests` requests' worth no grant is made, a request falls back to its exact hold, and
 * a process that sees the budget in that last stretch gives its unused slice back at its next write.
 */
export class BudgetLeases {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly slices = new Map<string, Slice>();
  private readonly shares = new WeakMap<LeasedShare, { slice: Slice; closed: boolean }>();
  /** Per budget: its admission rate (per second, an exponential moving average) as of `at` (ms). */
  private readonly heat = new Map<string, { rate: number; at: number }>();
  private waiting: Waiter[] = [];
  private writing: Promise<void> | null = null;
  private rerun = false;
  /** The next write renews every lease, owed or not. */
  private renewAll = false;
  private timer: NodeJS.Timeout | undefined;
  /** The write of settled costs, due `writeDelayMs` after the first settle not yet written. */
  private delayed: NodeJS.Timeout | undefined;
  /** Stopped: no new grants; requests get exact holds. */
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly opts: BudgetLeaseOptions,
    private readonly clock: () => Date,
    private readonly onCharged: (rows: LeaseChargedRow[], now: Date) => Promise<void>,
    private readonly logger?: Logger,
  ) {}

  /** Whether this process admits `budget` from a lease: it is hot here, or already has a slice. */
  wants(budget: BudgetData, key: string): boolean {
    if (this.slices.has(key)) return true;
    const now = Date.now();
    let h = this.heat.get(budget.id);
    if (!h) {
      if (this.heat.size > 10_000) this.heat.clear();
      this.heat.set(budget.id, (h = { rate: 0, at: now }));
    }
    // Each admission adds 1/HEAT_SECONDS to a rate that decays with time constant HEAT_SECONDS: a
    // steady r a second converges to r; a burst of n adds n/HEAT_SECONDS.
    h.rate = h.rate * Math.exp(-(now - h.at) / (HEAT_SECONDS * 1000)) + 1 / HEAT_SECONDS;
    h.at = now;
    return h.rate >= this.opts.hotPerSecond;
  }

  /**
   * Takes `amount` from this process's slice of the period, leasing more when it runs low. Null when
   * the budget is in its last stretch (no grant of `minRequests` requests' worth is left): the caller
   * then reserves an exact hold, after this process gave its unused room back.
   */
  async take(budget: BudgetData, key: string, periodId: string, periodStart: Date, amount: number): Promise<LeasedShare | null> {
    if (this.stopped) return null;
    let slice = this.slices.get(key);
    if (!slice) {
      slice = new Slice(key, budget, periodId, periodStart);
      this.slices.set(key, slice);
    }
    this.ensureTimer();
    slice.lastUsed = Date.now();
    slice.count(slice.lastUsed);
    slice.unit = amount;
    const step = Math.max(this.opts.maxRequests, Math.ceil(slice.rate / 4));
    for (let attempt = 0; attempt < 3; attempt++) {
      if (slice.edgeUntil > Date.now()) {
        // The caller reserves an exact hold next: what this slice gave back since it entered the
        // last stretch must be in the ledger first.
        await this.giveBack(slice).catch(() => undefined);
        return null;
      }
      if (slice.free >= amount) {
        slice.free -= amount;
        slice.inflight += amount;
        // Lease ahead while half a grant is left, so admissions rarely wait for the ledger.
        if (slice.free < (step / 2) * amount) void this.grant(slice).catch(() => undefined);
        const share: LeasedShare = { budgetId: budget.id, budgetName: budget.name, budgetPeriodId: periodId, periodStart, amountMicros: amount };
        this.shares.set(share, { slice, closed: false });
        return share;
      }
      await this.grant(slice);
    }
    return null;
  }

  /**
   * Charges `actualMicros` for a share (released when `charge` is false), in memory; the ledger
   * write follows in the next batch (`flush` waits for it). Idempotent.
   */
  close(share: LeasedShare, actualMicros: number, charge: boolean): void {
    const entry = this.shares.get(share);
    if (!entry) throw new Error('a leased share can only be settled by the process that admitted it');
    if (entry.closed) return;
    entry.closed = true;
    const { slice } = entry;
    slice.inflight -= share.amountMicros;
    const cost = charge ? actualMicros : 0;
    let left = share.amountMicros - cost;
    if (left < 0) {
      // Dearer than its worst case: the excess comes out of the slice's free room while it lasts.
      const take = Math.min(slice.free, -left);
      slice.free -= take;
      left = 0;
    }
    if (slice.edgeUntil > Date.now()) slice.pendingReturn += left;
    else slice.free += left;
    slice.pendingCharge += cost;
    // Room owed back in the last stretch goes at once (other processes may be short of it); a cost
    // joins the settlements of the next `writeDelayMs` (it stays leased, never free, until written).
    if (slice.pendingReturn > 0) this.schedule();
    else if (cost > 0) this.scheduleDelayed();
  }

  /** Resolves once everything settled or given back so far is written to the ledger. */
  flush(): Promise<void> {
    return this.write();
  }

  /** Whether settled cost or room is owed to the ledger, or a write is in flight (`flush` would wait). */
  owesOrWrites(): boolean {
    return this.writing !== null || this.owes();
  }

  /** Gives every slice's unused room back and waits for it to be written (a clean stop). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearDelayed();
    this.stopped = true;
    // A grant still in flight must land before its room can go back.
    await Promise.all([...this.slices.values()].map((s) => s.granting?.catch(() => undefined)));
    for (const s of this.slices.values()) {
      s.pendingReturn += s.free;
      s.free = 0;
    }
    await this.write().catch((err) => this.logger?.warn({ err }, 'could not give budget leases back'));
    // Another write may have failed and left amounts owed: one more try (the reaper covers the rest).
    if (this.owes()) await this.write().catch(() => undefined);
  }

  /** Room this process holds unused (free in its slices, or owed back and not written yet), by budget id. */
  heldFree(budgetId: string): number {
    let n = 0;
    for (const s of this.slices.values()) if (s.budget.id === budgetId) n += s.free + s.pendingReturn;
    return n;
  }

  /** Asks the ledger for more room for `slice` (one grant in flight per slice; others wait on it). */
  private grant(slice: Slice): Promise<void> {
    if (!slice.granting) {
      slice.granting = this.grantNow(slice).finally(() => (slice.granting = null));
    }
    return slice.granting;
  }

  private async grantNow(slice: Slice): Promise<void> {
    const unit = slice.unit;
    const expiresAt = new Date(this.clock().getTime() + this.opts.ttlMs).toISOString();
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!slice.leaseId) {
        const [row] = (await this.db.query('INSERT INTO budget_leases (budget_period_id, holder, amount_micros, expires_at) VALUES ($1, $2, 0, $3) RETURNING id', [
          slice.periodId,
          this.holder,
          expiresAt,
        ])) as Array<{ id: string }>;
        slice.leaseId = row!.id;
      }
      const rows: Array<{ granted: string }> = await ledgerQuery(this.db, GRANT_SQL, [
        slice.leaseId,
        this.opts.share,
        String(Math.floor(unit * Math.max(this.opts.maxRequests, Math.ceil(slice.rate / 4)))),
        String(Math.ceil(unit * this.opts.minRequests)),
        expiresAt,
      ]);
      if (!rows.length) {
        // The lease was reaped (this process stalled past its expiry) or its budget is gone: a new one.
        slice.leaseId = null;
        slice.free = 0;
        continue;
      }
      slice.renewedAt = Date.now();
      const granted = Number(rows[0]!.granted);
      if (granted > 0) {
        slice.free += granted;
        return;
      }
      // The caller reserves an exact hold next: this slice's unused room must be back by then.
      await this.enterEdge(slice).catch(() => undefined);
      return;
    }
  }

  /** The last stretch: exact holds for a while, and the unused slice goes back at once. */
  private enterEdge(slice: Slice): Promise<void> {
    slice.edgeUntil = Date.now() + this.opts.edgeMs;
    return this.giveBack(slice);
  }

  /**
   * Gives the slice's unused room back; resolves once the ledger has it, including room already on
   * its way in the write in flight (settled below its worst case in the last stretch), so an exact
   * hold reserved next is never refused for room this very process holds.
   */
  private giveBack(slice: Slice): Promise<void> {
    if (slice.free === 0 && slice.pendingReturn === 0 && !this.writing) return Promise.resolve();
    slice.pendingReturn += slice.free;
    slice.free = 0;
    return this.write();
  }

  /**
   * Writes what every slice owes the ledger (settled cost, room given back) and renews the leases,
   * in one statement; a call while a write is in flight joins the next one (group commit).
   */
  private write(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.schedule();
    });
  }

  /** A write within `writeDelayMs` (one timer for every settle until then). */
  private scheduleDelayed(): void {
    if (this.delayed) return;
    // Stopping (its last writes are awaited) or no delay asked for: at once.
    if (this.stopped || this.opts.writeDelayMs <= 0) return this.schedule();
    this.delayed = setTimeout(() => {
      this.delayed = undefined;
      this.schedule();
    }, this.opts.writeDelayMs);
    this.delayed.unref();
  }

  private clearDelayed(): void {
    if (this.delayed) clearTimeout(this.delayed);
    this.delayed = undefined;
  }

  /** Starts a write, or asks the one in flight for another round. */
  private schedule(): void {
    // This write takes whatever a delayed one would have.
    this.clearDelayed();
    if (this.writing) {
      this.rerun = true;
      return;
    }
    this.writing = this.writeLoop();
  }

  private owes(): boolean {
    for (const s of this.slices.values()) if (s.pendingCharge > 0 || s.pendingReturn > 0) return true;
    return false;
  }

  private async writeLoop(): Promise<void> {
    try {
      do {
        this.rerun = false;
        const waiters = this.waiting;
        this.waiting = [];
        try {
          await this.writeOnce();
          for (const w of waiters) w.resolve();
        } catch (err) {
          // What was owed stays owed: the next write (a settle, or the timer) tries again.
          if (!waiters.length) this.logger?.warn({ err }, 'budget lease write failed; retrying with the next one');
          for (const w of [...waiters, ...this.waiting]) w.reject(err);
          this.waiting = [];
          break;
        }
      } while (this.rerun || this.waiting.length);
    } finally {
      this.writing = null;
    }
  }

  private async writeOnce(): Promise<void> {
    const force = this.renewAll;
    this.renewAll = false;
    const due = [...this.slices.values()].filter((s) => s.leaseId && (force || s.pendingCharge > 0 || s.pendingReturn > 0));
    if (!due.length) return;
    const batch = due.map((s) => ({ s, leaseId: s.leaseId!, charge: s.pendingCharge, give: s.pendingReturn }));
    for (const b of batch) {
      b.s.pendingCharge = 0;
      b.s.pendingReturn = 0;
    }
    const now = this.clock();
    let rows: Array<LeaseChargedRow & { lease_id: string; released: boolean; reserved_micros: string; leased_micros: string; charge: string }>;
    try {
      rows = await ledgerQuery(this.db, SETTLE_SQL, [
        batch.map((b) => b.leaseId),
        batch.map((b) => String(b.charge)),
        batch.map((b) => String(b.give)),
        new Date(now.getTime() + this.opts.ttlMs).toISOString(),
      ]);
    } catch (err) {
      // Nothing was written: what was owed is owed again at the next write.
      for (const b of batch) {
        b.s.pendingCharge += b.charge;
        b.s.pendingReturn += b.give;
      }
      throw err;
    }
    const byLease = new Map(rows.map((r) => [r.lease_id, r]));
    const renewed = Date.now();
    for (const b of batch) {
      const r = byLease.get(b.leaseId);
      if (!r || r.released) {
        // Reaped while this process stalled (its room already went back) or its budget was deleted.
        b.s.leaseId = null;
        b.s.free = 0;
        continue;
      }
      b.s.renewedAt = renewed;
      const room = Number(r.limit_micros) - Number(r.spent_micros) - Number(r.reserved_micros) - Number(r.leased_micros);
      if (b.s.unit > 0 && Math.floor(room * this.opts.share) < b.s.unit * this.opts.minRequests) void this.enterEdge(b.s).catch(() => undefined);
    }
    const charged = rows.filter((r) => Number(r.charge) > 0);
    if (charged.length) await this.onCharged(charged, now).catch((err) => this.logger?.error({ err }, 'budget threshold check failed'));
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.min(this.opts.idleMs, this.opts.ttlMs / 3) / 2));
    this.timer.unref();
  }

  /** Gives idle slices' room back, forgets empty ones, renews leases still backing requests in flight. */
  private tick(): void {
    const now = Date.now();
    let owe = false;
    let renew = false;
    for (const s of this.slices.values()) {
      if (now - s.lastUsed >= this.opts.idleMs && s.free > 0) {
        s.pendingReturn += s.free;
        s.free = 0;
        owe = true;
      }
      if (s.pendingCharge > 0 || s.pendingReturn > 0) owe = true;
      if (s.leaseId && s.inflight > 0 && now - s.renewedAt >= this.opts.ttlMs / 3) renew = true;
      if (s.idle && !s.granting && now - s.lastUsed >= this.opts.idleMs) this.slices.delete(s.key);
    }
    if (renew) this.renewAll = true;
    if (renew || owe) this.schedule();
    if (!this.slices.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * One grant, as one statement: lock the lease (it must still be held), then its period row; grant
 * min(floor(free × $2), $3) where free = limit - spent - reserved - leased, but only when that
 * reaches $4 (else 0: the last stretch); add it to the period's leased room and to the lease, and
 * renew the lease. Locks leases before period rows, as every other lease path does. No row: the
 * lease is gone (reaped or its budget deleted).
 * $1 lease id, $2 share, $3 max grant, $4 min grant, $5 new expiry.
 */
const GRANT_SQL = `
WITH l AS (
  SELECT id, budget_period_id FROM budget_leases WHERE id = $1::uuid AND released_at IS NULL FOR UPDATE
), p AS (
  SELECT bp.id,
         LEAST(floor(GREATEST(bp.limit_micros - bp.spent_micros - bp.reserved_micros - bp.leased_micros, 0) * $2::float8)::bigint, $3::bigint) AS offer
  FROM budget_periods bp WHERE bp.id = (SELECT budget_period_id FROM l)
  FOR NO KEY UPDATE
), g AS (
  SELECT id, CASE WHEN offer >= $4::bigint THEN offer ELSE 0 END AS amount FROM p
), up AS (
  UPDATE budget_periods bp SET leased_micros = bp.leased_micros + g.amount FROM g WHERE bp.id = g.id AND g.amount > 0 RETURNING bp.id
), ul AS (
  UPDATE budget_leases bl SET amount_micros = bl.amount_micros + g.amount, expires_at = $5::timestamptz FROM g, l WHERE bl.id = l.id RETURNING bl.id
)
SELECT g.amount AS granted FROM g`;

/**
 * A batch of lease writes, as one statement: lock the leases (by id), then their period rows (in
 * the global order); add each lease's settled cost to spent, and move min(lease amount, cost +
 * given back) out of the lease and the period's leased room; renew the leases. A reaped lease holds
 * nothing: its cost is still charged (the model ran), nothing is moved. Returns each lease with its
 * period after the write.
 * $1 lease ids, $2 costs, $3 room given back, $4 new expiry.
 */
const SETTLE_SQL = `
WITH d AS (
  SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS d(lease_id, charge, give_back)
), l AS (
  SELECT bl.id, bl.budget_period_id, bl.amount_micros, bl.released_at FROM budget_leases bl
  WHERE bl.id IN (SELECT lease_id FROM d) ORDER BY bl.id FOR UPDATE
), m AS (
  SELECT l.id, l.budget_period_id, l.released_at, d.charge, LEAST(l.amount_micros, d.charge + d.give_back) AS moved
  FROM l JOIN d ON d.lease_id = l.id
), pp AS (
  SELECT bp.id FROM budget_periods bp WHERE bp.id IN (SELECT budget_period_id FROM m)
  ORDER BY bp.budget_id, bp.period_start FOR NO KEY UPDATE
), agg AS (
  SELECT budget_period_id AS id, sum(charge) AS charge, sum(moved) AS moved FROM m GROUP BY budget_period_id
), ul AS (
  UPDATE budget_leases bl SET amount_micros = bl.amount_micros - m.moved,
         expires_at = CASE WHEN bl.released_at IS NULL THEN $4::timestamptz ELSE bl.expires_at END
  FROM m WHERE bl.id = m.id RETURNING bl.id
), charged AS (
  UPDATE budget_periods bp SET spent_micros = bp.spent_micros + agg.charge, leased_micros = bp.leased_micros - agg.moved
  FROM agg JOIN pp ON pp.id = agg.id WHERE bp.id = agg.id
  RETURNING bp.id, bp.budget_id, bp.period_start, bp.limit_micros, bp.spent_micros, bp.reserved_micros, bp.leased_micros
)
SELECT m.id AS lease_id, m.released_at IS NOT NULL AS released, m.charge, c.*
FROM m JOIN charged c ON c.id = m.budget_period_id`;

/**
 * Reaps expired leases (their holders stopped renewing them: crashed or stalled), skipping locked
 * ones: their room goes back to the period. Returns how many.
 */
export const REAP_LEASES_SQL = `
WITH l AS (
  SELECT id, budget_period_id, amount_micros FROM budget_leases
  WHERE released_at IS NULL AND expires_at <= $1::timestamptz ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED
), pp AS (
  SELECT bp.id FROM budget_periods bp WHERE bp.id IN (SELECT budget_period_id FROM l)
  ORDER BY bp.budget_id, bp.period_start FOR NO KEY UPDATE
), agg AS (
  SELECT budget_period_id AS id, sum(amount_micros) AS amount FROM l GROUP BY budget_period_id
), ul AS (
  UPDATE budget_leases bl SET amount_micros = 0, released_at = $1::timestamptz FROM l WHERE bl.id = l.id RETURNING bl.id
), up AS (
  UPDATE budget_periods bp SET leased_micros = bp.leased_micros - agg.amount FROM agg JOIN pp ON pp.id = agg.id WHERE bp.id = agg.id RETURNING bp.id
)
SELECT (SELECT count(*) FROM ul)::int AS n, (SELECT coalesce(sum(amount_micros), 0) FROM l)::text AS micros`;
