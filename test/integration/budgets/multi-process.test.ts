import { randomUUID } from 'node:crypto';
import { ALERTS_TOPIC, fromAlertPayload } from '../../../src/alerts';
import { periodStart } from '../../../src/budgets';
import { createPubSub } from '../../../src/graphql/pubsub';
import { ledgerRow, ledgerServices, makeBudget, openLedgerDb, testClock, type LedgerDb, type LedgerServices } from './ledger-db';

/** Reads the next value of an async iterator, or fails after `ms`. */
async function nextWithin<T>(it: AsyncIterator<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms)));
  try {
    const r = await Promise.race([it.next(), timeout]);
    if (r.done) throw new Error('iterator ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

if (process.env.DATABASE_URL) {
  describe('budget ledger across server processes on one PostgreSQL', () => {
    let db: LedgerDb;
    let a: LedgerServices;
    let b: LedgerServices;
    const clock = testClock('2026-11-25T12:00:00Z');
    const today = () => periodStart('DAILY', clock.now());

    beforeAll(async () => {
      db = await openLedgerDb();
      a = await ledgerServices(db.ds, db.url, { now: clock.now });
      b = await ledgerServices(await db.openAnother(), db.url, { now: clock.now });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      await db.close();
    });

    it('admits exactly N when two processes hammer one budget with room for N', async () => {
      const N = 20;
      const amount = 25_000;
      const budget = await makeBudget(a.budgets, { name: 'shared', limitUsd: (N * amount) / 1e6 });
      // Process B learns of the new budget through the change bus.
      const deadline = Date.now() + 5_000;
      let seen = false;
      while (!seen && Date.now() < deadline) {
        seen = (await b.budgets.coveringBudgets({ prompt: 'x', modelId: 'x', apiKey: null, user: 'shared' })).some((x) => x.id === budget.id);
        if (!seen) await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toBe(true);

      let sampling = true;
      const samples: Array<{ spent: number; reserved: number; limit: number }> = [];
      const sampler = (async () => {
        while (sampling) {
          const row = await ledgerRow(db.ds, budget.id, today());
          if (row) samples.push(row);
        }
      })();
      const hammer = (svc: LedgerServices) => Array.from({ length: 3 * N }, () => svc.budgets.reserve({ budgets: [budget], amountMicros: amount, requestId: randomUUID() }));
      const results = await Promise.all([...hammer(a), ...hammer(b)]);
      sampling = false;
      await sampler;
      expect(results.filter((r) => r.ok)).toHaveLength(N);
      expect(samples.length).toBeGreaterThan(0);
      for (const row of samples) expect(row.spent + row.reserved).toBeLessThanOrEqual(row.limit);
      expect(await ledgerRow(db.ds, budget.id, today())).toEqual({ spent: 0, reserved: N * amount, limit: N * amount });
    });

    it('never deadlocks when requests cover the same two budgets in opposite orders, with settles, releases and the reaper running', async () => {
      const x = await makeBudget(a.budgets, { name: 'pair-x', limitUsd: 1000 });
      const y = await makeBudget(a.budgets, { name: 'pair-y', limitUsd: 1000 });
      // Holds that are already expired, so the reaper has work while the requests run.
      for (let i = 0; i < 20; i++) {
        const r = await a.budgets.reserve({ budgets: [x, y], amountMicros: 1_000, requestId: randomUUID(), ttlMs: -1 });
        expect(r.ok).toBe(true);
      }
      let charged = 0;
      const one = async (i: number) => {
        const svc = i % 2 ? a : b;
        const order = i % 4 < 2 ? [x, y] : [y, x];
        const r = await svc.budgets.reserve({ budgets: order, amountMicros: 10_000, requestId: randomUUID() });
        if (!r.ok) throw new Error(r.message);
        if (i % 5 === 0) return svc.budgets.release(r.reservation);
        const actual = 1_000 + (i % 7) * 1_000;
        charged += actual;
        // Settle from the other process half the time: whoever finishes the stream settles.
        await (i % 3 ? svc : svc === a ? b : a).budgets.settle(r.reservation, actual);
      };
      const reaping = (async () => {
        let reaped = 0;
        for (let k = 0; k < 10; k++) reaped += (await a.budgets.reapExpired()) + (await b.budgets.reapExpired());
        return reaped;
      })();
      const outcomes = await Promise.allSettled([...Array.from({ length: 200 }, (_, i) => one(i)), reaping]);
      const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      expect((outcomes.at(-1) as PromiseFulfilledResult<number>).value).toBe(40); // 20 reservations × 2 budgets
      for (const budget of [x, y]) expect(await ledgerRow(db.ds, budget.id, today())).toEqual({ spent: charged, reserved: 0, limit: 1_000_000_000 });
    });

    it('delivers a threshold crossed on one process to an alerts subscriber on the other', async () => {
      const budget = await makeBudget(a.budgets, { name: 'cross-alert', limitUsd: 1, alertThresholds: [0.8] });
      const it = b.pubSub.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
      const r = await a.budgets.reserve({ budgets: [budget], amountMicros: 900_000, requestId: randomUUID() });
      if (!r.ok) throw new Error(r.message);
      await a.budgets.settle(r.reservation, 850_000);
      const event = fromAlertPayload(await nextWithin(it, 5_000));
      expect(event.rule.name).toBe('budget:cross-alert');
      expect(event.baseline).toBe(0.8);
      expect(event.value).toBeCloseTo(0.85);
      expect(event.firedAt).toBeInstanceOf(Date);
      await it.return!();
    });
  });
} else {
  describe('budget ledger across processes (PostgreSQL only; this run is on PGlite)', () => {
    it('keeps PubSub in-process on PGlite: a second PubSub without a database URL does not see the first one’s events', async () => {
      const one = await createPubSub({ relayTopics: [ALERTS_TOPIC] });
      const two = await createPubSub({ relayTopics: [ALERTS_TOPIC] });
      const mine = one.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
      const other = two.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
      one.publish(ALERTS_TOPIC, { n: 1 });
      expect(await nextWithin(mine, 1_000)).toEqual({ n: 1 });
      await expect(nextWithin(other, 100)).rejects.toThrow('nothing within 100 ms');
      await one.close();
      await two.close();
    });
  });
}
