import { formatUsd } from '../../src/budgets';
import { resolveModel } from '../../src/providers/catalog';
import { tokensCostMicros } from '../../src/providers/cost';
import { burst, holdCounts, ledgerRow, onceGenerator, settledLedgerRow, type ApiSample } from '../helpers/budget-load';
import { startTestApp, type TestApp } from '../helpers/test-app';

const SONNET = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const LITE = 'amazon.nova-lite-v1:0';
const MAX_OUT = 1000;

const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status text modelId routedBy costUsd usage { inputTokens outputTokens } error { code message } } }`;
const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { __typename
  ... on GenerationStarted { traceId modelId routedBy }
  ... on TextDelta { text }
  ... on GenerationCompleted { traceId costUsd }
  ... on GenerationFailed { failedTraceId: traceId code message } } }`;
const TRACE = `query($id: ID!) { trace(id: $id) { id status stopReason modelId routedBy output costUsd user
  usage { inputTokens outputTokens } spans { name attributes } } }`;
const CREATE = `mutation($input: BudgetInput!) { createBudget(input: $input) { id name limitUsd } }`;
const BUDGET = `query($n: String!) { budget(name: $n) { id limitUsd spentUsd reservedUsd } }`;

type Rec = Record<string, any>;

/** The pipeline's worst case for an uncached prompt: counted input at the input price plus the output cap at the output price. */
function worstCase(modelId: string, inputTokens: number, maxOutputTokens: number): number {
  const p = resolveModel(modelId)!.prices;
  return tokensCostMicros(inputTokens, p.input) + tokensCostMicros(maxOutputTokens, p.output);
}

