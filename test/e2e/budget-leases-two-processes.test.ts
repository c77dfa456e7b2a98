import { Client } from 'pg';
import { onceGenerator, type GenerationOutcome } from '../helpers/budget-load';
import { createFreshDatabase, type FreshDatabase } from '../helpers/fresh-database';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';

type Rec = Record<string, any>;
const N = 40;
const SONNET = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
// As many output tokens produced as asked for: the real cost is about the worst case reserved, so
// the burst reaches the budget's edge.
const INPUT = { prompt: 'edge', input: 'Go\n#tokens: 50', maxOutputTokens: 50, cache: 'BYPASS' };

/**
 * Budget leases at the edge of a budget's limit across two OS processes (two server processes on
 * one fresh PostgreSQL database, BUDGET_LEASES on): 5N concurrent generations, half through each,
 * against a budget with room for N worst cases. The ledger is read throughout: spent + reserved +
 * leased never exceeds the limit; leases were used (the budget is hot in both processes); the
 * processes then use the budget up to its last request, one at a time; nothing is overspent, every
 * admitted generation is charged exactly once, and no reservation or lease is left once they stop.
 * Runs on DATABASE_URL's server, or on a throwaway PostgreSQL of its own.
 */
describe('budget leases at the edge of the limit across two server processes', () => {
  let pg: ThrowawayPostgres | undefined;
  let db: FreshDatabase;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  let sql: Client;

  beforeAll(async () => {
    let server = process.env.DATABASE_URL;
    if (!server) {
      pg = await startThrowawayPostgres();
      server = pg.url;
    }
    db = await createFreshDatabase(server, 'gcp_lease_edge');
    a = await startServerProcess(db.url, { BUDGET_LEASES: 'on' }, 90_000);
    b = await startServerProcess(db.url, { BUDGET_LEASES: 'on' }, 90_000);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  }, 240_000);
  afterAll(async () => {
    await sql?.end();
    await b?.stop();
    await a?.stop();
    await db?.drop();
    await pg?.destroy();
  }, 60_000);

  async function must(p: ServerProcess, q: string, v: Rec = {}, key?: string): Promise<Rec> {
    const r = await p.gql(q, v, key);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  }

  async function ledger(budgetId: string): Promise<{ limit: number; spent: number; reserved: number; leased: number } | null> {
    const { rows } = await sql.query('SELECT limit_micros, spent_micros, reserved_micros, leased_micros FROM budget_periods WHERE budget_id = $1 ORDER BY period_start DESC LIMIT 1', [budgetId]);
    const r = rows[0] as Record<string, string> | undefined;
    return r ? { limit: Number(r.limit_micros), spent: Number(r.spent_micros), reserved: Number(r.reserved_micros), leased: Number(r.leased_micros) } : null;
  }

  it('5N concurrent generations over two processes: spent + reserved + leased never above the limit, the budget used up to its edge, nothing overspent', async () => {
    const [pa, pb] = [a!, b!];
    await must(pa, 'mutation { createPrompt(input: { name: "edge" }) { id } }');
    await must(pa, 'mutation($m: String!) { createPromptVersion(input: { prompt: "edge", system: "Be brief.", modelId: $m }) { number } }', { m: SONNET });
    await must(pa, 'mutation { promotePromptVersion(input: { prompt: "edge", version: 1, label: "production" }) { promoted } }');
    const key = (await must(pa, 'mutation { createApiKey(name: "edge-app", role: APP) { secret } }')).createApiKey.secret as string;

    // The worst case reserved per request, read off a request no budget covers.
    const probe = (await must(pa, 'mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status } }', { i: { ...INPUT, user: 'probe' } }, key)).generateOnce;
    expect(probe.status).toBe('COMPLETED');
    let amount = 0;
    for (let i = 0; i < 200 && !amount; i++) {
      const tr = (await must(pa, 'query($id: ID!) { trace(id: $id) { spans { name attributes } } }', { id: probe.traceId })).trace as Rec | null;
      amount = tr?.spans.find((s: Rec) => s.name === 'budget_reserve')?.attributes.amountMicros ?? 0;
      if (!amount) await new Promise((r) => setTimeout(r, 50));
    }
    expect(amount).toBeGreaterThan(0);

    const budget = (
      await must(pa, 'mutation($input: BudgetInput!) { createBudget(input: $input) { id limitUsd } }', {
        input: { name: 'lease-edge', scope: 'USER', scopeValue: 'edge-user', period: 'DAILY', limitUsd: (N * amount + Math.floor(amount / 2)) / 1e6 },
      })
    ).createBudget as { id: string; limitUsd: number };
    const limit = Math.round(budget.limitUsd * 1e6);
    // Both processes see the budget before the burst (a request bigger than all of it is refused).
    for (const p of [pa, pb]) {
      for (let i = 0; ; i++) {
        const r = (await must(p, 'mutation($i: GenerateInput!) { generateOnce(input: $i) { status error { code } } }', { i: { ...INPUT, maxOutputTokens: 60_000, user: 'edge-user' } }, key))
          .generateOnce;
        if (r.error?.code === 'BUDGET_EXCEEDED') break;
        if (i > 100) throw new Error('a process never saw the budget');
        await new Promise((res) => setTimeout(res, 50));
      }
    }

    // The burst, with the ledger sampled until every generation answered.
    const samples: Array<NonNullable<Awaited<ReturnType<typeof ledger>>>> = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        const row = await ledger(budget.id);
        if (row) samples.push(row);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const generators = [onceGenerator((q, v, k) => pa.gql(q, v, k), key), onceGenerator((q, v, k) => pb.gql(q, v, k), key)];
    let outcomes: GenerationOutcome[];
    try {
      outcomes = await Promise.all(Array.from({ length: 5 * N }, (_, i) => generators[i % 2]!({ ...INPUT, user: 'edge-user' })));
    } finally {
      running = false;
      await sampler;
    }
    // Then one at a time, alternating, until both processes refuse: the budget is used up to its last request.
    for (let refusedInARow = 0, i = 0; refusedInARow < 4; i++) {
      const o = await generators[i % 2]!({ ...INPUT, user: 'edge-user' });
      outcomes.push(o);
      refusedInARow = o.status === 'COMPLETED' ? 0 : refusedInARow + 1;
      const row = await ledger(budget.id);
      if (row) samples.push(row);
    }

    const admitted = outcomes.filter((o) => o.status === 'COMPLETED');
    for (const o of outcomes.filter((x) => x.status !== 'COMPLETED')) expect(o).toMatchObject({ status: 'BLOCKED', code: 'BUDGET_EXCEEDED' });
    expect(samples.length).toBeGreaterThan(10);
    for (const s of samples) expect(s.spent + s.reserved + s.leased).toBeLessThanOrEqual(limit);
    // The budget was hot in both processes: they admitted from leases.
    const leases = (await sql.query('SELECT count(*)::int AS n FROM budget_leases l JOIN budget_periods p ON p.id = l.budget_period_id WHERE p.budget_id = $1', [budget.id])).rows[0] as { n: number };
    expect(leases.n).toBeGreaterThan(0);

    // Stopped cleanly, both give back what they hold and write what they settled.
    expect(await pb.stop()).toBe(0);
    expect(await pa.stop()).toBe(0);
    b = a = undefined;
    const final = (await ledger(budget.id))!;
    // eslint-disable-next-line no-console
    console.log(`lease edge: limit ${limit}, worst case ${amount}, admitted ${admitted.length} of ${outcomes.length}, spent ${final.spent}, ${leases.n} leases, ${samples.length} ledger samples`);
    expect(final).toMatchObject({ reserved: 0, leased: 0 });
    expect(final.spent).toBeLessThanOrEqual(limit);
    expect(final.spent).toBe(admitted.reduce((sum, o) => sum + Math.round(o.costUsd * 1e6), 0));
    // Used up to the edge: what is left cannot pay for one more worst case.
    expect(limit - final.spent).toBeLessThan(amount);
    expect(admitted.length).toBeGreaterThanOrEqual(N);
  }, 300_000);
});
