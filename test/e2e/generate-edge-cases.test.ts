import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { resolveModel } from '../../src/providers/catalog';
import { tokensCostMicros } from '../../src/providers/cost';

/**
 * Edge cases of the generate pipeline, end to end (real server, graphql-ws and HTTP, emulator).
 * Each test names the behaviour it pins down; many were written against defects that are now fixed.
 */

const EVENTS = `
  __typename
  ... on GenerationStarted { traceId modelId promptVersion label routedBy cached }
  ... on TextDelta { text index }
  ... on GuardrailIntervened { direction action policy findings { kind name action match start end source } }
  ... on GenerationCompleted { traceId stopReason costUsd cached latencyMs ttftMs
      usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
      costByStage { system context history input output cacheRead cacheWrite } }
  ... on GenerationFailed { failedTraceId: traceId code message }`;
const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { ${EVENTS} } }`;
const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status text modelId promptVersion routedBy stopReason cached costUsd latencyMs ttftMs
  usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
  costByStage { system context history input output cacheRead cacheWrite }
  guardrailEvents { direction action policy findings { kind name action match source } }
  error { traceId code message } } }`;
const TRACE = `query($id: ID!) { trace(id: $id) { id status stopReason cached modelId routedBy prompt promptVersion label apiKey user output costUsd
  request assembledPrompt guardrailEvents
  usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
  costByStage { system context history input output cacheRead cacheWrite }
  spans { name durationMs attributes } } }`;
const EXPLAIN = `query($i: GenerateInput!) { explainRoute(input: $i) { modelId fallbackModelIds reason inputTokens rule { name } } }`;

const LITE = 'amazon.nova-lite-v1:0';
const MICRO = 'amazon.nova-micro-v1:0';
const SONNET = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const LLAMA_8K = 'meta.llama3-8b-instruct-v1:0';

type Ev = Record<string, any>;

const micros = (usd: number) => Math.round(usd * 1e6);
const textOf = (events: Ev[]) =>
  events
    .filter((e) => e.__typename === 'TextDelta')
    .map((e) => e.text as string)
    .join('');
const longHistory = (tag: string, n = 12) =>
  Array.from({ length: n }, (_, i) => ({
    role: i % 2 ? 'ASSISTANT' : 'USER',
    content: `${tag} turn ${i}: ${'we discussed invoices, refunds and shipping times at great length '.repeat(3)}`,
  }));

