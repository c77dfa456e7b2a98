import { randomUUID } from 'node:crypto';
import { ALERTS_TOPIC, fromAlertPayload } from '../../../src/alerts';
import { periodStart, type Reservation } from '../../../src/budgets';
import { ledgerRow, ledgerServices, makeBudget, openLedgerDb, testClock, type LedgerDb, type LedgerServices } from './ledger-db';

const USD = 1_000_000;

describe(`budget ledger on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, () => {
  let db: LedgerDb;
  let s: LedgerServices;
  const clock = testClock('2026-11-25T12:00:00Z');
  const today = () => periodStart('DAILY', clock.now());

  beforeAll(async () => {
    db = await openLedgerDb();
    s = await ledgerServices(db.ds, db.url, { now: clock.now });
  });
  afterAll(async () => {
    await s.close();
    await db.close();
  });
  beforeEach(() => clock.set('2026-11-25T12:00:00Z'));

  const req = () => ({ requestId: randomUUID() });

  it('admits exactly N of 5N concurrent reservations on a budget with room for N, never going over the limit', async () => {
    const N = 10;
    const amount = 70_000;
    const b = await makeBudget(s.budgets, { name: 'hot', limitUsd: (N * amount) / USD });
    let sampling = true;
    const samples: Array<{ spent: number; reserved: number; limit: number }> = [];
    const sampler = (async () => {
      while (sampling) {
        const row = await ledgerRow(db.ds, b.id, today());
        if (row) samples.push(row);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    // Staggered a little so that, on PGlite's single connection too, the sampler reads between them.
    const results = await Promise.all(
      Array.from({ length: 5 * N }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 10));
        const r = await s.budgets.reserve({ budgets: [b], amountMicros: amount, ...req() });
        // Snapshots taken mid-race too: on a loaded machine the sampler alone may read only before the
        // period row exists and after the race is over.
        if (i % 5 === 0) {
          const row = await ledgerRow(db.ds, b.id, today());
          if (row) samples.push(row);
        }
        return r;
      }),
    );
    sampling = false;
    await sampler;
    const admitted = results.filter((r) => r.ok);
    expect(admitted).toHaveLength(N);
    expect(samples.length).toBeGreaterThan(0);
    for (const row of samples) expect(row.spent + row.reserved).toBeLessThanOrEqual(row.limit);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 0, reserved: N * amount, limit: N * amount });
    const holds = await db.ds.query(`SELECT count(*)::int AS n FROM budget_holds h JOIN budget_periods p ON p.id = h.budget_period_id WHERE p.budget_id = $1`, [b.id]);
    expect(holds[0].n).toBe(N);

    // Settled at their full worst case, the budget is exactly used up and the refusal says so.
    await Promise.all(admitted.map((r) => r.ok && s.budgets.settle(r.reservation, amount)));
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: N * amount, reserved: 0, limit: N * amount });
    const refused = await s.budgets.reserve({ budgets: [b], amountMicros: 1, ...req() });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.budget.id).toBe(b.id);
    expect(refused.remainingMicros).toBe(0);
    expect(refused.message).toContain('"hot"');
    expect(refused.message).toContain('$0.00 left of $0.70');
  });

  it('reserves all or nothing across two budgets, naming the one without room', async () => {
    const roomy = await makeBudget(s.budgets, { name: 'roomy', scope: 'GLOBAL', scopeValue: null, limitUsd: 10 });
    const tight = await makeBudget(s.budgets, { name: 'tight', scope: 'USER', scopeValue: 'ann', limitUsd: 0.5 });
    const covering = await s.budgets.coveringBudgets({ prompt: 'p', modelId: 'm', apiKey: 'k', user: 'ann' });
    expect(covering.map((b) => b.name)).toEqual(expect.arrayContaining(['roomy', 'tight']));
    const r = await s.budgets.reserve({ budgets: [roomy, tight], amountMicros: 600_000, ...req() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.budget.name).toBe('tight');
    expect(r.remainingMicros).toBe(500_000);
    expect(r.message).toMatch(/budget "tight" \(DAILY\) exceeded: \$0.50 left of \$0.50; this request may cost up to \$0.60/);
    expect((await ledgerRow(db.ds, roomy.id, today()))!.reserved).toBe(0);
    expect((await ledgerRow(db.ds, tight.id, today()))!.reserved).toBe(0);
    const fits = await s.budgets.reserve({ budgets: [tight, roomy], amountMicros: 400_000, ...req() });
    expect(fits.ok).toBe(true);
    if (!fits.ok) return;
    expect(fits.reservation.holds.map((h) => h.budgetName).sort()).toEqual(['roomy', 'tight']);
    expect((await ledgerRow(db.ds, roomy.id, today()))!.reserved).toBe(400_000);
    expect((await ledgerRow(db.ds, tight.id, today()))!.reserved).toBe(400_000);
    await s.budgets.release(fits.reservation);
    await s.budgets.delete(roomy.id, 'test');
  });

  it('finds covering budgets by scope from the cache', async () => {
    await makeBudget(s.budgets, { name: 'p-scope', scope: 'PROMPT', scopeValue: 'support-bot', limitUsd: 1 });
    await makeBudget(s.budgets, { name: 'm-scope', scope: 'MODEL', scopeValue: 'amazon.nova-lite-v1:0', limitUsd: 1 });
    await makeBudget(s.budgets, { name: 'k-scope', scope: 'API_KEY', scopeValue: 'web-app', limitUsd: 1 });
    const names = async (r: { prompt: string; modelId: string; apiKey: string | null; user: string | null }) =>
      (await s.budgets.coveringBudgets(r)).map((b) => b.name).filter((n) => n.endsWith('-scope'));
    expect(await names({ prompt: 'support-bot', modelId: 'x', apiKey: null, user: null })).toEqual(['p-scope']);
    expect(await names({ prompt: 'other', modelId: 'amazon.nova-lite-v1:0', apiKey: 'web-app', user: null }).then((n) => n.sort())).toEqual(['k-scope', 'm-scope']);
    expect(await names({ prompt: 'other', modelId: 'x', apiKey: null, user: null })).toEqual([]);
  });

  it('settles to the real cost once (idempotent, also when two settles race) and charges more than the hold if the real cost says so', async () => {
    const b = await makeBudget(s.budgets, { name: 'settle', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: 100_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    await Promise.all([s.budgets.settle(r.reservation, 42_000), s.budgets.settle(r.reservation, 42_000)]);
    await s.budgets.settle(r.reservation, 42_000);
    await s.budgets.release(r.reservation);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 42_000, reserved: 0, limit: 1_000_000 });

    const over = await s.budgets.reserve({ budgets: [b], amountMicros: 10_000, ...req() });
    if (!over.ok) throw new Error(over.message);
    await s.budgets.settle(over.reservation, 15_000);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 57_000, reserved: 0, limit: 1_000_000 });
    const hold = await db.ds.query('SELECT outcome, actual_micros, settled_at FROM budget_holds WHERE id = $1', [over.reservation.holds[0]!.holdId]);
    expect(hold[0]).toMatchObject({ outcome: 'SETTLED', actual_micros: '15000' });
    expect(new Date(hold[0].settled_at)).toEqual(clock.now());
  });

  it('releases a hold without charging, once', async () => {
    const b = await makeBudget(s.budgets, { name: 'release', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: 300_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    expect((await ledgerRow(db.ds, b.id, today()))!.reserved).toBe(300_000);
    await s.budgets.release(r.reservation);
    await s.budgets.release(r.reservation);
    await s.budgets.settle(r.reservation, 300_000);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 0, reserved: 0, limit: 1_000_000 });
  });

  it('reaps expired holds (a crashed process) and still charges a late settle once', async () => {
    const b = await makeBudget(s.budgets, { name: 'reap', limitUsd: 1 });
    const crashed = await s.budgets.reserve({ budgets: [b], amountMicros: 200_000, ttlMs: 60_000, ...req() });
    const slow = await s.budgets.reserve({ budgets: [b], amountMicros: 300_000, ttlMs: 60_000, ...req() });
    const live = await s.budgets.reserve({ budgets: [b], amountMicros: 100_000, ttlMs: 600_000, ...req() });
    if (!crashed.ok || !slow.ok || !live.ok) throw new Error('not admitted');
    expect(await s.budgets.reapExpired()).toBe(0);
    clock.advance(61_000);
    expect(await s.budgets.reapExpired()).toBe(2);
    expect(await s.budgets.reapExpired()).toBe(0);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 0, reserved: 100_000, limit: 1_000_000 });
    // The slow stream finishes after its hold was reaped: the model ran, so it is charged, once.
    await s.budgets.settle(slow.reservation, 250_000);
    await s.budgets.settle(slow.reservation, 250_000);
    await s.budgets.release(crashed.reservation);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 250_000, reserved: 100_000, limit: 1_000_000 });
    await s.budgets.settle(live.reservation, 100_000);
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 350_000, reserved: 0, limit: 1_000_000 });
  });

  it('runs the reaper on a timer', async () => {
    const b = await makeBudget(s.budgets, { name: 'reap-timer', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: 200_000, ttlMs: 1_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    clock.advance(5_000);
    s.budgets.startReaper(20);
    const deadline = Date.now() + 10_000;
    while ((await ledgerRow(db.ds, b.id, today()))!.reserved !== 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    await s.budgets.stopReaper();
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 0, reserved: 0, limit: 1_000_000 });
  });

  it('rolls DAILY periods over at midnight UTC: spend stays in the period it was reserved in, history keeps both days', async () => {
    const b = await makeBudget(s.budgets, { name: 'rollover', limitUsd: 1 });
    clock.set('2026-11-25T23:59:30Z');
    const day1 = today();
    const straddling = await s.budgets.reserve({ budgets: [b], amountMicros: 900_000, ...req() });
    if (!straddling.ok) throw new Error(straddling.message);
    const day1Other = await s.budgets.reserve({ budgets: [b], amountMicros: 200_000, ...req() });
    expect(day1Other.ok).toBe(false);

    clock.set('2026-11-26T00:00:10Z');
    const day2 = today();
    expect(day2.toISOString()).toBe('2026-11-26T00:00:00.000Z');
    // The new day has the full limit even while yesterday's hold is still open.
    const fresh = await s.budgets.reserve({ budgets: [b], amountMicros: 1_000_000, ...req() });
    if (!fresh.ok) throw new Error(fresh.message);
    await s.budgets.settle(straddling.reservation, 800_000);
    await s.budgets.settle(fresh.reservation, 300_000);

    expect(await ledgerRow(db.ds, b.id, day1)).toEqual({ spent: 800_000, reserved: 0, limit: 1_000_000 });
    expect(await ledgerRow(db.ds, b.id, day2)).toEqual({ spent: 300_000, reserved: 0, limit: 1_000_000 });
    const history = await s.budgets.history(b.id);
    expect(history.map((h) => [h.periodStart.toISOString(), h.periodEnd?.toISOString(), h.spentUsd, h.reservedUsd, h.limitUsd])).toEqual([
      ['2026-11-26T00:00:00.000Z', '2026-11-27T00:00:00.000Z', 0.3, 0, 1],
      ['2026-11-25T00:00:00.000Z', '2026-11-26T00:00:00.000Z', 0.8, 0, 1],
    ]);
    const current = await s.budgets.get('rollover');
    expect(current).toMatchObject({ spentUsd: 0.3, reservedUsd: 0, limitUsd: 1 });
    expect(current!.periodStart.toISOString()).toBe('2026-11-26T00:00:00.000Z');
  });

  it('rolls WEEKLY on Monday and MONTHLY on the 1st; TOTAL never', async () => {
    const weekly = await makeBudget(s.budgets, { name: 'weekly', period: 'WEEKLY', limitUsd: 1 });
    const monthly = await makeBudget(s.budgets, { name: 'monthly', period: 'MONTHLY', limitUsd: 1 });
    const total = await makeBudget(s.budgets, { name: 'total', period: 'TOTAL', limitUsd: 1 });
    const spend = async (iso: string) => {
      clock.set(iso);
      const r = await s.budgets.reserve({ budgets: [weekly, monthly, total], amountMicros: 100_000, ...req() });
      if (!r.ok) throw new Error(r.message);
      await s.budgets.settle(r.reservation, 100_000);
    };
    await spend('2026-11-29T23:00:00Z'); // Sunday, November
    await spend('2026-11-30T01:00:00Z'); // Monday, still November
    await spend('2026-12-01T00:00:00Z'); // Tuesday, December
    const rows = async (id: string) => (await s.budgets.history(id)).map((h) => [h.periodStart.toISOString(), h.spentUsd]);
    expect(await rows(weekly.id)).toEqual([
      ['2026-11-30T00:00:00.000Z', 0.2],
      ['2026-11-23T00:00:00.000Z', 0.1],
    ]);
    expect(await rows(monthly.id)).toEqual([
      ['2026-12-01T00:00:00.000Z', 0.1],
      ['2026-11-01T00:00:00.000Z', 0.2],
    ]);
    expect(await rows(total.id)).toEqual([['1970-01-01T00:00:00.000Z', 0.3]]);
  });

  it('fires each alert threshold once per period, records it on the budget rule, and delivers it to subscribers', async () => {
    const b = await makeBudget(s.budgets, { name: 'alerting', limitUsd: 1, alertThresholds: [0.9, 0.5] });
    expect(b.alertThresholds).toEqual([0.5, 0.9]);
    const received: unknown[] = [];
    const it = s.pubSub.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
    const reading = (async () => {
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        received.push(n.value);
      }
    })();
    const charge = async (micros: number) => {
      const r = await s.budgets.reserve({ budgets: [b], amountMicros: micros, ...req() });
      if (!r.ok) throw new Error(r.message);
      await s.budgets.settle(r.reservation, micros);
    };
    await charge(400_000); // 40%: nothing
    await charge(150_000); // 55%: crosses 0.5
    await charge(100_000); // 65%: nothing new
    await Promise.all([charge(150_000), charge(150_000)]); // 95%: crosses 0.9 once, though two settles race
    await new Promise((r) => setTimeout(r, 50));

    const events = (await s.alerts.listEvents(20)).filter((e) => e.rule.name === 'budget:alerting');
    expect(events.map((e) => e.baseline).sort()).toEqual([0.5, 0.9]);
    expect(events.every((e) => e.rule.metric === 'budget' && e.rule.enabled)).toBe(true);
    const at50 = events.find((e) => e.baseline === 0.5)!;
    expect(at50.value).toBeCloseTo(0.55);
    expect(at50.message).toContain('budget "alerting" crossed 50% of its DAILY limit: $0.55 of $1.00 spent');
    expect(received.map((p) => fromAlertPayload(p)).map((e) => [e.rule.name, e.baseline])).toEqual([
      ['budget:alerting', 0.5],
      ['budget:alerting', 0.9],
    ]);
    expect(fromAlertPayload(received[0]).firedAt).toBeInstanceOf(Date);

    // The next day is a new period: 0.5 fires again there, once.
    clock.set('2026-11-26T08:00:00Z');
    await charge(600_000);
    await charge(10_000);
    await new Promise((r) => setTimeout(r, 50));
    const after = (await s.alerts.listEvents(20)).filter((e) => e.rule.name === 'budget:alerting');
    expect(after).toHaveLength(3);
    expect(received).toHaveLength(3);
    const rules = (await s.alerts.listRules()).filter((r) => r.name === 'budget:alerting');
    expect(rules).toHaveLength(1);
    await it.return!();
    await reading;
  });

  it('records a crossing but publishes nothing when the budget rule is disabled', async () => {
    const b = await makeBudget(s.budgets, { name: 'muted', limitUsd: 1, alertThresholds: [0.5] });
    const rule = await db.ds.transaction((m) => s.alerts.ensureBudgetRule(m, 'muted'));
    await s.alerts.updateRule(rule.id, { name: rule.name, metric: 'budget', condition: { budget: 'muted' }, window: '1d', enabled: false }, 'test');
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: 600_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    await s.budgets.settle(r.reservation, 600_000);
    expect((await s.alerts.listEvents(50)).filter((e) => e.rule.name === 'budget:muted')).toHaveLength(0);
    const crossings = await db.ds.query('SELECT c.threshold FROM budget_threshold_crossings c JOIN budget_periods p ON p.id = c.budget_period_id WHERE p.budget_id = $1', [b.id]);
    expect(crossings).toEqual([{ threshold: 0.5 }]);
  });

  it('DOWNGRADE routes to the cheaper model when that fits; BLOCK refuses', async () => {
    const big = 'anthropic.claude-sonnet-4-20250514-v1:0';
    const small = 'amazon.nova-micro-v1:0';
    await makeBudget(s.budgets, { name: 'sonnet-cap', scope: 'MODEL', scopeValue: big, limitUsd: 0.1, onExceed: 'DOWNGRADE', downgradeModelId: small });
    await makeBudget(s.budgets, { name: 'micro-cap', scope: 'MODEL', scopeValue: small, limitUsd: 0.01 });
    const cost = (m: string) => (m === big ? 80_000 : 5_000);
    const base = { prompt: 'p', apiKey: null, user: null, modelId: big };
    const first = await s.budgets.admit({ ...base, requestId: randomUUID() }, cost);
    expect(first).toMatchObject({ ok: true, modelId: big, downgradedFrom: null });
    const second = await s.budgets.admit({ ...base, requestId: randomUUID() }, cost);
    expect(second).toMatchObject({ ok: true, modelId: small, downgradedFrom: big });
    if (second.ok) expect(second.downgradedBy!.name).toBe('sonnet-cap');
    const third = await s.budgets.admit({ ...base, requestId: randomUUID() }, cost);
    expect(third).toMatchObject({ ok: true, modelId: small });
    const fourth = await s.budgets.admit({ ...base, requestId: randomUUID() }, cost);
    expect(fourth.ok).toBe(false);
    if (fourth.ok) return;
    expect(fourth.budget.name).toBe('micro-cap');
    expect(fourth.message).toContain('budget "micro-cap"');
  });

  it('applies a new limit to the current period at once, on the ledger row every process checks', async () => {
    const b = await makeBudget(s.budgets, { name: 'resized', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: 600_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    await s.budgets.settle(r.reservation, 600_000);
    await s.budgets.update(b.id, { name: 'resized', scope: 'USER', scopeValue: 'resized', period: 'DAILY', limitUsd: 0.5 }, 'test');
    expect(await ledgerRow(db.ds, b.id, today())).toEqual({ spent: 600_000, reserved: 0, limit: 500_000 });
    // Even a caller holding the old BudgetData (a stale cache) is checked against the new limit.
    const refused = await s.budgets.reserve({ budgets: [b], amountMicros: 1, ...req() });
    expect(refused).toMatchObject({ ok: false, remainingMicros: 0 });
    if (!refused.ok) expect(refused.message).toContain('$0.00 left of $0.50');
    expect(await s.budgets.get('resized')).toMatchObject({ limitUsd: 0.5, spentUsd: 0.6 });
  });

  it("changing DAILY to WEEKLY on a Monday keeps that day's spend in the new week", async () => {
    clock.set('2026-11-23T09:00:00Z'); // a Monday
    const b = await makeBudget(s.budgets, { name: 'rekind', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [b], amountMicros: 100_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    await s.budgets.settle(r.reservation, 100_000);
    await s.budgets.update(b.id, { name: 'rekind', scope: 'USER', scopeValue: 'rekind', period: 'WEEKLY', limitUsd: 1 }, 'test');
    clock.set('2026-11-25T09:00:00Z');
    const weekly = (await s.budgets.all()).find((x) => x.id === b.id)!;
    expect(weekly.period).toBe('WEEKLY');
    const r2 = await s.budgets.reserve({ budgets: [weekly], amountMicros: 50_000, ...req() });
    if (!r2.ok) throw new Error(r2.message);
    await s.budgets.settle(r2.reservation, 50_000);
    const history = await s.budgets.history(b.id);
    expect(history.map((h) => [h.periodStart.toISOString(), h.periodEnd?.toISOString(), h.spentUsd])).toEqual([['2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z', 0.15]]);
  });

  it('refuses a malformed amount as bad input, and a reservation with no covering budget holds nothing', async () => {
    await expect(s.budgets.reserve({ budgets: [], amountMicros: -1, ...req() })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(s.budgets.reserve({ budgets: [], amountMicros: 1.5, ...req() })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const none = await s.budgets.reserve({ budgets: [], amountMicros: 5, ...req() });
    expect(none).toMatchObject({ ok: true, reservation: { holds: [] } });
    if (none.ok) await s.budgets.settle(none.reservation as Reservation, 5);
  });

  it('charges a deleted budget nothing: a reservation skips it, and its in-flight holds settle as no-ops', async () => {
    const gone = await makeBudget(s.budgets, { name: 'to-delete', limitUsd: 1 });
    const r = await s.budgets.reserve({ budgets: [gone], amountMicros: 1_000, ...req() });
    if (!r.ok) throw new Error(r.message);
    await s.budgets.delete(gone.id, 'test');
    await s.budgets.settle(r.reservation, 1_000);
    const again = await s.budgets.reserve({ budgets: [gone], amountMicros: 1_000, ...req() });
    expect(again).toMatchObject({ ok: true, reservation: { holds: [] } });
  });
});