describe(`budgets through the generate pipeline (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let appKey: string;

  beforeAll(async () => {
    // Short history budget: long histories get summarized (a model call before the main one).
    t = await startTestApp({ HISTORY_TOKEN_BUDGET: '200', HISTORY_KEEP_TURNS: '2' });
    appKey = await t.keyFor('APP', 'budget-app');
    const must = async (q: string, v: Rec) => {
      const r = await t.gql(q, v);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    };
    await must('mutation { createPrompt(input: { name: "budgeted" }) { id } }', {});
    await must('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', {
      i: { prompt: 'budgeted', system: 'You answer briefly.', modelId: SONNET },
    });
    await must('mutation { promotePromptVersion(input: { prompt: "budgeted", version: 1, label: "production" }) { promoted } }', {});
  });
  afterAll(() => t?.close());

  async function once(input: Rec): Promise<Rec> {
    const r = await t.gql(ONCE, { i: { prompt: 'budgeted', cache: 'BYPASS', ...input } }, appKey);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.generateOnce;
  }
  async function trace(id: string): Promise<Rec> {
    await t.app.services.traces.writer.flush();
    const r = await t.gql(TRACE, { id });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.trace;
  }
  async function budget(input: Rec): Promise<{ id: string; limitMicros: number }> {
    const r = await t.gql(CREATE, { input: { period: 'DAILY', ...input } });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    const row = r.data!.createBudget;
    return { id: row.id, limitMicros: Math.round(row.limitUsd * 1e6) };
  }
  async function usage(name: string): Promise<Rec> {
    const r = await t.gql(BUDGET, { n: name });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.budget;
  }
  /** What the pipeline reserved for `input` (no budget covers user "probe"), read off its budget_reserve span. */
  async function probe(input: Rec): Promise<{ amountMicros: number; inputTokens: number }> {
    const r = await once({ ...input, user: 'probe' });
    expect(r.status).toBe('COMPLETED');
    const tr = await trace(r.traceId);
    const span = tr.spans.find((s: Rec) => s.name === 'budget_reserve');
    expect(span.attributes.budgets).toEqual([]);
    return { amountMicros: span.attributes.amountMicros, inputTokens: tr.usage.inputTokens };
  }

  it('reserves the worst case: counted input tokens at the input price plus maxOutputTokens at the output price', async () => {
    const input = { input: 'How long is a piece of string?\n#reply: Twice half its length.', maxOutputTokens: MAX_OUT };
    const p = await probe(input);
    expect(p.inputTokens).toBeGreaterThan(0);
    expect(p.amountMicros).toBe(worstCase(SONNET, p.inputTokens, MAX_OUT));
    const bigger = await probe({ ...input, maxOutputTokens: 2 * MAX_OUT });
    expect(bigger.amountMicros - p.amountMicros).toBe(worstCase(SONNET, 0, 2 * MAX_OUT) - worstCase(SONNET, 0, MAX_OUT));
  });

  it('BLOCK refuses with BUDGET_EXCEEDED naming the budget and what is left, holding nothing', async () => {
    const input = { input: 'Say hello.\n#reply: Hello there.', maxOutputTokens: MAX_OUT, user: 'u-block' };
    const { amountMicros } = await probe(input);
    // Room for one request at MAX_OUT; not for one at twice that once something was spent.
    const b = await budget({ name: 'block-team', scope: 'USER', scopeValue: 'u-block', limitUsd: Math.floor(amountMicros * 1.5) / 1e6, onExceed: 'BLOCK' });
    const first = await once(input);
    expect(first).toMatchObject({ status: 'COMPLETED', modelId: SONNET, error: null });
    const afterFirst = (await settledLedgerRow(t.app.dataSource, b.id))!;
    expect(afterFirst).toEqual({ limit: b.limitMicros, spent: Math.round(first.costUsd * 1e6), reserved: 0 });

    const second = await once({ ...input, maxOutputTokens: 2 * MAX_OUT });
    expect(second).toMatchObject({ status: 'BLOCKED', text: '', error: { code: 'BUDGET_EXCEEDED' } });
    const left = b.limitMicros - afterFirst.spent;
    expect(second.error.message).toContain('budget "block-team"');
    expect(second.error.message).toContain(`${formatUsd(left)} left of ${formatUsd(b.limitMicros)}`);
    expect(second.error.message).toContain(`may cost up to ${formatUsd(worstCase(SONNET, first.usage.inputTokens, 2 * MAX_OUT))}`);

    // The subscription says the same, without ever starting the model.
    const events: Rec[] = [];
    await new Promise<void>((resolve, reject) =>
      t
        .ws(appKey)
        .subscribe(
          { query: SUB, variables: { i: { prompt: 'budgeted', cache: 'BYPASS', ...input, maxOutputTokens: 2 * MAX_OUT } } },
          { next: (r) => events.push(r.data!.generate as Rec), error: reject, complete: resolve },
        ),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ __typename: 'GenerationFailed', code: 'BUDGET_EXCEEDED', message: second.error.message });

    const tr = await trace(second.traceId);
    expect(tr).toMatchObject({ status: 'BLOCKED', costUsd: 0 });
    const names = tr.spans.map((s: Rec) => s.name);
    expect(names).toContain('budget_reserve');
    expect(names).not.toContain('model_call');
    expect(tr.spans.find((s: Rec) => s.name === 'budget_reserve').attributes).toMatchObject({ budgets: ['block-team'] });

    expect(await settledLedgerRow(t.app.dataSource, b.id)).toEqual(afterFirst);
    expect(await holdCounts(t.app.dataSource, b.id)).toMatchObject({ total: 1, open: 0, settled: 1, chargedMicros: afterFirst.spent });
    expect(await usage('block-team')).toMatchObject({ spentUsd: afterFirst.spent / 1e6, reservedUsd: 0 });
  });

  it('DOWNGRADE serves the request with downgradeModelId when that fits, and the trace says so', async () => {
    const input = { input: 'Summarize our refund policy.\n#reply: Refunds within 30 days.', maxOutputTokens: MAX_OUT, user: 'u-down' };
    const { amountMicros, inputTokens } = await probe(input);
    const liteMicros = worstCase(LITE, inputTokens, MAX_OUT);
    expect(amountMicros).toBeGreaterThan(3 * liteMicros);
    const b = await budget({ name: 'down-team', scope: 'USER', scopeValue: 'u-down', limitUsd: (3 * liteMicros) / 1e6, onExceed: 'DOWNGRADE', downgradeModelId: LITE });

    const events: Rec[] = [];
    await new Promise<void>((resolve, reject) =>
      t
        .ws(appKey)
        .subscribe({ query: SUB, variables: { i: { prompt: 'budgeted', cache: 'BYPASS', ...input } } }, { next: (r) => events.push(r.data!.generate as Rec), error: reject, complete: resolve }),
    );
    expect(events[0]).toMatchObject({ __typename: 'GenerationStarted', modelId: LITE, routedBy: 'budget:down-team' });
    const done = events.at(-1)!;
    expect(done.__typename).toBe('GenerationCompleted');
    expect(
      events
        .filter((e) => e.__typename === 'TextDelta')
        .map((e) => e.text)
        .join(''),
    ).toBe('Refunds within 30 days.');

    const tr = await trace(done.traceId);
    expect(tr).toMatchObject({ status: 'COMPLETED', modelId: LITE, routedBy: 'budget:down-team' });
    expect(tr.spans.find((s: Rec) => s.name === 'budget_reserve').attributes).toMatchObject({
      budgets: ['down-team'],
      amountMicros: liteMicros,
      downgradedFrom: SONNET,
      downgradedTo: LITE,
    });
    expect(tr.spans.find((s: Rec) => s.name === 'model_call').attributes.modelId).toBe(LITE);
    const row = (await settledLedgerRow(t.app.dataSource, b.id))!;
    expect(row).toEqual({ limit: b.limitMicros, spent: Math.round(done.costUsd * 1e6), reserved: 0 });
    expect(row.spent).toBeGreaterThan(0);

    // generateOnce reports the same route.
    const again = await once(input);
    expect(again).toMatchObject({ status: 'COMPLETED', modelId: LITE, routedBy: 'budget:down-team' });

    // When even the downgrade does not fit, the request is refused and names the budget.
    const tooBig = await once({ ...input, maxOutputTokens: 10 * MAX_OUT });
    expect(tooBig).toMatchObject({ status: 'BLOCKED', error: { code: 'BUDGET_EXCEEDED' } });
    expect(tooBig.error.message).toContain('budget "down-team"');
    const refused = await trace(tooBig.traceId);
    expect(refused.spans.find((s: Rec) => s.name === 'budget_reserve').attributes).toMatchObject({ downgradedFrom: SONNET, downgradedTo: LITE });
    expect(refused.routedBy).not.toBe('budget:down-team');
    expect(await holdCounts(t.app.dataSource, b.id)).toMatchObject({ total: 2, open: 0, settled: 2 });
  });

  it('settles the spend above zero when the client closes the subscription mid-stream, and traces it completely', async () => {
    const b = await budget({ name: 'disconnect-team', scope: 'USER', scopeValue: 'u-gone', limitUsd: 5, onExceed: 'BLOCK' });
    const seen: Rec[] = [];
    await new Promise<void>((resolve, reject) => {
      const stop = t.ws(appKey).subscribe(
        { query: SUB, variables: { i: { prompt: 'budgeted', input: 'Tell me a long story.\n#tokens: 400\n#interval-ms: 20', user: 'u-gone', maxOutputTokens: MAX_OUT } } },
        {
          next: (r) => {
            seen.push(r.data!.generate as Rec);
            if (seen.filter((e) => e.__typename === 'TextDelta').length === 3) {
              stop();
              resolve();
            }
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    expect(seen[0]).toMatchObject({ __typename: 'GenerationStarted', modelId: SONNET });
    // Settled shortly after the close: the hold is gone and the cost is charged.
    let row = await ledgerRow(t.app.dataSource, b.id);
    for (let i = 0; i < 100 && (!row || row.reserved > 0 || row.spent === 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
      row = await ledgerRow(t.app.dataSource, b.id);
    }
    expect(row!.spent).toBeGreaterThan(0);
    expect(row!.reserved).toBe(0);
    const holds = await holdCounts(t.app.dataSource, b.id);
    expect(holds).toMatchObject({ total: 1, open: 0, settled: 1, chargedMicros: row!.spent });
    expect(row!.spent).toBeLessThan(holds.maxAmountMicros);
    const u = await usage('disconnect-team');
    expect(u.spentUsd).toBeGreaterThan(0);
    expect(u.reservedUsd).toBe(0);

    const tr = await trace(seen[0]!.traceId);
    expect(tr).toMatchObject({ status: 'FAILED', stopReason: 'client_disconnected', modelId: SONNET, user: 'u-gone' });
    expect(Math.round(tr.costUsd * 1e6)).toBe(row!.spent);
    expect(tr.usage.outputTokens).toBeGreaterThanOrEqual(3);
    expect(tr.usage.outputTokens).toBeLessThan(400);
    expect(tr.output.length).toBeGreaterThan(0);
    const names = tr.spans.map((s: Rec) => s.name);
    for (const n of ['guardrail_input', 'prompt_assembly', 'routing', 'budget_reserve', 'model_call', 'budget_settle']) expect(names).toContain(n);
    expect(tr.spans.find((s: Rec) => s.name === 'budget_reserve').attributes).toMatchObject({ budgets: ['disconnect-team'], amountMicros: holds.maxAmountMicros });
    expect(tr.spans.find((s: Rec) => s.name === 'budget_settle').attributes).toMatchObject({ actualMicros: row!.spent, estimated: true });
  });

  it('stops at once when the client goes away before the model call starts: no full answer is bought, the hold is closed, the trace says client_disconnected', async () => {
    const b = await budget({ name: 'early-exit', scope: 'USER', scopeValue: 'u-early', limitUsd: 5, onExceed: 'BLOCK' });
    // The first turn makes the history summarizer's call slow (its transcript carries the directive),
    // so the client can leave while the request is still being assembled.
    const turns = Array.from({ length: 10 }, (_, i) => ({
      role: i % 2 ? 'ASSISTANT' : 'USER',
      content: `Turn ${i}: ${'we talked about invoices and refunds at length '.repeat(3)}${i === 0 ? '\n#delay-ms: 3000' : ''}`,
    }));
    const seen: Rec[] = [];
    await new Promise<void>((resolve, reject) => {
      const stop = t
        .ws(appKey)
        .subscribe(
          { query: SUB, variables: { i: { prompt: 'budgeted', input: 'Go on.\n#tokens: 300\n#interval-ms: 20', messages: turns, user: 'u-early', maxOutputTokens: MAX_OUT, cache: 'BYPASS' } } },
          { next: (r) => seen.push(r.data!.generate as Rec), error: reject, complete: () => resolve() },
        );
      setTimeout(() => {
        stop();
        resolve();
      }, 1000);
    });
    expect(seen).toEqual([]);
    let tr: Rec | undefined;
    for (let i = 0; i < 100 && !tr; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await t.app.services.traces.writer.flush();
      const r = await t.gql('{ traces(filter: { user: "u-early" }, first: 5) { edges { node { id } } } }');
      const id = r.data?.traces.edges[0]?.node.id as string | undefined;
      if (id) tr = await trace(id);
    }
    expect(tr).toBeDefined();
    // 300 tokens at 20 ms each would take 6 s: the model must not be left streaming to nobody.
    expect(tr!.usage?.outputTokens ?? 0).toBeLessThan(300);
    expect(tr).toMatchObject({ status: 'FAILED', stopReason: 'client_disconnected' });
    const row = await settledLedgerRow(t.app.dataSource, b.id);
    expect(row?.reserved ?? 0).toBe(0);
    expect(row?.spent ?? 0).toBe(Math.round(tr!.costUsd * 1e6));
    expect((await holdCounts(t.app.dataSource, b.id)).open).toBe(0);
  });

  it('charges a MODEL budget of the fallback model that served the request', async () => {
    for (const [q, v] of [
      ['mutation { createPrompt(input: { name: "falls-back" }) { id } }', {}],
      ['mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: 'falls-back', system: 'Be brief.' } }],
      ['mutation { promotePromptVersion(input: { prompt: "falls-back", version: 1, label: "production" }) { promoted } }', {}],
      [`mutation { createRoutingRule(input: { name: "falls-back-rule", priority: 1, condition: { prompts: ["falls-back"] }, targetModelId: "${SONNET}", fallbackModelIds: ["${LITE}"] }) { id } }`, {}],
    ] as Array<[string, Rec]>) {
      const r = await t.gql(q, v);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    }
    const lite = await budget({ name: 'lite-spend', scope: 'MODEL', scopeValue: LITE, limitUsd: 1, onExceed: 'BLOCK' });
    const r = await once({ prompt: 'falls-back', input: `Hi\n#error@${SONNET}: ThrottlingException\n#reply: From the fallback.`, maxOutputTokens: MAX_OUT, user: 'u-fallback' });
    expect(r).toMatchObject({ status: 'COMPLETED', text: 'From the fallback.' });
    const tr = await trace(r.traceId);
    expect(tr.modelId).toBe(LITE);
    expect(tr.costUsd).toBeGreaterThan(0);
    // LITE ran and was paid for: its MODEL budget must see that spend.
    const row = await settledLedgerRow(t.app.dataSource, lite.id);
    expect(row?.spent ?? 0).toBe(Math.round(tr.costUsd * 1e6));
    expect(row?.reserved ?? 0).toBe(0);
  });

  it('never lets spent + reserved pass the limit under 5N concurrent generateOnce calls, admits at least N, refuses the rest, leaves no hold (3 rounds)', async () => {
    const input = { prompt: 'budgeted', input: 'Is it raining?\n#reply: No.\n#delay-ms: 300', maxOutputTokens: MAX_OUT, cache: 'BYPASS' };
    const { amountMicros } = await probe(input);
    const N = 4;
    const figures: Rec[] = [];
    for (let round = 1; round <= 3; round++) {
      const user = `u-burst-${round}`;
      const b = await budget({ name: `burst-${round}`, scope: 'USER', scopeValue: user, limitUsd: (N * amountMicros + Math.floor(amountMicros / 2)) / 1e6 });
      expect(Math.floor(b.limitMicros / amountMicros)).toBe(N);
      const r = await burst(t.app.dataSource, b.id, [onceGenerator(t.gql, appKey)], 5 * N, { ...input, user }, () => usage(`burst-${round}`) as Promise<ApiSample>);
      const admitted = r.outcomes.filter((o) => o.status === 'COMPLETED');
      const refused = r.outcomes.filter((o) => o.status !== 'COMPLETED');
      figures.push({
        round,
        N,
        amountMicros,
        limitMicros: b.limitMicros,
        admitted: admitted.length,
        refused: refused.length,
        maxObservedMicros: r.maxObservedMicros,
        samples: r.samples.length,
        apiSamples: r.apiSamples.length,
      });

      expect(r.samples.length).toBeGreaterThan(2);
      for (const s of r.samples) expect(s.spent + s.reserved).toBeLessThanOrEqual(b.limitMicros);
      expect(r.apiSamples.length).toBeGreaterThan(2);
      for (const s of r.apiSamples) expect(Math.round((s.spentUsd + s.reservedUsd) * 1e6)).toBeLessThanOrEqual(Math.round(s.limitUsd * 1e6));
      expect(admitted.length).toBeGreaterThanOrEqual(N);
      for (const o of refused) {
        expect(o).toMatchObject({ status: 'BLOCKED', code: 'BUDGET_EXCEEDED' });
        expect(o.message).toContain(`budget "burst-${round}"`);
      }
      const row = (await settledLedgerRow(t.app.dataSource, b.id))!;
      expect(row.reserved).toBe(0);
      expect(row.spent).toBeLessThanOrEqual(b.limitMicros);
      expect(row.spent).toBe(admitted.reduce((sum, o) => sum + Math.round(o.costUsd * 1e6), 0));
      expect(await holdCounts(t.app.dataSource, b.id)).toMatchObject({ total: admitted.length, open: 0, settled: admitted.length, released: 0, expired: 0, chargedMicros: row.spent });
      expect(await usage(`burst-${round}`)).toMatchObject({ reservedUsd: 0, spentUsd: row.spent / 1e6 });
    }
    // eslint-disable-next-line no-console
    if (process.env.BUDGET_FIGURES) console.log(JSON.stringify(figures));
  });
});