describe(`generate edge cases (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let app1: string;
  let app2: string;

  async function must(q: string, v: Record<string, unknown> = {}, key?: string) {
    const r = await t.gql(q, v, key);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  }
  async function prompt(name: string, version: { system?: string; messages?: Array<{ role: string; content: string }>; modelId?: string; params?: Record<string, unknown>; shareable?: boolean }) {
    await must('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
    await addVersion(name, version);
    await must('mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name });
  }
  async function addVersion(name: string, version: Record<string, unknown>): Promise<number> {
    const d = await must('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: name, ...version } });
    return d.createPromptVersion.number;
  }
  async function policy(p: Record<string, unknown>): Promise<string> {
    return (await must('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', { p })).createGuardrailPolicy.id;
  }
  async function run(key: string, input: Record<string, unknown>): Promise<Ev[]> {
    const results = await wsCollect(t.ws(key), SUB, { i: input });
    for (const r of results) if (r.errors) throw new Error(JSON.stringify(r.errors));
    return results.map((r) => r.data!.generate as Ev);
  }
  async function once(key: string, input: Record<string, unknown>): Promise<Ev> {
    return (await must(ONCE, { i: input }, key)).generateOnce;
  }
  async function trace(id: string): Promise<Ev> {
    await t.app.services.traces.writer.flush();
    const tr = (await must(TRACE, { id })).trace;
    if (!tr) throw new Error(`no trace ${id}`);
    return tr;
  }
  /** Entries in the response cache (the pipeline's own, read through the running app). */
  const cacheSize = () => (t.app.services.generation as unknown as { deps: { cache: { size: number } } }).deps.cache.size;
  /**
   * Runs `fn` and waits until the response cache holds `grow` more entries than before: the cache
   * stores an answer in the background, after an embedding call (see test/unit/generate/response-cache-edge.test.ts).
   */
  async function stored<T>(fn: () => Promise<T>, grow = 1): Promise<T> {
    const before = cacheSize();
    const out = await fn();
    for (let i = 0; i < 100 && cacheSize() < before + grow; i++) await new Promise((r) => setTimeout(r, 20));
    expect(cacheSize()).toBeGreaterThanOrEqual(before + grow);
    return out;
  }
  const span = (tr: Ev, name: string) => tr.spans.find((s: Ev) => s.name === name);
  /** What a history summary call cost, from the usage on the prompt_assembly span (0 when none was made). */
  function summaryMicros(tr: Ev): number {
    const u = span(tr, 'prompt_assembly')?.attributes?.historySummaryUsage;
    if (!u) return 0;
    const p = resolveModel(MICRO)!.prices;
    return tokensCostMicros(u.inputTokens, p.input) + tokensCostMicros(u.outputTokens, p.output);
  }

  beforeAll(async () => {
    t = await startTestApp({ HISTORY_TOKEN_BUDGET: '200', HISTORY_KEEP_TURNS: '2', CONTEXT_MIN_SCORE: '0.3' });
    app1 = await t.keyFor('APP', 'edge-app-1');
    app2 = await t.keyFor('APP', 'edge-app-2');
    await prompt('plain', { system: 'You are helpful.', modelId: LITE });
    await prompt('shared', { system: 'You are a shared FAQ bot.', modelId: LITE, shareable: true });
    await prompt('fewshot', {
      system: 'Answer like the examples.',
      modelId: LITE,
      messages: [
        { role: 'USER', content: 'Capital of France?' },
        { role: 'ASSISTANT', content: 'Paris.' },
      ],
    });
    await prompt('tmpl', { system: 'You help with {{product}}.', modelId: LITE });
  });
  afterAll(() => t?.close());

  // ---- response cache: scoping ----------------------------------------------------------------

  it("never serves one user's cached answer to another user of the same API key; the same user gets the hit", async () => {
    const input = { prompt: 'plain', input: 'What are your hours?\n#reply: Nine to five.', user: 'alice' };
    expect((await stored(() => once(app1, input))).cached).toBe(false);
    const bob = await once(app1, { ...input, user: 'bob' });
    expect(bob).toMatchObject({ status: 'COMPLETED', cached: false, text: 'Nine to five.' });
    expect(bob.costUsd).toBeGreaterThan(0);
    const anonymous = await once(app1, { ...input, user: null });
    expect(anonymous.cached).toBe(false);
    const alice = await once(app1, input);
    expect(alice).toMatchObject({ status: 'COMPLETED', cached: true, costUsd: 0, text: 'Nine to five.' });
    const tr = await trace(alice.traceId);
    expect(tr).toMatchObject({ cached: true, costUsd: 0, status: 'COMPLETED', user: 'alice', apiKey: 'edge-app-1', output: 'Nine to five.' });
    expect(span(tr, 'cache_lookup').attributes).toMatchObject({ hit: true });
    // A hit neither reserves nor calls a model.
    expect(tr.spans.map((s: Ev) => s.name)).not.toContain('model_call');
    expect(tr.spans.map((s: Ev) => s.name)).not.toContain('budget_reserve');
  });

  it('shares cached answers across API keys and users only when the prompt version is shareable', async () => {
    const input = { prompt: 'shared', input: 'Where is the manual?\n#reply: On our website.', user: 'carol' };
    expect((await stored(() => once(app1, input))).cached).toBe(false);
    const other = await once(app2, { ...input, user: 'dave' });
    expect(other).toMatchObject({ cached: true, costUsd: 0, text: 'On our website.' });
    const tr = await trace(other.traceId);
    expect(tr).toMatchObject({ cached: true, apiKey: 'edge-app-2', user: 'dave' });
  });

  it("serves the new version after a label move, not the old version's cached answer; a rollback does not resurrect a stale hit either", async () => {
    await prompt('moving', { system: 'Version one says hello.', modelId: LITE });
    const input = { prompt: 'moving', input: 'Greet me.\n#reply: Hello from the cache.' };
    expect((await stored(() => once(app1, input))).cached).toBe(false);
    expect((await once(app1, input)).cached).toBe(true);
    const v2 = await addVersion('moving', { system: 'Version two says hi.', modelId: LITE });
    await must('mutation($v: Int!) { promotePromptVersion(input: { prompt: "moving", version: $v, label: "production" }) { promoted } }', { v: v2 });
    const after = await once(app1, input);
    expect(after).toMatchObject({ status: 'COMPLETED', cached: false, promptVersion: 2 });
    expect(after.costUsd).toBeGreaterThan(0);
    expect((await trace(after.traceId)).assembledPrompt.system[0].text).toBe('Version two says hi.');
    await must('mutation { rollbackPromptLabel(prompt: "moving", label: "production") { version { number } } }');
    const back = await once(app1, input);
    expect(back).toMatchObject({ status: 'COMPLETED', cached: false, promptVersion: 1 });
  });

  it('REFRESH skips the lookup but stores the fresh answer; BYPASS neither reads nor writes', async () => {
    const input = { prompt: 'plain', input: 'Refresh me.\n#reply: Fresh answer.' };
    expect((await stored(() => once(app1, input))).cached).toBe(false);
    // REFRESH replaces the entry: the cache ends with as many entries as before.
    const refreshed = await stored(() => once(app1, { ...input, cache: 'REFRESH' }), 0);
    expect(refreshed).toMatchObject({ status: 'COMPLETED', cached: false, text: 'Fresh answer.' });
    expect(refreshed.costUsd).toBeGreaterThan(0);
    const rtr = await trace(refreshed.traceId);
    expect(rtr.spans.map((s: Ev) => s.name)).not.toContain('cache_lookup');
    expect((await once(app1, input)).cached).toBe(true);

    const byp = { prompt: 'plain', input: 'Bypass me.\n#reply: Not stored.' };
    expect((await once(app1, { ...byp, cache: 'BYPASS' })).cached).toBe(false);
    expect((await once(app1, byp)).cached).toBe(false);
  });

  it('does not cache a failed, a blocked, a cut-off or a cancelled generation', async () => {
    // Failed mid-stream: the repeat fails again instead of replaying the partial text as a success.
    const mid = { prompt: 'plain', input: 'Fail halfway.\n#reply: one two three four five six seven eight\n#error-mid: ModelStreamErrorException' };
    const f1 = await once(app1, mid);
    expect(f1).toMatchObject({ status: 'FAILED', error: { code: 'PROVIDER_ERROR' } });
    const f2 = await once(app1, mid);
    expect(f2).toMatchObject({ status: 'FAILED', cached: false, error: { code: 'PROVIDER_ERROR' } });

    // Cut at max_tokens: not a whole answer.
    const cut = { prompt: 'plain', input: 'Long one.\n#tokens: 60', maxOutputTokens: 5 };
    const c1 = await once(app1, cut);
    expect(c1).toMatchObject({ status: 'COMPLETED', stopReason: 'max_tokens' });
    expect((await once(app1, cut)).cached).toBe(false);

    // Cancelled by the client after a few deltas: the repeat is a fresh, whole answer.
    const long = { prompt: 'plain', input: 'A long story please.\n#tokens: 200\n#interval-ms: 10' };
    const client = t.ws(app1);
    const seen: Ev[] = [];
    await new Promise<void>((resolve, reject) => {
      const stop = client.subscribe(
        { query: SUB, variables: { i: long } },
        {
          next: (r) => {
            seen.push(r.data?.generate as Ev);
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
    let cancelled: Ev | null = null;
    for (let i = 0; i < 50 && !cancelled; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await t.app.services.traces.writer.flush();
      cancelled = (await must(TRACE, { id: seen[0]!.traceId })).trace;
    }
    expect(cancelled).toMatchObject({ status: 'FAILED', stopReason: 'client_disconnected' });
    const whole = await once(app1, long);
    expect(whole).toMatchObject({ status: 'COMPLETED', cached: false });
    expect(whole.usage.outputTokens).toBe(200);

    // Blocked by an OUTPUT policy, then the policy is removed: the repeat is a fresh model call.
    await prompt('blocky', { system: 'You are helpful.', modelId: LITE });
    const pid = await policy({ name: 'edge-block-word', prompts: ['blocky'], appliesTo: ['OUTPUT'], wordFilters: { words: ['zebra'] }, blockedMessage: 'Withheld.' });
    const blocked = { prompt: 'blocky', input: 'Animals?\n#reply: A zebra is striped.' };
    const b1 = await once(app1, blocked);
    expect(b1).toMatchObject({ status: 'BLOCKED', error: { code: 'GUARDRAIL_BLOCKED', message: 'Withheld.' } });
    expect(b1.text).not.toContain('zebra');
    await must('mutation($id: ID!) { deleteGuardrailPolicy(id: $id) }', { id: pid });
    const b2 = await once(app1, blocked);
    expect(b2).toMatchObject({ status: 'COMPLETED', cached: false, text: 'A zebra is striped.' });
  });

  it('replays a cached answer through the OUTPUT policies the prompt has now (an email cached before the policy existed must not reach the client)', async () => {
    await prompt('late-policy', { system: 'You are helpful.', modelId: LITE });
    const email = 'ceo@example.com';
    const input = { prompt: 'late-policy', input: `Who runs it?\n#reply: Write to ${email} please.` };
    const first = await stored(() => once(app1, input));
    expect(first).toMatchObject({ status: 'COMPLETED', text: `Write to ${email} please.` });
    await policy({ name: 'edge-late-anon', prompts: ['late-policy'], appliesTo: ['OUTPUT'], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } });
    const events = await run(app1, input);
    expect(events.at(-1)!.__typename).toBe('GenerationCompleted');
    expect(JSON.stringify(events)).not.toContain(email);
    expect(textOf(events)).toBe('Write to {EMAIL} please.');
  });

  // ---- guardrails: nothing blocked or anonymized reaches the client ---------------------------

  it('an OUTPUT anonymization does not send the anonymized text to the client inside GuardrailIntervened.findings.match', async () => {
    await prompt('anon-out', { system: 'You are helpful.', modelId: LITE });
    await policy({ name: 'edge-anon-out', prompts: ['anon-out'], appliesTo: ['OUTPUT'], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } });
    const email = 'private.person@example.org';
    const events = await run(app1, { prompt: 'anon-out', input: `Contact?\n#reply: Mail ${email} today.`, cache: 'BYPASS' });
    expect(textOf(events)).toBe('Mail {EMAIL} today.');
    const intervened = events.filter((e) => e.__typename === 'GuardrailIntervened');
    expect(intervened.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain(email);
    const r = await once(app1, { prompt: 'anon-out', input: `Contact?\n#reply: Mail ${email} today.`, cache: 'BYPASS' });
    expect(JSON.stringify(r)).not.toContain(email);
  });

  it('an OUTPUT block does not send the blocked text to the client inside GuardrailIntervened.findings.match', async () => {
    await prompt('card-out', { system: 'You are helpful.', modelId: LITE });
    await policy({ name: 'edge-card-out', prompts: ['card-out'], appliesTo: ['OUTPUT'], pii: { entities: [{ type: 'CREDIT_DEBIT_CARD_NUMBER', action: 'BLOCK' }] } });
    const card = '4111 1111 1111 1111';
    const events = await run(app1, { prompt: 'card-out', input: `Card?\n#reply: Your card is ${card} ok.`, cache: 'BYPASS' });
    expect(events.at(-1)).toMatchObject({ __typename: 'GenerationFailed', code: 'GUARDRAIL_BLOCKED' });
    expect(textOf(events)).not.toContain('4111');
    expect(JSON.stringify(events)).not.toContain('4111');
  });

  it('a blocked input never reaches the model: no model call, no summary call, no cost, traced BLOCKED, and the block is not cached', async () => {
    await prompt('guarded-in', { system: 'You help with {{topic}}.', modelId: LITE });
    await policy({ name: 'edge-in-words', prompts: ['guarded-in'], appliesTo: ['INPUT'], wordFilters: { words: ['forbidden'] }, blockedMessage: 'No.' });
    for (const req of [
      { input: 'tell me the forbidden thing\n#reply: leaked', variables: { topic: 'cars' } },
      { input: 'harmless\n#reply: leaked', variables: { topic: 'forbidden cars' } },
      {
        input: 'harmless too\n#reply: leaked',
        variables: { topic: 'cars' },
        messages: longHistory('forbidden-free'),
        sessionId: 'gi-1',
        context: [{ id: 'c1', text: 'a forbidden chunk', score: 0.9 }],
      },
    ]) {
      const events = await run(app1, { prompt: 'guarded-in', ...req });
      expect(events.map((e) => e.__typename)).toEqual(['GuardrailIntervened', 'GenerationFailed']);
      expect(events[1]).toMatchObject({ code: 'GUARDRAIL_BLOCKED', message: 'No.' });
      const tr = await trace(events[1]!.failedTraceId);
      expect(tr).toMatchObject({ status: 'BLOCKED', costUsd: 0, output: null });
      const names = tr.spans.map((s: Ev) => s.name);
      expect(names).not.toContain('model_call');
      expect(names).not.toContain('prompt_assembly');
      expect(JSON.stringify(events)).not.toContain('leaked');
    }
  });

  // ---- input edge cases ------------------------------------------------------------------------

  it('an input or a history turn that is only whitespace is BAD_USER_INPUT naming the field (Bedrock refuses blank text blocks)', async () => {
    const r = await once(app1, { prompt: 'plain', input: '   \n\t ', cache: 'BYPASS' });
    expect(r.status).toBe('FAILED');
    expect(r.error?.code).toBe('BAD_USER_INPUT');
    expect(r.error?.message).toMatch(/input\.input/);
    // The same for a history turn that is only whitespace.
    const h = await once(app1, {
      prompt: 'plain',
      messages: [
        { role: 'USER', content: 'Hello' },
        { role: 'ASSISTANT', content: ' \n ' },
      ],
      input: 'Go on\n#reply: ok',
      cache: 'BYPASS',
    });
    expect(h.error?.code ?? null).toBe('BAD_USER_INPUT');
    expect(h.error?.message).toMatch(/input\.messages\.1\.content/);
  });

  it('a huge variable is refused as BAD_USER_INPUT naming input.variables.<name>, like a huge input is', async () => {
    const huge = 'x'.repeat(1_000_001);
    const viaInput = await t.gql(ONCE, { i: { prompt: 'tmpl', variables: { product: 'W' }, input: huge } }, app1);
    expect(viaInput.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(viaInput.errors?.[0]?.message).toMatch(/input\.input/);
    const results = await wsCollect(t.ws(app1), SUB, { i: { prompt: 'tmpl', variables: { product: huge }, input: 'Hi\n#reply: ok', cache: 'BYPASS' } });
    const err = results[0]!.errors?.[0];
    const failed = results.map((r) => r.data?.generate as Ev | undefined).find((e) => e?.__typename === 'GenerationFailed');
    const code = err?.extensions?.code ?? failed?.code;
    const message = err?.message ?? failed?.message ?? '';
    expect(code).toBe('BAD_USER_INPUT');
    expect(message).toMatch(/input\.variables\.product/);
  });

  it('keeps unscored context chunks after the scored ones, drops those under the minimum score, and says so in the trace', async () => {
    const events = await run(app1, {
      prompt: 'plain',
      input: 'Refund window?\n#reply: 30 days.',
      cache: 'BYPASS',
      context: [
        { id: 'unscored-a', text: 'Unscored chunk A.', score: null },
        { id: 'low', text: 'A barely relevant chunk.', score: 0.1 },
        { id: 'best', text: 'Refunds within 30 days.', score: 0.95 },
        { id: 'unscored-b', text: 'Unscored chunk B.' },
        { id: 'mid', text: 'Shipping takes a week.', score: 0.5 },
      ],
    });
    const done = events.at(-1)!;
    expect(done.__typename).toBe('GenerationCompleted');
    expect(done.usage.byStage.context).toBeGreaterThan(0);
    const tr = await trace(done.traceId);
    const sent = JSON.stringify(tr.assembledPrompt.messages);
    const order = ['best', 'mid', 'unscored-a', 'unscored-b'].map((id) => sent.indexOf(`<context id=\\"${id}\\"`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(sent).not.toContain('barely relevant');
    const attrs = span(tr, 'prompt_assembly').attributes;
    expect(attrs.contextKept).toEqual(['best', 'mid', 'unscored-a', 'unscored-b']);
    expect(attrs.contextDropped).toEqual([expect.objectContaining({ id: 'low', reason: 'below_min_score', score: 0.1 })]);
  });

  it('a version whose messages end with an ASSISTANT turn needs an input (BAD_USER_INPUT input.input), and with one the turns alternate', async () => {
    await prompt('ends-assistant', {
      system: 'Continue the chat.',
      modelId: LITE,
      messages: [
        { role: 'USER', content: 'Hi there' },
        { role: 'ASSISTANT', content: 'Hello! How can I help?' },
      ],
    });
    const none = await once(app1, { prompt: 'ends-assistant' });
    expect(none).toMatchObject({ status: 'FAILED', error: { code: 'BAD_USER_INPUT' } });
    expect(none.error.message).toMatch(/input\.input/);
    expect((await trace(none.error.traceId)).status).toBe('FAILED');
    // History that also starts with an ASSISTANT turn merges into the template's assistant turn.
    const ok = await once(app1, {
      prompt: 'ends-assistant',
      messages: [{ role: 'ASSISTANT', content: 'Anything else?' }],
      input: 'Yes, one thing.\n#reply: Sure.',
      cache: 'BYPASS',
    });
    expect(ok).toMatchObject({ status: 'COMPLETED', text: 'Sure.' });
    const tr = await trace(ok.traceId);
    const roles = tr.assembledPrompt.messages.map((m: Ev) => m.role);
    expect(roles).toEqual(['user', 'assistant', 'user']);
  });

  it('a history that starts with an ASSISTANT turn (a greeting) is not sent to the model as a conversation starting with assistant', async () => {
    const r = await once(app1, {
      prompt: 'plain',
      messages: [
        { role: 'ASSISTANT', content: 'Hi! I am the shop assistant. How can I help?' },
        { role: 'USER', content: 'I need a refund.' },
        { role: 'ASSISTANT', content: 'Sure, what is the order number?' },
      ],
      input: 'It is 1234.\n#reply: Thanks, refund started.',
      cache: 'BYPASS',
    });
    // Either served, or refused as bad input naming the field; never a provider error.
    if (r.status === 'COMPLETED') expect(r.text).toBe('Thanks, refund started.');
    else expect(r.error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/input\.messages/) });
  });

  it("a prompt larger than the model's context window is refused as BAD_USER_INPUT before any model call (not sent to fail at Bedrock)", async () => {
    await prompt('tiny-window', { system: 'Be brief.', modelId: LLAMA_8K });
    const window = resolveModel(LLAMA_8K)!.contextWindow;
    const input = `${'Please read this sentence again. '.repeat(Math.ceil(window / 4))}\n#reply: Read.`;
    const r = await once(app1, { prompt: 'tiny-window', input, cache: 'BYPASS' });
    expect(r.status).toBe('FAILED');
    expect(r.error).toMatchObject({ code: 'BAD_USER_INPUT' });
    const tr = await trace(r.error.traceId);
    expect(tr.spans.map((s: Ev) => s.name)).not.toContain('model_call');
  });

  // ---- model parameters -------------------------------------------------------------------------

  it("cuts at the version's stop sequence (stop_sequence), sends it to the model, and caches that whole answer", async () => {
    await prompt('stopper', { system: 'Be brief.', modelId: LITE, params: { stopSequences: ['END'] } });
    const input = { prompt: 'stopper', input: 'Count.\n#reply: one two three END four five' };
    const events = await stored(() => run(app1, input));
    const done = events.at(-1)!;
    expect(done).toMatchObject({ __typename: 'GenerationCompleted', stopReason: 'stop_sequence' });
    expect(textOf(events)).toBe('one two three ');
    const tr = await trace(done.traceId);
    expect(tr.assembledPrompt.inferenceConfig.stopSequences).toEqual(['END']);
    expect(tr).toMatchObject({ stopReason: 'stop_sequence', output: 'one two three ' });
    const again = await run(app1, input);
    expect(again.at(-1)).toMatchObject({ cached: true, stopReason: 'stop_sequence' });
    expect(textOf(again)).toBe('one two three ');
  });

  it('caps the output at min(request, version params.maxTokens, model max): a request above the model max is served, not refused', async () => {
    const above = await once(app1, { prompt: 'plain', input: 'Hi\n#reply: ok', maxOutputTokens: 50_000, cache: 'BYPASS' });
    expect(above).toMatchObject({ status: 'COMPLETED', text: 'ok' });
    expect((await trace(above.traceId)).assembledPrompt.inferenceConfig.maxTokens).toBe(resolveModel(LITE)!.maxOutputTokens);

    await prompt('capped', { system: 'Be brief.', modelId: LITE, params: { maxTokens: 40 } });
    const r1 = await once(app1, { prompt: 'capped', input: 'Hi\n#reply: ok', maxOutputTokens: 5000, cache: 'BYPASS' });
    expect((await trace(r1.traceId)).assembledPrompt.inferenceConfig.maxTokens).toBe(40);
    const r2 = await once(app1, { prompt: 'capped', input: 'Hi\n#reply: ok', maxOutputTokens: 7, cache: 'BYPASS' });
    expect((await trace(r2.traceId)).assembledPrompt.inferenceConfig.maxTokens).toBe(7);
    const r3 = await once(app1, { prompt: 'capped', input: 'Hi\n#reply: ok', cache: 'BYPASS' });
    expect((await trace(r3.traceId)).assembledPrompt.inferenceConfig.maxTokens).toBe(40);
    // The budget hold is the capped worst case, not the asked one.
    const reserved = span(await trace(above.traceId), 'budget_reserve').attributes.amountMicros;
    expect(reserved).toBeLessThanOrEqual(
      tokensCostMicros(above.usage.inputTokens + 10, resolveModel(LITE)!.prices.input) + tokensCostMicros(resolveModel(LITE)!.maxOutputTokens, resolveModel(LITE)!.prices.output),
    );
  });

  // ---- fallbacks --------------------------------------------------------------------------------

  it("a fallback model with a smaller output maximum gets its own cap (maxOutputTokens above the fallback's max must not fail the fallback)", async () => {
    await prompt('big-fallback', { system: 'Be brief.' });
    await must(
      `mutation { createRoutingRule(input: { name: "edge-big-fb", priority: 1, condition: { prompts: ["big-fallback"] }, targetModelId: "${SONNET}", fallbackModelIds: ["${LITE}"] }) { id } }`,
    );
    const r = await once(app1, { prompt: 'big-fallback', input: `Hi\n#error@${SONNET}: ThrottlingException\n#reply: From the fallback.`, maxOutputTokens: 20_000, cache: 'BYPASS' });
    expect(r.error).toBeNull();
    expect(r).toMatchObject({ status: 'COMPLETED', modelId: LITE, text: 'From the fallback.' });
    const tr = await trace(r.traceId);
    expect(tr.assembledPrompt.inferenceConfig.maxTokens).toBeLessThanOrEqual(resolveModel(LITE)!.maxOutputTokens);
  });

  it('an error in the middle of the stream does not fall back after text was sent: partial text, PROVIDER_ERROR, charged and traced', async () => {
    await prompt('mid-fail', { system: 'Be brief.' });
    await must(
      `mutation { createRoutingRule(input: { name: "edge-mid-fb", priority: 2, condition: { prompts: ["mid-fail"] }, targetModelId: "amazon.nova-pro-v1:0", fallbackModelIds: ["${LITE}"] }) { id } }`,
    );
    const reply = 'alpha beta gamma delta epsilon zeta eta theta';
    const events = await run(app1, { prompt: 'mid-fail', input: `Go.\n#reply: ${reply}\n#error-mid: ThrottlingException`, cache: 'BYPASS' });
    const sent = textOf(events);
    expect(sent.length).toBeGreaterThan(0);
    expect(reply.startsWith(sent)).toBe(true);
    expect(sent).not.toBe(reply);
    const failed = events.at(-1)!;
    expect(failed).toMatchObject({ __typename: 'GenerationFailed', code: 'PROVIDER_ERROR' });
    expect(events.filter((e) => e.__typename === 'GenerationStarted')).toHaveLength(1);
    const tr = await trace(failed.failedTraceId);
    expect(tr).toMatchObject({ status: 'FAILED', modelId: 'amazon.nova-pro-v1:0', output: sent });
    expect(tr.costUsd).toBeGreaterThan(0);
    expect(span(tr, 'model_call').attributes.attempts).toHaveLength(1);
    const sum = Object.values(tr.costByStage as Record<string, number>).reduce((a, b) => a + micros(b), 0);
    expect(sum).toBe(micros(tr.costUsd));
  });

  // ---- modelId, explainRoute ------------------------------------------------------------------

  it('an unknown modelId in the request fails with BAD_USER_INPUT naming input.modelId, traced, no model called', async () => {
    const r = await once(app1, { prompt: 'plain', input: 'Hi\n#reply: no', modelId: 'acme.not-a-model-v9' });
    expect(r).toMatchObject({ status: 'FAILED', error: { code: 'BAD_USER_INPUT' } });
    expect(r.error.message).toMatch(/input\.modelId/);
    const tr = await trace(r.error.traceId);
    expect(tr.status).toBe('FAILED');
    expect(tr.spans.map((s: Ev) => s.name)).not.toContain('model_call');
    expect(tr.costUsd).toBe(0);
  });

  it('a request failing before the model call does not lose the history summary it already bought (unknown modelId with a long history)', async () => {
    const r = await once(app1, { prompt: 'plain', messages: longHistory('lost'), sessionId: 'lost-1', input: 'Hi\n#reply: no', modelId: 'acme.not-a-model-v9' });
    expect(r.error?.code).toBe('BAD_USER_INPUT');
    const tr = await trace(r.error.traceId);
    // Either no summary was bought for a request that was going to fail, or its cost is on the trace.
    expect(micros(tr.costUsd)).toBe(summaryMicros(tr));
  });

  it('explainRoute with an unknown modelId is BAD_USER_INPUT naming input.modelId, as generate is', async () => {
    const r = await t.gql(EXPLAIN, { i: { prompt: 'plain', input: 'Hi', modelId: 'acme.not-a-model-v9' } });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/input\.modelId/);
  });

  it('explainRoute refuses bad input by field and unknown names as NOT_FOUND, never INTERNAL_SERVER_ERROR', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp | null]> = [
      [{ prompt: 'tmpl', input: 'Hi' }, 'BAD_USER_INPUT', /input\.variables\.product/],
      [{ prompt: '   ', input: 'Hi' }, 'BAD_USER_INPUT', /input\.prompt/],
      [{ prompt: 'plain', input: 'Hi', label: 'Not A Label' }, 'BAD_USER_INPUT', /input\.label/],
      [{ prompt: 'plain', input: 'Hi', version: 0 }, 'BAD_USER_INPUT', /input\.version/],
      [{ prompt: 'plain', input: 'Hi', context: [{ id: 'a', text: 'x', score: 2 }] }, 'BAD_USER_INPUT', /input\.context\.0\.score/],
      [{ prompt: 'plain', input: 'Hi', messages: [{ role: 'SYSTEM', content: 'x' }] }, 'BAD_USER_INPUT', /messages/],
      [{ prompt: 'plain', input: 'Hi', variables: { a: 1 } }, 'BAD_USER_INPUT', /input\.variables\.a/],
      [{ prompt: 'ends-assistant' }, 'BAD_USER_INPUT', /input\.input/],
      [{ prompt: 'nope-prompt', input: 'Hi' }, 'NOT_FOUND', null],
      [{ prompt: 'plain', input: 'Hi', label: 'nolabel' }, 'NOT_FOUND', null],
      [{ prompt: 'plain', input: 'Hi', version: 99 }, 'NOT_FOUND', null],
    ];
    for (const [i, code, msg] of cases) {
      // explainRoute shows routing conditions: config readers (ADMIN here), not apps.
      const r = await t.gql(EXPLAIN, { i });
      expect({ i, code: r.errors?.[0]?.extensions?.code }).toEqual({ i, code });
      if (msg) expect(r.errors![0]!.message).toMatch(msg);
    }
  });

  it('explainRoute routes a long history the way generate does (generate routes on the trimmed history, explainRoute on the untrimmed one)', async () => {
    await prompt('routed-hist', { system: 'Be brief.', modelId: LITE });
    await must(
      `mutation { createRoutingRule(input: { name: "edge-long-hist", priority: 3, condition: { prompts: ["routed-hist"], minInputTokens: 500 }, targetModelId: "amazon.nova-pro-v1:0" }) { id } }`,
    );
    const req = { prompt: 'routed-hist', messages: longHistory('route'), sessionId: 'route-1', input: 'Where are we?\n#reply: Here.', cache: 'BYPASS' };
    const explained = (await must(EXPLAIN, { i: req })).explainRoute;
    const served = await once(app1, req);
    expect(served.status).toBe('COMPLETED');
    expect({ modelId: explained.modelId, rule: explained.rule?.name ?? null }).toEqual({ modelId: served.modelId, rule: served.routedBy });
  });

  it('every request writes a trace: a generateOnce refused by input validation (BAD_USER_INPUT) is traced as FAILED', async () => {
    const key = await t.keyFor('APP', 'edge-validation');
    const count = async () => {
      await t.app.services.traces.writer.flush();
      return (await must('{ traces(filter: { apiKey: "edge-validation" }, first: 100) { edges { node { id status } } } }')).traces.edges.length;
    };
    expect(await count()).toBe(0);
    const r = await t.gql(ONCE, { i: { prompt: 'plain', input: 'Hi', maxOutputTokens: -5 } }, key);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count()).toBe(1);
  });

  // ---- history summary ------------------------------------------------------------------------

  it('two concurrent requests of one session over a long history buy one summary, not two', async () => {
    const history = longHistory('concurrent');
    const [a, b] = await Promise.all([
      once(app1, { prompt: 'plain', messages: history, sessionId: 'conc-1', input: 'First?\n#reply: A.', cache: 'BYPASS' }),
      once(app1, { prompt: 'plain', messages: history, sessionId: 'conc-1', input: 'Second?\n#reply: B.', cache: 'BYPASS' }),
    ]);
    expect(a.status).toBe('COMPLETED');
    expect(b.status).toBe('COMPLETED');
    const attrs = [await trace(a.traceId), await trace(b.traceId)].map((tr) => span(tr, 'prompt_assembly').attributes);
    expect(attrs.every((x) => x.historySummarized > 0)).toBe(true);
    const bought = attrs.filter((x) => x.historySummaryUsage).length;
    expect(bought).toBe(1);
  });

  it('a response-cache hit over a long history buys no summary (a hit costs 0 and nothing is spent off the books)', async () => {
    const history = longHistory('cachedsum');
    const input = { prompt: 'plain', messages: history, input: 'Status?\n#reply: All good.' };
    const first = await stored(() => once(app1, { ...input, sessionId: 'cs-1' }));
    expect(first).toMatchObject({ status: 'COMPLETED', cached: false });
    expect(first.costByStage.history).toBeGreaterThan(0);
    // Same conversation from another tab (another session id): the answer is a cache hit.
    const hit = await once(app1, { ...input, sessionId: 'cs-2' });
    expect(hit).toMatchObject({ status: 'COMPLETED', cached: true, costUsd: 0 });
    const tr = await trace(hit.traceId);
    expect(micros(tr.costUsd)).toBe(summaryMicros(tr));
  });

  it('stage costs add up exactly (in micro-USD) to the total, summary included, and stage tokens to the billed input', async () => {
    const r = await once(app1, {
      prompt: 'tmpl',
      variables: { product: 'Gadget' },
      messages: longHistory('sum'),
      sessionId: 'sum-1',
      context: [{ id: 'k', text: 'The gadget has a two year warranty.', score: 0.8 }],
      input: 'Warranty?\n#reply: Two years.',
      cache: 'BYPASS',
    });
    expect(r.status).toBe('COMPLETED');
    const sum = Object.values(r.costByStage as Record<string, number>).reduce((a, b) => a + micros(b), 0);
    expect(sum).toBe(micros(r.costUsd));
    const s = r.usage.byStage;
    expect(s.system + s.context + s.history + s.input).toBe(r.usage.inputTokens);
    const tr = await trace(r.traceId);
    expect(micros(tr.costUsd)).toBe(micros(r.costUsd));
    const tsum = Object.values(tr.costByStage as Record<string, number>).reduce((a, b) => a + micros(b), 0);
    expect(tsum).toBe(micros(tr.costUsd));
    expect(summaryMicros(tr)).toBeGreaterThan(0);
    expect(micros(r.costByStage.history)).toBeGreaterThanOrEqual(summaryMicros(tr));
  });

  // ---- generateOnce vs the stream; statuses --------------------------------------------------

  it('generateOnce returns what the stream sends: text, model, version, usage, cost, stop reason, guardrail events', async () => {
    await prompt('twin', { system: 'Be brief.', modelId: LITE });
    await policy({ name: 'edge-twin-anon', prompts: ['twin'], appliesTo: ['INPUT'], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } });
    const input = { prompt: 'twin', input: 'I am x@y.example\n#reply: Noted, thanks.\n#chunk-chars: 3', cache: 'BYPASS' };
    const events = await run(app1, input);
    const r = await once(app1, input);
    const started = events.find((e) => e.__typename === 'GenerationStarted')!;
    const done = events.at(-1)!;
    expect(r).toMatchObject({
      status: 'COMPLETED',
      text: textOf(events),
      modelId: started.modelId,
      promptVersion: started.promptVersion,
      routedBy: started.routedBy,
      stopReason: done.stopReason,
      cached: false,
      costUsd: done.costUsd,
      usage: done.usage,
      costByStage: done.costByStage,
      error: null,
    });
    const streamed = events.filter((e) => e.__typename === 'GuardrailIntervened').map(({ __typename, ...g }) => ({ ...g, findings: g.findings.map(({ start, end, ...f }: Ev) => f) }));
    expect(r.guardrailEvents).toEqual(streamed);
    expect(r.guardrailEvents[0]).toMatchObject({ direction: 'INPUT', action: 'ANONYMIZED', policy: 'edge-twin-anon' });
    // The cached answer through generateOnce is the stream's cached answer.
    const cachedInput = { prompt: 'twin', input: 'Cache this twin.\n#reply: Twin answer.' };
    await stored(() => once(app1, cachedInput));
    const hitStream = await run(app1, cachedInput);
    const hitOnce = await once(app1, cachedInput);
    expect(hitStream.at(-1)).toMatchObject({ cached: true, costUsd: 0 });
    expect(hitOnce).toMatchObject({ cached: true, costUsd: 0, text: textOf(hitStream), stopReason: hitStream.at(-1)!.stopReason });
  });

  it('generateOnce maps every failure code to its status, and each failure writes a trace with that status', async () => {
    await prompt('statuses', { system: 'Be brief.', modelId: LITE });
    await policy({ name: 'edge-status-block', prompts: ['statuses'], appliesTo: ['INPUT'], wordFilters: { words: ['verboten'] } });
    await must('mutation($b: BudgetInput!) { createBudget(input: $b) { id } }', {
      b: { name: 'edge-poor-user', scope: 'USER', scopeValue: 'poor-user', period: 'DAILY', limitUsd: 0.000001, onExceed: 'BLOCK' },
    });
    const cases: Array<[Record<string, unknown>, string, string | null]> = [
      [{ input: 'fine\n#reply: ok' }, 'COMPLETED', null],
      [{ input: 'verboten\n#reply: ok' }, 'BLOCKED', 'GUARDRAIL_BLOCKED'],
      [{ input: 'fine\n#reply: ok', user: 'poor-user' }, 'BLOCKED', 'BUDGET_EXCEEDED'],
      [{ input: 'fine\n#error: ValidationException' }, 'FAILED', 'PROVIDER_ERROR'],
      [{ input: 'fine\n#error: ThrottlingException' }, 'FAILED', 'PROVIDER_ERROR'],
      [{ input: 'fine', modelId: 'acme.nope-v1' }, 'FAILED', 'BAD_USER_INPUT'],
      [{ prompt: 'statuses-missing', input: 'fine' }, 'FAILED', 'NOT_FOUND'],
      [{ input: 'fine', label: 'nolabel' }, 'FAILED', 'NOT_FOUND'],
    ];
    for (const [extra, status, code] of cases) {
      const r = await once(app1, { prompt: 'statuses', cache: 'BYPASS', ...extra });
      expect({ extra, status: r.status, code: r.error?.code ?? null }).toEqual({ extra, status, code });
      const traceId = r.traceId ?? r.error?.traceId;
      expect(traceId).toBeTruthy();
      const tr = await trace(traceId);
      expect({ extra, status: tr.status }).toEqual({ extra, status });
      if (code) {
        expect(r.text).toBe('');
        expect(r.error.traceId).toBe(traceId);
        expect(tr.costUsd).toBe(0);
      }
    }
    // Nothing held on the budget after the refusal.
    const b = (await must('{ budgets { name spentUsd reservedUsd } }')).budgets.find((x: Ev) => x.name === 'edge-poor-user');
    expect(b).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });
});
