import { startTestApp, type TestApp } from '../helpers/test-app';
import { createBriefPrompt } from '../helpers/prompts';

const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on GenerationCompleted { traceId costUsd } ... on GenerationFailed { code message } } }`;
const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { status traceId costUsd } }`;
const BUDGET = `query($n: String!) { budget(name: $n) { spentUsd reservedUsd } }`;
const TRACE = `query($id: ID!) { trace(id: $id) { costUsd spans { name attributes } } }`;
const settleSpan = (trace: Rec) => trace.spans.find((s: Rec) => s.name === 'budget_settle');

type Rec = Record<string, any>;

/**
 * A cold budget (one exact hold per request) is settled by a ledger write. The client's last event no
 * longer waits for it: the hold stays reserved until the write is done (never an overspend), a read
 * of spending in this process waits for it, and the trace (written at the last event, as before)
 * marks its budget_settle span deferred.
 */
describe(`the settlement of a cold budget runs after the completion event (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let key: string;
  /** Holds every ledger close (settle) until `open()`. */
  let gate: { wait: Promise<void>; open: () => void };
  const newGate = () => {
    let open!: () => void;
    const wait = new Promise<void>((r) => (open = r));
    gate = { wait, open };
  };

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'silent' });
    key = await t.keyFor('APP', 'settle-order');
    await createBriefPrompt(t, 'settle');
    await t.mustGql('mutation { createBudget(input: { name: "settle-global", scope: GLOBAL, period: MONTHLY, limitUsd: 1000 }) { id } }');
    const budgets = t.app.services.budgets as unknown as { close: (...a: unknown[]) => Promise<void> };
    const close = budgets.close.bind(budgets);
    jest.spyOn(budgets, 'close').mockImplementation(async (...a: unknown[]) => {
      await gate.wait;
      return close(...a);
    });
  });
  afterAll(async () => {
    gate?.open();
    await t?.close();
  });

  const within = async <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not come within ${ms} ms while the settlement was held`)), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  };
  const pending = async (p: Promise<unknown>) => {
    let done = false;
    void p.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    return !done;
  };
  const spent = async () => {
    const r = await t.gql(BUDGET, { n: 'settle-global' });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.budget as { spentUsd: number; reservedUsd: number };
  };

  it('streaming: GenerationCompleted arrives while the ledger write is held; the spending read waits for it, the trace marks it deferred', async () => {
    newGate();
    const before = await spent();
    const client = t.ws(key);
    let streamDone = false;
    const completed = new Promise<Rec>((resolve, reject) => {
      client.subscribe(
        { query: SUB, variables: { i: { prompt: 'settle', input: 'Say hi.\n#reply: Hi there.', cache: 'BYPASS' } } },
        {
          next: (r) => {
            const ev = (r.data as Rec | undefined)?.generate;
            if (ev?.__typename === 'GenerationCompleted') resolve(ev);
            if (ev?.__typename === 'GenerationFailed') reject(new Error(JSON.stringify(ev)));
          },
          error: reject,
          complete: () => (streamDone = true),
        },
      );
    });
    const completedEvent = await within(completed, 10_000, 'GenerationCompleted');
    // The stream ends at its last event; the generation stays in flight (settling) behind it.
    await within(
      (async () => {
        while (!streamDone) await new Promise((r) => setTimeout(r, 10));
      })(),
      10_000,
      'the stream complete',
    );
    expect(t.app.services.generation.inFlight).toBe(1);
    const read = spent();
    expect(await pending(read)).toBe(true);
    gate.open();
    const after = await read;
    await t.app.services.generation.idle(5_000);
    expect(t.app.services.generation.inFlight).toBe(0);
    expect(after.spentUsd - before.spentUsd).toBeCloseTo(completedEvent.costUsd, 6);
    expect(after.reservedUsd).toBe(0);
    await t.app.services.traces.writer.flush();
    const tr = await t.gql(TRACE, { id: completedEvent.traceId });
    expect(settleSpan(tr.data!.trace).attributes.deferred).toBe(true);
    client.dispose();
  });

  it('generateOnce answers while the ledger write is held; its trace is there at once, the spending read waits', async () => {
    newGate();
    const before = await spent();
    const answer = await within(t.gql(ONCE, { i: { prompt: 'settle', input: 'Say hi.\n#reply: Hello.', cache: 'BYPASS' } }, key), 10_000, 'the generateOnce answer');
    expect(answer.errors).toBeUndefined();
    const once = answer.data!.generateOnce as Rec;
    expect(once.status).toBe('COMPLETED');
    await t.app.services.traces.writer.flush();
    const tr = await t.gql(TRACE, { id: once.traceId });
    expect(tr.data!.trace.costUsd).toBeCloseTo(once.costUsd, 9);
    expect(settleSpan(tr.data!.trace).attributes.deferred).toBe(true);
    const read = spent();
    expect(await pending(read)).toBe(true);
    gate.open();
    expect((await read).spentUsd - before.spentUsd).toBeCloseTo(once.costUsd, 6);
  });
});
