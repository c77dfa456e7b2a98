import { burst, holdCounts, onceGenerator, settledLedgerRow, streamGenerator, type ApiSample, type Generator } from '../helpers/budget-load';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { startTestApp, type TestApp } from '../helpers/test-app';

const SONNET = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const MAX_OUT = 1000;
const N = 4;
const ROUNDS = 3;
const INPUT = { prompt: 'shared', input: 'Is it raining?\n#reply: No.\n#delay-ms: 300', maxOutputTokens: MAX_OUT, cache: 'BYPASS' };

type Rec = Record<string, any>;
type Gql = TestApp['gql'];

async function must(gql: Gql, q: string, v: Rec = {}): Promise<Rec> {
  const r = await gql(q, v);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

async function setUp(t: TestApp): Promise<string> {
  await must(t.gql, 'mutation { createPrompt(input: { name: "shared" }) { id } }');
  await must(t.gql, 'mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', {
    i: { prompt: 'shared', system: 'You answer briefly.', modelId: SONNET },
  });
  await must(t.gql, 'mutation { promotePromptVersion(input: { prompt: "shared", version: 1, label: "production" }) { promoted } }');
  return t.keyFor('APP', 'shared-app');
}

/** What the pipeline reserves for INPUT, read off the budget_reserve span of a request no budget covers. */
async function worstCaseMicros(t: TestApp): Promise<number> {
  const r = await must(t.gql, 'mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status } }', { i: { ...INPUT, user: 'probe' } }).then((d) => d.generateOnce);
  expect(r.status).toBe('COMPLETED');
  await t.app.services.traces.writer.flush();
  const tr = (await must(t.gql, 'query($id: ID!) { trace(id: $id) { spans { name attributes } } }', { id: r.traceId })).trace;
  return tr.spans.find((s: Rec) => s.name === 'budget_reserve').attributes.amountMicros;
}

/**
 * Rounds of 5N concurrent generations (spread over `generators`) against a fresh budget with room
 * for N worst cases each; asserts the ledger never went over, at least N were admitted, the rest
 * were refused with BUDGET_EXCEEDED, and no hold was left. Returns the figures of each round.
 */
async function rounds(t: TestApp, generators: Generator[], labels: string[], amountMicros: number, ready: (user: string) => Promise<void>, sampleVia: Gql = t.gql): Promise<Rec[]> {
  const figures: Rec[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const user = `u-shared-${round}`;
    const created = (
      await must(t.gql, 'mutation($input: BudgetInput!) { createBudget(input: $input) { id limitUsd } }', {
        input: { name: `shared-${round}`, scope: 'USER', scopeValue: user, period: 'DAILY', limitUsd: (N * amountMicros + Math.floor(amountMicros / 2)) / 1e6 },
      })
    ).createBudget;
    const limitMicros = Math.round(created.limitUsd * 1e6);
    expect(Math.floor(limitMicros / amountMicros)).toBe(N);
    await ready(user);

    const apiSample = async () => (await must(sampleVia, 'query($n: String!) { budget(name: $n) { spentUsd reservedUsd limitUsd } }', { n: `shared-${round}` })).budget as ApiSample;
    const r = await burst(t.app.dataSource, created.id, generators, 5 * N, { ...INPUT, user }, apiSample);
    const admitted = r.outcomes.filter((o) => o.status === 'COMPLETED');
    const refused = r.outcomes.filter((o) => o.status !== 'COMPLETED');
    const byGenerator = labels.map((label, g) => ({ label, admitted: r.outcomes.filter((o, i) => i % labels.length === g && o.status === 'COMPLETED').length }));
    figures.push({
      round,
      N,
      amountMicros,
      limitMicros,
      admitted: admitted.length,
      refused: refused.length,
      byGenerator,
      maxObservedMicros: r.maxObservedMicros,
      samples: r.samples.length,
      apiSamples: r.apiSamples.length,
    });

    expect(r.samples.length).toBeGreaterThan(2);
    for (const s of r.samples) expect(s.spent + s.reserved).toBeLessThanOrEqual(limitMicros);
    expect(r.apiSamples.length).toBeGreaterThan(2);
    for (const s of r.apiSamples) expect(Math.round((s.spentUsd + s.reservedUsd) * 1e6)).toBeLessThanOrEqual(limitMicros);
    expect(admitted.length).toBeGreaterThanOrEqual(N);
    expect(admitted.length + refused.length).toBe(5 * N);
    for (const o of refused) {
      expect(o).toMatchObject({ status: 'BLOCKED', code: 'BUDGET_EXCEEDED' });
      expect(o.message).toContain(`budget "shared-${round}"`);
    }
    const row = (await settledLedgerRow(t.app.dataSource, created.id))!;
    expect(row.reserved).toBe(0);
    expect(row.spent).toBeLessThanOrEqual(limitMicros);
    expect(row.spent).toBe(admitted.reduce((sum, o) => sum + Math.round(o.costUsd * 1e6), 0));
    expect(await holdCounts(t.app.dataSource, created.id)).toMatchObject({ total: admitted.length, open: 0, settled: admitted.length, released: 0, expired: 0, chargedMicros: row.spent });
  }
  // eslint-disable-next-line no-console
  if (process.env.BUDGET_FIGURES) console.log(JSON.stringify(figures));
  return figures;
}

if (process.env.DATABASE_URL) {
  describe('budgets hold across two server processes on one PostgreSQL database', () => {
    let t: TestApp;
    let other: ServerProcess | undefined;
    let key: string;

    beforeAll(async () => {
      t = await startTestApp();
      key = await setUp(t);
      other = await startServerProcess(t.app.config.databaseUrl!);
    });
    afterAll(async () => {
      await other?.stop();
      await t?.close();
    });

    /** Waits until `gql`'s process refuses a request bigger than the user's whole budget: it sees the new budget. */
    async function seesBudget(gql: Gql, user: string): Promise<void> {
      const huge = { ...INPUT, input: 'Probe.\n#reply: ok', maxOutputTokens: 60_000, user };
      for (let i = 0; i < 100; i++) {
        const r = await must(gql, 'mutation($i: GenerateInput!) { generateOnce(input: $i) { status error { code } } }', { i: huge }).then((d) => d.generateOnce);
        if (r.error?.code === 'BUDGET_EXCEEDED') return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error(`the process never saw the budget of ${user}`);
    }

    it('runs the second process on the same database (it serves what the first created)', async () => {
      expect(other!.pid).not.toBe(process.pid);
      const list = await must((q, v) => other!.gql(q, v), '{ prompts { name } }');
      expect(list.prompts.map((p: Rec) => p.name)).toContain('shared');
      const r = await must((q, v) => other!.gql(q, v, key), 'mutation($i: GenerateInput!) { generateOnce(input: $i) { status modelId text } }', {
        i: { ...INPUT, input: 'Hi\n#reply: From the other process.', user: 'nobody' },
      });
      expect(r.generateOnce).toEqual({ status: 'COMPLETED', modelId: SONNET, text: 'From the other process.' });
    });

    it('5N concurrent generateOnce calls split over both processes never pass the limit, admit at least N, refuse the rest, leave no hold (3 rounds)', async () => {
      const amountMicros = await worstCaseMicros(t);
      const otherGql: Gql = (q, v, k) => other!.gql(q, v, k);
      // The ledger is sampled directly on the database and, over GraphQL, as the second process shows it.
      const figures = await rounds(
        t,
        [onceGenerator(t.gql, key), onceGenerator(otherGql, key)],
        ['test-app', 'server-process'],
        amountMicros,
        async (user) => {
          await seesBudget(t.gql, user);
          await seesBudget(otherGql, user);
        },
        otherGql,
      );
      expect(figures).toHaveLength(ROUNDS);
    });

    it('stops the second process cleanly', async () => {
      expect(await other!.stop()).toBe(0);
      other = undefined;
    });
  });
} else {
  // PGlite is one embedded database inside one process, so a second server process cannot share
  // it; the same claim is checked on the one process, with generateOnce and the generate
  // subscription racing each other.
  describe('budgets hold under concurrency on one server process (PGlite): generateOnce and generate subscriptions at once', () => {
    let t: TestApp;
    let key: string;

    beforeAll(async () => {
      t = await startTestApp();
      key = await setUp(t);
    });
    afterAll(() => t?.close());

    it('5N concurrent generations over HTTP and graphql-ws never pass the limit, admit at least N, refuse the rest, leave no hold (3 rounds)', async () => {
      const amountMicros = await worstCaseMicros(t);
      const figures = await rounds(t, [onceGenerator(t.gql, key), streamGenerator(t.ws(key))], ['generateOnce', 'generate'], amountMicros, async () => undefined);
      expect(figures).toHaveLength(ROUNDS);
    });
  });
}
