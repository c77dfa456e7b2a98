import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openLedgerDb, ledgerServices, type LedgerDb, type LedgerServices } from '../budgets/ledger-db';
import { AlertScheduler, AlertEvent } from '../../../src/alerts';
import { DriftService } from '../../../src/analytics/drift';
import { rebuildRollups } from '../../../src/traces';

/** One production trace, written as the trace writer would (only the columns the metrics read). */
interface TraceRow {
  at: Date;
  costMicros?: number;
  latencyMs?: number;
  failed?: boolean;
  guardrail?: boolean;
  prompt?: string;
  source?: 'PRODUCTION' | 'EVAL';
  /** The user input (request.input). */
  input?: string;
}

async function insertTraces(ds: DataSource, rows: TraceRow[]): Promise<void> {
  if (!rows.length) return;
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const cells = [
      randomUUID(),
      r.at.toISOString(),
      r.prompt ?? 'faq',
      r.source ?? 'PRODUCTION',
      r.failed ? 'FAILED' : 'COMPLETED',
      JSON.stringify(r.input === undefined ? {} : { prompt: r.prompt ?? 'faq', input: r.input }),
      r.costMicros ?? 0,
      r.latencyMs ?? 100,
      JSON.stringify(r.guardrail ? [{ direction: 'INPUT', action: 'BLOCKED', policy: 'pii', findings: [] }] : []),
    ];
    const casts = ['uuid', 'timestamptz', 'text', 'text', 'text', 'jsonb', 'bigint', 'float8', 'jsonb'];
    return `(${cells.map((c, i) => (params.push(c), `$${params.length}::${casts[i]}`)).join(', ')}, '{}', '{}')`;
  });
  await ds.query(`INSERT INTO traces (id, created_at, prompt, source, status, request, cost_micros, latency_ms, guardrail_events, assembled_prompt, tags) VALUES ${tuples.join(', ')}`, params);
  // The trace writer keeps the rollups in step with the traces; rows inserted here are rolled up again
  // (the scheduler reads whole hours from the rollups, the partial hours at the edges from the traces).
  await rebuildRollups(ds);
}

/** An eval set with one case and one finished run; results are added with `addResults`. */
async function evalRun(ds: DataSource, setName: string): Promise<{ addResults(at: Date, scores: number[]): Promise<void> }> {
  const [set] = await ds.query(`INSERT INTO eval_sets (name) VALUES ($1) RETURNING id`, [setName]);
  const [evalCase] = await ds.query(`INSERT INTO eval_cases (eval_set_id, assertions, position) VALUES ($1, '[]', 0) RETURNING id`, [set.id]);
  let position = 0;
  return {
    async addResults(at, scores) {
      for (const score of scores) {
        const [run] = await ds.query(
          `INSERT INTO eval_runs (eval_set_id, prompt, prompt_version, prompt_version_id, model_id, status, case_count, set_hash)
           VALUES ($1, 'faq', 1, gen_random_uuid(), 'm', 'SUCCEEDED', 1, 'h') RETURNING id`,
          [set.id],
        );
        await ds.query(`INSERT INTO eval_results (run_id, case_id, position, scores, passed, score, created_at) VALUES ($1, $2, $3, '{}', $4, $5, $6)`, [
          run.id,
          evalCase.id,
          position++,
          score >= 0.5,
          score,
          at.toISOString(),
        ]);
      }
    },
  };
}

const MIN = 60_000;
const T0 = new Date('2026-03-02T12:00:00Z').getTime();
const at = (minutes: number) => new Date(T0 + minutes * MIN);

