import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { countTokens } from '../../src/providers/tokens';
import { resolveModel } from '../../src/providers/catalog';

const EVENTS = `
  __typename
  ... on GenerationStarted { traceId modelId promptVersion label routedBy cached }
  ... on TextDelta { text index }
  ... on GuardrailIntervened { direction action policy findings { kind name action match source } }
  ... on GenerationCompleted { traceId stopReason costUsd cached latencyMs ttftMs
      usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
      costByStage { system context history input output cacheRead cacheWrite } }
  ... on GenerationFailed { failedTraceId: traceId code message }`;
const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { ${EVENTS} } }`;
const TRACE = `query($id: ID!) { trace(id: $id) { id status stopReason cached modelId routedBy prompt promptVersion label apiKey user output costUsd
  request assembledPrompt guardrailEvents latencyMs ttftMs
  usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
  costByStage { system context history input output cacheRead cacheWrite }
  spans { name durationMs attributes } } }`;

type Ev = Record<string, any>;

async function prompt(t: TestApp, name: string, version: { system?: string; messages?: Array<{ role: string; content: string }>; modelId?: string; params?: Record<string, unknown> }) {
  const must = async (q: string, v: Record<string, unknown>) => {
    const r = await t.gql(q, v);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  };
  await must('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
  await must('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: name, ...version } });
  await must('mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name });
}

describe('generate: the streaming pipeline end to end (graphql-ws, real SDK client, emulator)', () => {
  let t: TestApp;
  let app1: string;
  let app2: string;

  beforeAll(async () => {
    t = await startTestApp({ HISTORY_TOKEN_BUDGET: '200', HISTORY_KEEP_TURNS: '2' });
    app1 = await t.keyFor('APP', 'frontend-1');
    app2 = await t.keyFor('APP', 'frontend-2');
    await prompt(t, 'support', { system: 'You are a helpful support agent for {{product}}.', modelId: 'amazon.nova-lite-v1:0' });
  });
  afterAll(() => t?.close());

  async function run(key: string, input: Record<string, unknown>): Promise<Ev[]> {
    const results = await wsCollect(t.ws(key), SUB, { i: input });
    for (const r of results) if (r.errors) throw new Error(JSON.stringify(r.errors));
    return results.map((r) => r.data!.generate as Ev);
  }
  async function trace(id: string): Promise<Ev> {
    await t.app.services.traces.writer.flush();
    const r = await t.gql(TRACE, { id });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.trace;
  }

  it('streams deltas in order between GenerationStarted and GenerationCompleted, and traces the request', async () => {
    const reply = 'Hello! Our widget supports bluetooth and wifi, and it ships worldwide.';
    const events = await run(app1, { prompt: 'support', variables: { product: 'Widget' }, input: `Does it have wifi?\n#reply: ${reply}\n#chunk-chars: 5\n#interval-ms: 3`, user: 'u1' });
    expect(events[0]).toMatchObject({ __typename: 'GenerationStarted', modelId: 'amazon.nova-lite-v1:0', promptVersion: 1, label: 'production', cached: false });
    const deltas = events.filter((e) => e.__typename === 'TextDelta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((d) => d.index)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((d) => d.text).join('')).toBe(reply);
    const done = events[events.length - 1]!;
    expect(done.__typename).toBe('GenerationCompleted');
    expect(done.stopReason).toBe('end_turn');
    expect(done.usage.outputTokens).toBe(countTokens(reply));

    // Stage costs add up to the total, and the stage tokens add up to the billed input.
    const stageSum = Object.values(done.costByStage as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(stageSum).toBeCloseTo(done.costUsd, 9);
    const b = done.usage.byStage;
    expect(b.system + b.context + b.history + b.input).toBe(done.usage.inputTokens);
    expect(b.system).toBeGreaterThan(0);
    expect(b.input).toBeGreaterThan(0);
    const prices = resolveModel('amazon.nova-lite-v1:0')!.prices;
    const expected = (done.usage.inputTokens * prices.input + done.usage.outputTokens * prices.output) / 1e6;
    expect(done.costUsd).toBeCloseTo(expected, 6);

    const tr = await trace(done.traceId);
    expect(tr).toMatchObject({ status: 'COMPLETED', cached: false, prompt: 'support', promptVersion: 1, label: 'production', apiKey: 'frontend-1', user: 'u1', output: reply });
    expect(tr.costUsd).toBeCloseTo(done.costUsd, 9);
    expect(tr.assembledPrompt.system[0].text).toBe('You are a helpful support agent for Widget.');
    expect(tr.assembledPrompt.messages[0].content[0].text).toContain('Does it have wifi?');
    const spanNames = tr.spans.map((s: Ev) => s.name);
    for (const n of ['prompt_assembly', 'guardrail_input', 'routing', 'cache_lookup', 'budget_reserve', 'model_call', 'budget_settle']) expect(spanNames).toContain(n);

    // generateOnce answers the same as one result.
    const once = await t.gql(
      `mutation($i: GenerateInput!) { generateOnce(input: $i) { status text modelId cached costUsd usage { outputTokens } error { code } } }`,
      { i: { prompt: 'support', variables: { product: 'Widget' }, input: `Does it have wifi?\n#reply: ${reply}`, cache: 'BYPASS' } },
      app1,
    );
    expect(once.errors).toBeUndefined();
    expect(once.data!.generateOnce).toMatchObject({ status: 'COMPLETED', text: reply, modelId: 'amazon.nova-lite-v1:0', cached: false, error: null });
  });

  it('answers a repeat from the response cache at no cost, but never across API keys', async () => {
    const input = { prompt: 'support', variables: { product: 'Widget' }, input: 'What colours are there?\n#reply: Red, green and blue.' };
    const first = await run(app1, input);
    expect(first.at(-1)).toMatchObject({ __typename: 'GenerationCompleted', cached: false });
    const again = await run(app1, { ...input, input: 'What colours  are there?\n#reply: Red, green and blue.' });
    expect(again[0]).toMatchObject({ __typename: 'GenerationStarted', cached: true });
    const hit = again.at(-1)!;
    expect(hit).toMatchObject({ __typename: 'GenerationCompleted', cached: true, costUsd: 0 });
    expect(
      again
        .filter((e) => e.__typename === 'TextDelta')
        .map((e) => e.text)
        .join(''),
    ).toBe('Red, green and blue.');
    const tr = await trace(hit.traceId);
    expect(tr).toMatchObject({ cached: true, costUsd: 0, status: 'COMPLETED' });
    expect(tr.spans.find((s: Ev) => s.name === 'cache_lookup').attributes).toMatchObject({ hit: true, kind: 'exact' });

    const other = await run(app2, input);
    expect(other.at(-1)).toMatchObject({ __typename: 'GenerationCompleted', cached: false });
    expect(other.at(-1)!.costUsd).toBeGreaterThan(0);
  });

  it('routes a long input to a larger model by rule, and explainRoute says why', async () => {
    const rule = await t.gql(`mutation { createRoutingRule(input: { name: "long-inputs", priority: 10, condition: { minInputTokens: 300 }, targetModelId: "amazon.nova-pro-v1:0" }) { id } }`);
    expect(rule.errors).toBeUndefined();
    const long = `Please review this text. ${'The quick brown fox jumps over the lazy dog. '.repeat(40)}\n#reply: Reviewed.`;
    const explain = await t.gql(
      `query($i: GenerateInput!) { explainRoute(input: $i) { modelId reason inputTokens complexity rule { name } } }`,
      // ADMIN: explainRoute shows routing conditions, which apps may not read.
      { i: { prompt: 'support', variables: { product: 'Widget' }, input: long } },
    );
    expect(explain.errors).toBeUndefined();
    expect(explain.data!.explainRoute).toMatchObject({ modelId: 'amazon.nova-pro-v1:0', rule: { name: 'long-inputs' } });
    expect(explain.data!.explainRoute.reason).toMatch(/long-inputs.*minInputTokens 300/);
    const events = await run(app1, { prompt: 'support', variables: { product: 'Widget' }, input: long });
    expect(events[0]).toMatchObject({ modelId: 'amazon.nova-pro-v1:0', routedBy: 'long-inputs' });
    const short = await run(app1, { prompt: 'support', variables: { product: 'Widget' }, input: 'Hi\n#reply: Hello.' });
    expect(short[0]).toMatchObject({ modelId: 'amazon.nova-lite-v1:0', routedBy: null });
    await t.gql(`mutation($id: ID!) { deleteRoutingRule(id: $id) }`, { id: rule.data!.createRoutingRule.id });
  });

  it('falls back to the next model when the routed one is throttled', async () => {
    await prompt(t, 'fallback', { system: 'Be brief.' });
    const rule = await t.gql(
      `mutation { createRoutingRule(input: { name: "fb", priority: 1, condition: { prompts: ["fallback"] }, targetModelId: "amazon.nova-pro-v1:0", fallbackModelIds: ["amazon.nova-lite-v1:0"] }) { id } }`,
    );
    expect(rule.errors).toBeUndefined();
    const events = await run(app1, { prompt: 'fallback', input: 'Hi\n#error@amazon.nova-pro-v1:0: ThrottlingException\n#reply: From the fallback.' });
    const done = events.at(-1)!;
    expect(done.__typename).toBe('GenerationCompleted');
    expect(
      events
        .filter((e) => e.__typename === 'TextDelta')
        .map((e) => e.text)
        .join(''),
    ).toBe('From the fallback.');
    const tr = await trace(done.traceId);
    expect(tr.modelId).toBe('amazon.nova-lite-v1:0');
    const call = tr.spans.find((s: Ev) => s.name === 'model_call');
    expect(call.attributes.attempts).toEqual([{ modelId: 'amazon.nova-pro-v1:0', error: 'ThrottlingException' }]);

    // A non-retryable error does not fall back, and fails with PROVIDER_ERROR.
    const bad = await run(app1, { prompt: 'fallback', input: 'Hi\n#error@amazon.nova-pro-v1:0: ValidationException', cache: 'BYPASS' });
    expect(bad.at(-1)).toMatchObject({ __typename: 'GenerationFailed', code: 'PROVIDER_ERROR' });
    expect((await trace(bad.at(-1)!.failedTraceId)).status).toBe('FAILED');
  });

  it('trims long history into a summary made by the cheap model, and reuses it on the next turn', async () => {
    const turns = Array.from({ length: 12 }, (_, i) => ({
      role: i % 2 ? 'ASSISTANT' : 'USER',
      content: `Turn ${i}: ${'we talked about invoices and refunds at length '.repeat(3)}`,
    }));
    const events = await run(app1, { prompt: 'support', variables: { product: 'Widget' }, messages: turns, input: 'And now?\n#reply: Done.', sessionId: 's-1' });
    const done = events.at(-1)!;
    expect(done.__typename).toBe('GenerationCompleted');
    const tr = await trace(done.traceId);
    const assembly = tr.spans.find((s: Ev) => s.name === 'prompt_assembly').attributes;
    expect(assembly.historySummarized).toBeGreaterThan(0);
    expect(assembly.historyKept).toBeLessThan(12);
    expect(assembly.historySummaryReused).toBe(false);
    expect(assembly.historySummaryModel).toBe('amazon.nova-micro-v1:0');
    const sent = JSON.stringify(tr.assembledPrompt.messages);
    expect(sent).toContain('Summary of the earlier conversation');
    expect(sent).not.toContain('Turn 0:');
    expect(sent).toContain('Turn 11:');
    expect(done.costByStage.history).toBeGreaterThan(0);

    const next = [...turns, { role: 'USER', content: 'And now?' }, { role: 'ASSISTANT', content: 'Done.' }];
    const events2 = await run(app1, { prompt: 'support', variables: { product: 'Widget' }, messages: next, input: 'Thanks\n#reply: Welcome.', sessionId: 's-1' });
    const tr2 = await trace(events2.at(-1)!.traceId);
    expect(tr2.spans.find((s: Ev) => s.name === 'prompt_assembly').attributes.historySummaryReused).toBe(true);
  });

  it('places a cache point after a long system prompt and prices cache writes and reads', async () => {
    const model = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
    const info = resolveModel(model)!;
    const system = `You are a contract analyst. ${'Clause: the supplier shall deliver goods on time and in full. '.repeat(150)}`;
    expect(countTokens(system)).toBeGreaterThan(info.promptCaching!.minTokens);
    await prompt(t, 'contracts', { system, modelId: model });
    const first = (await run(app1, { prompt: 'contracts', input: 'Summarize.\n#reply: Deliver on time.', cache: 'BYPASS' })).at(-1)!;
    expect(first.__typename).toBe('GenerationCompleted');
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(first.costByStage.cacheWrite).toBeCloseTo((first.usage.cacheWriteTokens * info.prices.cacheWrite!) / 1e6, 6);
    const second = (await run(app1, { prompt: 'contracts', input: 'Summarize again.\n#reply: Deliver on time.', cache: 'BYPASS' })).at(-1)!;
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBe(0);
    expect(second.costByStage.cacheRead).toBeCloseTo((second.usage.cacheReadTokens * info.prices.cacheRead!) / 1e6, 6);
    expect(second.costByStage.system).toBe(0);
    expect(second.costUsd).toBeLessThan(first.costUsd);
    const tr = await trace(second.traceId);
    expect(tr.assembledPrompt.system).toEqual([{ text: system }, { cachePoint: true }]);
  });

  it('stops the model call when the client closes the subscription, and still charges and traces it', async () => {
    const client = t.ws(app1);
    const seen: Ev[] = [];
    await new Promise<void>((resolve, reject) => {
      const stop = client.subscribe(
        { query: SUB, variables: { i: { prompt: 'support', variables: { product: 'Widget' }, input: 'Tell me a long story.\n#tokens: 400\n#interval-ms: 20', cache: 'BYPASS' } } },
        {
          next: (r) => {
            const ev = r.data?.generate as Ev;
            seen.push(ev);
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
    const traceId = seen[0]!.traceId as string;
    let tr: Ev | null = null;
    for (let i = 0; i < 50 && !tr; i++) {
      await new Promise((r) => setTimeout(r, 100));
      tr = await trace(traceId);
    }
    expect(tr).toMatchObject({ status: 'FAILED', stopReason: 'client_disconnected' });
    expect(tr!.costUsd).toBeGreaterThan(0);
    expect(tr!.usage.outputTokens).toBeGreaterThan(0);
    // 400 tokens at 20 ms each would take 8 s; the call stopped long before that.
    expect(tr!.latencyMs).toBeLessThan(4000);
    expect(tr!.usage.outputTokens).toBeLessThan(400);
    expect(tr!.spans.map((s: Ev) => s.name)).toContain('budget_settle');
  });

  it('fails with BAD_USER_INPUT for a missing variable and NOT_FOUND for an unknown prompt, each traced', async () => {
    const missing = await run(app1, { prompt: 'support', input: 'Hi' });
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ __typename: 'GenerationFailed', code: 'BAD_USER_INPUT' });
    expect(missing[0]!.message).toMatch(/input\.variables\.product/);
    expect((await trace(missing[0]!.failedTraceId)).status).toBe('FAILED');
    const unknown = await run(app1, { prompt: 'nope', input: 'Hi' });
    expect(unknown[0]).toMatchObject({ __typename: 'GenerationFailed', code: 'NOT_FOUND' });
    const badField = await wsCollect(t.ws(app1), SUB, { i: { prompt: 'support', input: 'x', maxOutputTokens: -5 } });
    expect(badField[0]!.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(badField[0]!.errors?.[0]?.message).toMatch(/input\.maxOutputTokens/);
  });

  it('lets only APP and ADMIN keys generate', async () => {
    for (const role of ['ANALYST', 'CI'] as const) {
      const key = await t.keyFor(role);
      const r = await wsCollect(t.ws(key), SUB, { i: { prompt: 'support', variables: { product: 'W' }, input: 'Hi' } });
      expect(r[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const once = await t.gql(`mutation { generateOnce(input: { prompt: "support", input: "Hi" }) { status } }`, {}, key);
      expect(once.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
