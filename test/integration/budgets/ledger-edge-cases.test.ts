import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createPubSub } from '../../../src/graphql/pubsub';
import { ALERTS_TOPIC } from '../../../src/alerts';
import { periodOf, periodStart } from '../../../src/budgets';
import { ledgerRow, ledgerServices, makeBudget, openLedgerDb, testClock, type LedgerDb, type LedgerServices } from './ledger-db';

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

describe(`budget ledger edge cases on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, () => {
  let db: LedgerDb;
  let s: LedgerServices;
  const clock = testClock('2026-11-25T12:00:00Z');
  const today = () => periodStart('DAILY', clock.now());
  const req = () => ({ requestId: randomUUID() });

  beforeAll(async () => {
    db = await openLedgerDb();
    s = await ledgerServices(db.ds, db.url, { now: clock.now });
  });
  afterAll(async () => {
    await s.close();
    await db.close();
  });
  beforeEach(() => clock.set('2026-11-25T12:00:00Z'));

  /** Every event published on the alerts topic while `fn` runs. */
  async function alertsDuring(fn: () => Promise<void>): Promise<Array<Record<string, any>>> {
    const received: Array<Record<string, any>> = [];
    const iter = s.pubSub.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
    const reading = (async () => {
      for (;;) {
        const n = await iter.next();
        if (n.done) return;
        received.push(n.value as Record<string, any>);
      }
    })();
    await fn();
    await new Promise((r) => setTimeout(r, 100));
    await iter.return?.();
    await reading;
    return received;
  }

  const charge = async (b: Awaited<ReturnType<typeof makeBudget>>, micros: number) => {
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: micros, ...req() });
    if (!r.ok) throw new Error(r.message);
    await s.budgets.settle(r.reservation, micros);
  };

  describe('period boundaries (pure)', () => {
    it('WEEKLY: Sunday 23:59:59.999 UTC belongs to the week starting the Monday before; Monday 00:00 starts a new one', () => {
      expect(iso(periodOf('WEEKLY', new Date('2026-11-29T23:59:59.999Z')).start)).toBe('2026-11-23T00:00:00.000Z');
      expect(iso(periodOf('WEEKLY', new Date('2026-11-29T23:59:59.999Z')).end)).toBe('2026-11-30T00:00:00.000Z');
      expect(iso(periodOf('WEEKLY', new Date('2026-11-30T00:00:00.000Z')).start)).toBe('2026-11-30T00:00:00.000Z');
      // A week that spans a month and a year boundary.
      expect(iso(periodOf('WEEKLY', new Date('2027-01-01T10:00:00Z')).start)).toBe('2026-12-28T00:00:00.000Z');
      expect(iso(periodOf('WEEKLY', new Date('2027-01-01T10:00:00Z')).end)).toBe('2027-01-04T00:00:00.000Z');
    });

    it('MONTHLY: Jan 31 ends at Feb 1, Feb 29 of a leap year ends at Mar 1, December rolls into next year', () => {
      expect(periodOf('MONTHLY', new Date('2027-01-31T23:59:59.999Z'))).toEqual({ start: new Date('2027-01-01T00:00:00Z'), end: new Date('2027-02-01T00:00:00Z') });
      expect(periodOf('MONTHLY', new Date('2028-02-29T12:00:00Z'))).toEqual({ start: new Date('2028-02-01T00:00:00Z'), end: new Date('2028-03-01T00:00:00Z') });
      expect(periodOf('MONTHLY', new Date('2027-02-28T23:00:00Z')).end).toEqual(new Date('2027-03-01T00:00:00Z'));
      expect(periodOf('MONTHLY', new Date('2026-12-31T23:59:59.999Z')).end).toEqual(new Date('2027-01-01T00:00:00Z'));
      expect(periodOf('DAILY', new Date('2028-02-29T23:59:59.999Z')).end).toEqual(new Date('2028-03-01T00:00:00Z'));
      expect(periodOf('TOTAL', new Date('2028-02-29T23:59:59.999Z'))).toEqual({ start: new Date(0), end: null });
    });
  });

  it('charges a WEEKLY budget on Sunday 23:59 UTC and on Monday 00:00 UTC into two weeks, history newest first with period ends', async () => {
    const b = await makeBudget(s.budgets, { name: 'wk-edge', period: 'WEEKLY', limitUsd: 1 });
    clock.set('2026-11-29T23:59:59.500Z');
    await charge(b, 900_000);
    // The week is full; Monday gives a fresh limit.
    expect((await s.budgets.reserve({ budgets: [b], amountMicros: 200_000, ...req() })).ok).toBe(false);
    clock.set('2026-11-30T00:00:00.000Z');
    await charge(b, 200_000);
    const h = await s.budgets.history(b.id);
    expect(h.map((r) => [iso(r.periodStart), iso(r.periodEnd), r.spentUsd, r.reservedUsd, r.limitUsd])).toEqual([
      ['2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z', 0.2, 0, 1],
      ['2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z', 0.9, 0, 1],
    ]);
  });

  it('charges a MONTHLY budget on Feb 29 23:59 of a leap year and on Mar 1 00:00 into two months', async () => {
    const b = await makeBudget(s.budgets, { name: 'leap', period: 'MONTHLY', limitUsd: 1 });
    clock.set('2028-02-29T23:59:59.999Z');
    await charge(b, 300_000);
    clock.set('2028-03-01T00:00:00.000Z');
    await charge(b, 400_000);
    const h = await s.budgets.history(b.id);
    expect(h.map((r) => [iso(r.periodStart), iso(r.periodEnd), r.spentUsd])).toEqual([
      ['2028-03-01T00:00:00.000Z', '2028-04-01T00:00:00.000Z', 0.4],
      ['2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z', 0.3],
    ]);
  });

  it('fires both thresholds, once each and in ascending order, when one settle jumps over two of them', async () => {
    const b = await makeBudget(s.budgets, { name: 'jump', limitUsd: 1, alertThresholds: [0.8, 0.5, 1] });
    const events = await alertsDuring(async () => {
      await charge(b, 100_000); // 10%
      await charge(b, 800_000); // 90%: crosses 0.5 and 0.8 at once
      await charge(b, 50_000); // 95%: nothing new
    });
    const mine = events.filter((e) => e.rule?.name === 'budget:jump');
    expect(mine.map((e) => e.baseline)).toEqual([0.5, 0.8]);
    expect(mine.every((e) => e.value === 0.9)).toBe(true);
    const rows = await db.ds.query(`SELECT c.threshold FROM budget_threshold_crossings c JOIN budget_periods p ON p.id = c.budget_period_id WHERE p.budget_id = $1 ORDER BY c.threshold`, [b.id]);
    expect(rows.map((r: { threshold: number }) => Number(r.threshold))).toEqual([0.5, 0.8]);
  });

  it('fires the thresholds again in the next period (once per period, not once ever)', async () => {
    const b = await makeBudget(s.budgets, { name: 'again', limitUsd: 1, alertThresholds: [0.5] });
    const events = await alertsDuring(async () => {
      await charge(b, 600_000);
      clock.set('2026-11-26T08:00:00Z');
      await charge(b, 600_000);
    });
    const mine = events.filter((e) => e.rule?.name === 'budget:again');
    expect(mine.map((e) => e.baseline)).toEqual([0.5, 0.5]);
    expect(new Set(mine.map((e) => e.id)).size).toBe(2);
  });

  it('fires a threshold reached exactly (7% of $10 is $0.70, where the float product 0.07 * 10000000 is 700000.0000000001)', async () => {
    const b = await makeBudget(s.budgets, { name: 'exact-threshold', limitUsd: 10, alertThresholds: [0.07] });
    const events = await alertsDuring(() => charge(b, 700_000));
    expect((await ledgerRow(db.ds, b.id, today()))!.spent).toBe(700_000);
    expect(events.filter((e) => e.rule?.name === 'budget:exact-threshold').map((e) => e.baseline)).toEqual([0.07]);
  });

  it('fires a threshold reached exactly (56% of $3 is $1.68)', async () => {
    const b = await makeBudget(s.budgets, { name: 'exact-threshold-2', limitUsd: 3, alertThresholds: [0.56] });
    const events = await alertsDuring(() => charge(b, 1_680_000));
    expect(events.filter((e) => e.rule?.name === 'budget:exact-threshold-2').map((e) => e.baseline)).toEqual([0.56]);
  });

  it('keeps an open hold through a limit update: the hold stays reserved, a lower limit refuses new requests, the settle still charges', async () => {
    const b = await makeBudget(s.budgets, { name: 'shrink-open', limitUsd: 1 });
    const open = await s.budgets.reserve({ budgets: [b], amountMicros: 600_000, ...req() });
    if (!open.ok) throw new Error(open.message);
    await s.budgets.update(b.id, { name: 'shrink-open', scope: 'USER', scopeValue: 'shrink-open', period: 'DAILY', limitUsd: 0.5 }, 'test');
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 0, reserved: 600_000, limit: 500_000 });
    const refused = await s.budgets.reserve({ budgets: [b], amountMicros: 1, ...req() });
    expect(refused).toMatchObject({ ok: false, remainingMicros: 0 });
    await s.budgets.settle(open.reservation, 400_000);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 400_000, reserved: 0, limit: 500_000 });
    expect((await s.budgets.reserve({ budgets: [b], amountMicros: 100_000, ...req() })).ok).toBe(true);
  });

  it('charges the budget a hold was taken on even after its scope moved to another user', async () => {
    const b = await makeBudget(s.budgets, { name: 'rescoped', limitUsd: 1 });
    const open = await s.budgets.reserve({ budgets: [b], amountMicros: 300_000, ...req() });
    if (!open.ok) throw new Error(open.message);
    await s.budgets.update(b.id, { name: 'rescoped', scope: 'USER', scopeValue: 'someone-else', period: 'DAILY', limitUsd: 1 }, 'test');
    expect((await s.budgets.coveringBudgets({ prompt: 'p', modelId: 'm', apiKey: null, user: 'rescoped' })).map((x) => x.name)).not.toContain('rescoped');
    expect((await s.budgets.coveringBudgets({ prompt: 'p', modelId: 'm', apiKey: null, user: 'someone-else' })).map((x) => x.name)).toContain('rescoped');
    await s.budgets.settle(open.reservation, 250_000);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 250_000, reserved: 0, limit: 1_000_000 });
  });

  it("switching DAILY to WEEKLY mid-week folds the week's daily rows into the week (all of its spend, once)", async () => {
    const b = await makeBudget(s.budgets, { name: 'midweek', limitUsd: 1 });
    clock.set('2026-11-23T10:00:00Z'); // Monday
    await charge(b, 300_000);
    clock.set('2026-11-24T10:00:00Z'); // Tuesday
    await charge(b, 200_000);
    clock.set('2026-11-25T10:00:00Z'); // Wednesday
    await charge(b, 100_000);
    await s.budgets.update(b.id, { name: 'midweek', scope: 'USER', scopeValue: 'midweek', period: 'WEEKLY', limitUsd: 1 }, 'test');
    const now = await s.budgets.get('midweek');
    // The week counts all of its spend, Monday's, Tuesday's and Wednesday's, once (not Monday's only).
    expect(now!.spentUsd).toBe(0.6);
    const h = await s.budgets.history(b.id);
    expect(h.map((r) => [iso(r.periodStart), iso(r.periodEnd), r.spentUsd])).toEqual([['2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z', 0.6]]);
  });

  it('settles a cost above the hold in full (not clamped) and then refuses until the next period', async () => {
    const b = await makeBudget(s.budgets, { name: 'over-hold', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: 500_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    await s.budgets.settle(r.reservation, 1_200_000);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 1_200_000, reserved: 0, limit: 1_000_000 });
    const refused = await s.budgets.reserve({ budgets: [b], amountMicros: 1, ...req() });
    expect(refused).toMatchObject({ ok: false, remainingMicros: 0 });
    if (!refused.ok) expect(refused.message).toContain('$0.00 left of $1.00');
    expect((await s.budgets.get('over-hold'))!.spentUsd).toBe(1.2);
  });

  it('handles amounts at the edges: 0 and the full limit are admitted, one micro over is refused, a hold of the max limit is exact', async () => {
    const b = await makeBudget(s.budgets, { name: 'edges', limitUsd: 1 });
    const zero = await s.budgets.reserve({ budgets: [b], amountMicros: 0, ...req() });
    expect(zero.ok).toBe(true);
    if (zero.ok) await s.budgets.settle(zero.reservation, 0);
    expect((await s.budgets.reserve({ budgets: [b], amountMicros: 1_000_001, ...req() })).ok).toBe(false);
    const full = await s.budgets.reserve({ budgets: [b], amountMicros: 1_000_000, ...req() });
    if (!full.ok) throw new Error(full.message);
    await s.budgets.settle(full.reservation, 1_000_000);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 1_000_000, reserved: 0, limit: 1_000_000 });

    const huge = await makeBudget(s.budgets, { name: 'huge', limitUsd: 1_000_000_000 });
    const all = await s.budgets.reserve({ budgets: [huge], amountMicros: 1e15, ...req() });
    if (!all.ok) throw new Error(all.message);
    await s.budgets.settle(all.reservation, 999_999_999_999_999);
    expect(await ledgerRow(db.ds, huge.id, today())).toEqual({ spent: 999_999_999_999_999, reserved: 0, limit: 1e15 });
    expect((await s.budgets.get('huge'))!.spentUsd).toBe(999_999_999.999999);
    await expect(s.budgets.reserve({ budgets: [huge], amountMicros: Number.MAX_SAFE_INTEGER + 1, ...req() })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(s.budgets.settle(all.reservation, -1)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(s.budgets.settle(all.reservation, Number.NaN)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('a release after the reaper expired a hold is a no-op; a settle after expiry charges once and never un-reserves twice', async () => {
    const b = await makeBudget(s.budgets, { name: 'late', limitUsd: 1 });
    const a = await s.budgets.reserve({ budgets: [b], amountMicros: 400_000, ttlMs: 1_000, ...req() });
    const c = await s.budgets.reserve({ budgets: [b], amountMicros: 400_000, ttlMs: 1_000, ...req() });
    if (!a.ok || !c.ok) throw new Error('not admitted');
    clock.advance(2_000);
    expect(await s.budgets.reapExpired()).toBe(2);
    await s.budgets.release(a.reservation);
    await Promise.all([s.budgets.settle(c.reservation, 300_000), s.budgets.settle(c.reservation, 300_000)]);
    await s.budgets.release(c.reservation);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 300_000, reserved: 0, limit: 1_000_000 });
  });

  it('deleting a budget with open holds drops its ledger; settling and releasing them later is a no-op, other budgets of the same reservation are still charged', async () => {
    const keep = await makeBudget(s.budgets, { name: 'keep', limitUsd: 1 });
    const drop = await makeBudget(s.budgets, { name: 'drop', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [keep, drop], amountMicros: 100_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    await s.budgets.delete(drop.id, 'test');
    await s.budgets.settle(r.reservation, 70_000);
    expect(await ledgerRow(db.ds, keep.id, today())).toEqual({ spent: 70_000, reserved: 0, limit: 1_000_000 });
    expect(await ledgerRow(db.ds, drop.id, today())).toBeNull();
    await expect(s.budgets.history(drop.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

if (process.env.DATABASE_URL) {
  describe('alerts relay across processes when the LISTEN connection drops (PostgreSQL)', () => {
    let db: LedgerDb;
    let admin: Client;
    let dbName: string;

    beforeAll(async () => {
      db = await openLedgerDb();
      dbName = new URL(db.url!).pathname.slice(1);
      admin = new Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
    });
    afterAll(async () => {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await db.close();
    });

    async function nextWithin(it: AsyncIterator<unknown>, ms: number): Promise<unknown> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms)));
      try {
        const r = await Promise.race([it.next(), timeout]);
        return r.value;
      } finally {
        clearTimeout(timer);
      }
    }

    it('keeps relaying after the database was unreachable for longer than one reconnect attempt (retries with backoff)', async () => {
      const one = await createPubSub({ databaseUrl: db.url, relayTopics: [ALERTS_TOPIC] });
      const two = await createPubSub({ databaseUrl: db.url, relayTopics: [ALERTS_TOPIC] });
      const it = two.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
      try {
        one.publish(ALERTS_TOPIC, { n: 0 });
        expect(await nextWithin(it, 3_000)).toEqual({ n: 0 });
        // The database refuses connections for ~2 s and the LISTEN connections are cut.
        await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'`, [dbName]);
        await new Promise((r) => setTimeout(r, 2_000));
        await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
        await new Promise((r) => setTimeout(r, 3_000));
        one.publish(ALERTS_TOPIC, { n: 1 });
        expect(await nextWithin(it, 3_000)).toEqual({ n: 1 });
      } finally {
        await it.return?.();
        await one.close();
        await two.close();
      }
    }, 20_000);

    it('keeps relaying after the LISTEN connection was cut while the database stays reachable', async () => {
      const one = await createPubSub({ databaseUrl: db.url, relayTopics: [ALERTS_TOPIC] });
      const two = await createPubSub({ databaseUrl: db.url, relayTopics: [ALERTS_TOPIC] });
      const it = two.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
      try {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'`, [dbName]);
        await new Promise((r) => setTimeout(r, 2_000));
        one.publish(ALERTS_TOPIC, { n: 2 });
        expect(await nextWithin(it, 3_000)).toEqual({ n: 2 });
      } finally {
        await it.return?.();
        await one.close();
        await two.close();
      }
    }, 20_000);
  });
}