describe('alert scheduler', () => {
  let db: LedgerDb;
  let s: LedgerServices;
  let scheduler: AlertScheduler;
  beforeAll(async () => {
    db = await openLedgerDb();
    s = await ledgerServices(db.ds, db.url);
    scheduler = new AlertScheduler(db.ds, s.alerts, { intervalMs: 1000 });
  });
  afterAll(async () => {
    await s.close();
    await db.close();
  });
  afterEach(async () => {
    await db.ds.query(`DELETE FROM alert_rules`);
    await db.ds.query(`DELETE FROM traces`);
  });

  const eventsOf = (ruleId: string) => db.ds.getRepository(AlertEvent).find({ where: { ruleId }, order: { firedAt: 'ASC' } });

  /**
   * The shape every metric's test follows: breaching samples at minute 1 -> fires at minute 2;
   * still breaching at minute 3 -> no second event; only healthy samples in the window at
   * minute 20 -> cleared; breaching again at minute 31 -> fires a second time.
   */
  async function firesOnceAndClears(metric: string, condition: Record<string, unknown>, breach: (minute: number) => Promise<void>, healthy: (minute: number) => Promise<void>): Promise<AlertEvent[]> {
    const rule = await s.alerts.createRule({ name: `r-${metric}`, metric, condition, window: '5m' }, 'test');
    await breach(1);
    const first = await scheduler.tick(at(2));
    expect(first.fired.map((e) => e.ruleId)).toEqual([rule.id]);
    expect((await scheduler.tick(at(3))).fired).toEqual([]);
    await healthy(16);
    const clear = await scheduler.tick(at(20));
    expect(clear.cleared).toEqual([rule.name]);
    expect(clear.fired).toEqual([]);
    expect((await scheduler.tick(at(21))).cleared).toEqual([]);
    await breach(30);
    expect((await scheduler.tick(at(31))).fired.map((e) => e.ruleId)).toEqual([rule.id]);
    const events = await eventsOf(rule.id);
    expect(events.map((e) => e.firedAt.toISOString())).toEqual([at(2).toISOString(), at(31).toISOString()]);
    return events;
  }

  it('cost: fires once when spend over the window passes the bound, again only after it cleared', async () => {
    const events = await firesOnceAndClears(
      'cost',
      { above: 0.5 },
      (m) =>
        insertTraces(db.ds, [
          { at: at(m), costMicros: 400_000 },
          { at: at(m), costMicros: 300_000 },
        ]),
      (m) => insertTraces(db.ds, [{ at: at(m), costMicros: 1_000 }]),
    );
    expect(events[0]).toMatchObject({ value: 0.7, baseline: 0.5 });
    expect(events[0]!.message).toBe('spend over the last 5m is $0.7000, above the bound $0.5000 (2 samples)');
  });

  it('p95_latency: continuous p95 of the window', async () => {
    const events = await firesOnceAndClears(
      'p95_latency',
      { above: 1000 },
      (m) =>
        insertTraces(
          db.ds,
          [100, 200, 300, 5000].map((latencyMs) => ({ at: at(m), latencyMs })),
        ),
      (m) => insertTraces(db.ds, [{ at: at(m), latencyMs: 150 }]),
    );
    // percentile_cont(0.95) of 100, 200, 300, 5000 = 300 + 0.85 x 4700 = 4295
    expect(events[0]!.value).toBeCloseTo(4295, 6);
    expect(events[0]!.message).toMatch(/^p95 latency over the last 5m is 4295 ms, above the bound 1000 ms/);
  });

  it('error_rate: failed share of production traces only (eval traces do not count)', async () => {
    const events = await firesOnceAndClears(
      'error_rate',
      { above: 0.2, minSamples: 4 },
      (m) => insertTraces(db.ds, [{ at: at(m), failed: true }, { at: at(m) }, { at: at(m) }, { at: at(m) }, ...Array.from({ length: 20 }, () => ({ at: at(m), source: 'EVAL' as const }))]),
      (m) =>
        insertTraces(
          db.ds,
          Array.from({ length: 4 }, () => ({ at: at(m) })),
        ),
    );
    // 1 failed of 4 production traces; 20 healthy eval traces would have diluted it to 1/24
    expect(events[0]).toMatchObject({ value: 0.25, baseline: 0.2 });
  });

  it('guardrail_trigger_rate: share of traces with a guardrail event', async () => {
    const events = await firesOnceAndClears(
      'guardrail_trigger_rate',
      { above: 0.4 },
      (m) => insertTraces(db.ds, [{ at: at(m), guardrail: true }, { at: at(m) }]),
      (m) => insertTraces(db.ds, [{ at: at(m) }]),
    );
    expect(events[0]!.value).toBe(0.5);
  });

  it('eval_score: the mean score of eval results in the window, for the named eval set', async () => {
    const faq = await evalRun(db.ds, 'faq-set');
    const other = await evalRun(db.ds, 'other-set');
    await other.addResults(at(1), [1, 1, 1, 1]);
    const events = await firesOnceAndClears(
      'eval_score',
      { below: 0.7, evalSet: 'faq-set' },
      (m) => faq.addResults(at(m), [0.2, 0.6]),
      (m) => faq.addResults(at(m), [0.9]),
    );
    expect(events[0]).toMatchObject({ value: 0.4, baseline: 0.7 });
    expect(events[0]!.message).toMatch(/^mean eval score on eval set "faq-set" over the last 5m is 0\.400, below the bound 0\.700/);
  });

  it('keeps its state with too few samples (no firing, no clearing on an empty window)', async () => {
    const rule = await s.alerts.createRule({ name: 'quiet', metric: 'error_rate', condition: { above: 0.1, minSamples: 3 }, window: '5m' }, 'test');
    await insertTraces(db.ds, [
      { at: at(1), failed: true },
      { at: at(1), failed: true },
    ]);
    const r = await scheduler.tick(at(2));
    expect(r).toMatchObject({ evaluated: 1, unknown: 1, fired: [] });
    expect(await eventsOf(rule.id)).toEqual([]);
  });

  it('a deviation rule fires when the guardrail rate jumps to several times its trailing baseline (ratio and z-score)', async () => {
    // Baseline: 3 hours at a steady 5% trigger rate (1 in 20 per 10 minutes), then a window at 30%.
    const steady: TraceRow[] = [];
    for (let m = -180; m < 0; m += 10) steady.push(...Array.from({ length: 20 }, (_, i) => ({ at: at(m + 1), guardrail: i === 0 })));
    await insertTraces(db.ds, steady);
    const ratio = await s.alerts.createRule({ name: 'guardrail-x3', metric: 'guardrail_trigger_rate', condition: { ratio: 3, baselineWindow: '3h', minSamples: 10 }, window: '10m' }, 'test');
    const z = await s.alerts.createRule({ name: 'guardrail-z', metric: 'guardrail_trigger_rate', condition: { zScore: 4, baselineWindow: '3h', minSamples: 10 }, window: '10m' }, 'test');
    // Same rate as the baseline: nothing fires.
    await insertTraces(
      db.ds,
      Array.from({ length: 20 }, (_, i) => ({ at: at(1), guardrail: i === 0 })),
    );
    expect((await scheduler.tick(at(5))).fired).toEqual([]);
    // The next window: 6 of 20 (30%), 6x the baseline.
    await insertTraces(
      db.ds,
      Array.from({ length: 20 }, (_, i) => ({ at: at(11), guardrail: i < 6 })),
    );
    const r = await scheduler.tick(at(15));
    expect(r.fired.map((e) => e.ruleId).sort()).toEqual([ratio.id, z.id].sort());
    const byRule = new Map(r.fired.map((e) => [e.ruleId, e]));
    expect(byRule.get(ratio.id)).toMatchObject({ value: 0.3 });
    expect(byRule.get(ratio.id)!.baseline).toBeCloseTo(0.05, 10);
    expect(byRule.get(ratio.id)!.message).toMatch(/6\.0x its baseline 5\.0%/);
    expect(byRule.get(z.id)!.baseline).toBeCloseTo(0.05, 10);
  });

  it('drift: fires once when the input language mix of the window drifts from its trailing baseline, clears, fires again', async () => {
    const drift = new DriftService(db.ds);
    const withDrift = new AlertScheduler(db.ds, s.alerts, { intervalMs: 1000, drift: (prompt, w, b) => drift.drift(prompt ? { prompt } : null, w, b) });
    const french = (m: number) =>
      insertTraces(
        db.ds,
        Array.from({ length: 25 }, (_, i) => ({ at: at(m), input: `Bonjour, comment puis-je réinitialiser le mot de passe de mon compte numéro ${i} ?` })),
      );
    // English traffic in every 5-minute slot from an hour before.
    const englishRows = (m: number) => Array.from({ length: 25 }, (_, i) => ({ at: at(m), input: `How do I reset my password for account number ${i}?` }));
    const steady: TraceRow[] = [];
    for (let m = -58; m < 40; m += 5) steady.push(...englishRows(m));
    await insertTraces(db.ds, steady);
    const rule = await s.alerts.createRule({ name: 'lang', metric: 'drift', condition: { feature: 'inputLanguage', baselineWindow: '30m', minSamples: 20 }, window: '5m' }, 'test');
    expect((await withDrift.tick(at(0))).fired).toEqual([]);
    await french(1);
    // Window [-1, 4): half English, half French, against an English-only baseline: JS = 0.311 > 0.1.
    const first = await withDrift.tick(at(4));
    expect(first.fired.map((e) => e.ruleId)).toEqual([rule.id]);
    expect(first.fired[0]!.value).toBeCloseTo(0.5 * (0.5 * Math.log2(2 / 3) + 0.5) + 0.5 * Math.log2(4 / 3), 10);
    expect(first.fired[0]!.baseline).toBe(0.1);
    expect(first.fired[0]!.message).toBe('drift of inputLanguage over the last 5m against the 30m before: jensen-shannon 0.311, past its threshold 0.100 (50 traces against 150)');
    expect((await withDrift.tick(at(4.5))).fired).toEqual([]);
    // Window [7, 12): English only again; the baseline holds the burst (25 of 175 French): JS 0.075, clear.
    const clear = await withDrift.tick(at(12));
    expect(clear).toMatchObject({ fired: [], cleared: ['lang'] });
    await french(30);
    expect((await withDrift.tick(at(33))).fired.map((e) => e.ruleId)).toEqual([rule.id]);
    expect((await eventsOf(rule.id)).map((e) => e.firedAt.toISOString())).toEqual([at(4).toISOString(), at(33).toISOString()]);
  });

  it('drift: a rule without a feature counts drifted signals; an empty window keeps the state', async () => {
    const drift = new DriftService(db.ds);
    const withDrift = new AlertScheduler(db.ds, s.alerts, { intervalMs: 1000, drift: (prompt, w, b) => drift.drift(prompt ? { prompt } : null, w, b) });
    const rule = await s.alerts.createRule({ name: 'any', metric: 'drift', condition: { baselineWindow: '1h' }, window: '10m' }, 'test');
    expect(await withDrift.tick(at(0))).toMatchObject({ evaluated: 1, unknown: 1, fired: [] });
    const steady: TraceRow[] = [];
    for (let m = -60; m < -10; m += 5) steady.push(...Array.from({ length: 10 }, () => ({ at: at(m), latencyMs: 100, input: 'Where is my invoice?' })));
    await insertTraces(db.ds, steady);
    await insertTraces(
      db.ds,
      Array.from({ length: 30 }, () => ({ at: at(-5), latencyMs: 900, failed: true, input: 'Où est ma facture, s’il vous plaît ?' })),
    );
    const r = await withDrift.tick(at(1));
    expect(r.fired.map((e) => e.ruleId)).toEqual([rule.id]);
    expect(r.fired[0]!.value).toBeGreaterThanOrEqual(3);
    expect(r.fired[0]!.message).toMatch(/^\d+ of \d+ drift signals drifted over the last 10m against the 1h before: .*inputLanguage \(jensen-shannon 1\.000, threshold 0\.100\).*errorRate/);
  });

  it('reads whole hours from the rollups and the partial hours from the traces; the raw scan agrees', async () => {
    // 12:00 + 2 min: a 3h window [09:02, 12:02) is 09:02-10:00 raw, 10:00-12:00 rolled up, 12:00-12:02 raw.
    await insertTraces(db.ds, [
      // Triggered traces are counted from the partial index on traces (the guardrail rollups count per policy): kept at an edge here.
      { at: at(-170), costMicros: 100_000, failed: true, guardrail: true },
      { at: at(-100), costMicros: 200_000 },
      { at: at(-30), costMicros: 300_000 },
      { at: at(1), costMicros: 400_000 },
    ]);
    const rules = [
      await s.alerts.createRule({ name: 'cost-3h', metric: 'cost', condition: { above: 0.5 }, window: '3h' }, 'test'),
      await s.alerts.createRule({ name: 'err-3h', metric: 'error_rate', condition: { above: 0.2 }, window: '3h' }, 'test'),
      await s.alerts.createRule({ name: 'guard-3h', metric: 'guardrail_trigger_rate', condition: { above: 0.2 }, window: '3h' }, 'test'),
    ];
    const raw = new AlertScheduler(db.ds, s.alerts, { intervalMs: 1000, source: 'raw' });
    const fromRaw = await raw.tick(at(2));
    const values = (r: { fired: AlertEvent[] }) => Object.fromEntries(r.fired.map((e) => [e.rule.name, e.value]));
    expect(values(fromRaw)).toEqual({ 'cost-3h': 1, 'err-3h': 0.25, 'guard-3h': 0.25 });
    await db.ds.query(`DELETE FROM alert_events`);
    await db.ds.query(`UPDATE alert_rules SET firing = false, evaluated_at = NULL`);
    // Drop the rolled-up hours' traces: only the rollups still know them.
    await db.ds.query(`DELETE FROM traces WHERE created_at >= $1 AND created_at < $2`, [new Date('2026-03-02T10:00:00Z').toISOString(), new Date('2026-03-02T12:00:00Z').toISOString()]);
    const fromRollups = await scheduler.tick(at(2));
    expect(values(fromRollups)).toEqual({ 'cost-3h': 1, 'err-3h': 0.25, 'guard-3h': 0.25 });
    expect(rules).toHaveLength(3);
  });

  it('an update resets the state; a disabled rule is not evaluated', async () => {
    const rule = await s.alerts.createRule({ name: 'u', metric: 'cost', condition: { above: 0 }, window: '5m' }, 'test');
    await insertTraces(db.ds, [{ at: at(1), costMicros: 10 }]);
    expect((await scheduler.tick(at(2))).fired).toHaveLength(1);
    await s.alerts.updateRule(rule.id, { name: 'u', metric: 'cost', condition: { above: 0 }, window: '10m' }, 'test');
    expect((await scheduler.tick(at(3))).fired).toHaveLength(1);
    await s.alerts.updateRule(rule.id, { name: 'u', metric: 'cost', condition: { above: 0 }, window: '10m', enabled: false }, 'test');
    expect(await scheduler.tick(at(4))).toMatchObject({ evaluated: 0, fired: [] });
  });

  it('two schedulers ticking at once fire a rule once (PostgreSQL: two data sources, i.e. two processes)', async () => {
    const other = db.kind === 'postgresql' ? await db.openAnother() : db.ds;
    const s2 = db.kind === 'postgresql' ? await ledgerServices(other, db.url) : s;
    try {
      const rules = await Promise.all(Array.from({ length: 5 }, (_, i) => s.alerts.createRule({ name: `race-${i}`, metric: 'cost', condition: { above: 0 }, window: '5m' }, 'test')));
      await insertTraces(db.ds, [{ at: at(1), costMicros: 10 }]);
      const a = new AlertScheduler(db.ds, s.alerts, { intervalMs: 1000 });
      const b = new AlertScheduler(other, s2.alerts, { intervalMs: 1000 });
      // Ticks at the same instant (one claims each rule), then a second later (both may measure; one records).
      const reports = [...(await Promise.all([a.tick(at(2)), b.tick(at(2))])), ...(await Promise.all([a.tick(at(2.05)), b.tick(at(2.05))]))];
      expect(reports.flatMap((r) => r.fired).length).toBe(5);
      for (const rule of rules) expect(await eventsOf(rule.id)).toHaveLength(1);
    } finally {
      if (s2 !== s) await s2.close();
    }
  });
});
