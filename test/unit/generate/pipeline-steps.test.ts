import { GENERATE_STEPS, GenerationPipeline, type GenerateEventData, type GenerateRequest, type PipelineDeps } from '../../../src/generate';
import { CacheMode } from '../../../src/generate/generate.inputs';
import { ProviderError, resolveModel, type ConverseRequest, type StreamEvent } from '../../../src/providers';
import type { ActivePolicy, InputScreening, ScreenedText } from '../../../src/guardrails';
import type { AdmitResult, BudgetData, Reservation } from '../../../src/budgets';
import type { TraceRecord } from '../../../src/traces';
import { sanitizeForStorage } from '../../../src/traces/trace-sanitize';
import { performance } from 'node:perf_hooks';

/**
 * The pipeline's order and failure paths with plain fakes for every feature service: no database,
 * no server, no emulator. Each fake logs its calls, so a test reads as "what was called, in order".
 */

const BIG = 'anthropic.claude-sonnet-4-20250514-v1:0';
const SMALL = 'amazon.nova-micro-v1:0';

const version = {
  promptId: 'p1',
  prompt: 'support',
  shareable: false,
  versionId: 'v1',
  number: 3,
  label: 'production',
  system: 'Be terse.',
  messages: [],
  variables: [],
  modelId: null,
  params: null,
};

const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  prompt: 'support',
  label: null,
  version: null,
  variables: {},
  messages: [],
  input: 'Where is my order?',
  context: [],
  user: null,
  sessionId: null,
  maxOutputTokens: null,
  modelId: null,
  tags: [],
  cache: CacheMode.DEFAULT,
  ...over,
});

const policy = (name: string): ActivePolicy => ({ id: `id-${name}`, name, blockedMessage: `blocked by ${name}`, onContextInjection: 'DROP', compiled: {} as ActivePolicy['compiled'] });

const budget = (name: string, over: Partial<BudgetData> = {}) => ({ id: `b-${name}`, name, onExceed: 'BLOCK', downgradeModelId: null, ...over }) as BudgetData;

const reservation = (requestId: string, budgetIds: string[]): Reservation => ({
  requestId,
  amountMicros: 1,
  expiresAt: new Date(Date.now() + 60_000),
  holds: budgetIds.map((budgetId, i) => ({ holdId: `h${i}`, budgetId, budgetName: budgetId, budgetPeriodId: `p${i}`, periodStart: new Date(0) })),
  leased: [],
});

async function* reply(text: string): AsyncGenerator<StreamEvent> {
  for (const piece of text.split(/(?<= )/)) yield { type: 'text', text: piece };
  yield { type: 'stop', stopReason: 'end_turn' };
  yield { type: 'usage', usage: { inputTokens: 10, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 } };
}

interface Fakes {
  log: string[];
  traces: TraceRecord[];
  deps: PipelineDeps;
  /** What each fake does; a test replaces the ones it cares about. */
  screen: (policies: readonly ActivePolicy[], texts: readonly ScreenedText[]) => InputScreening;
  admit: (costOf: (modelId: string, candidates: readonly string[]) => number, requestId: string, fallbacks: readonly string[]) => AdmitResult;
  stream: (req: ConverseRequest, signal?: AbortSignal) => AsyncGenerator<StreamEvent>;
  route: { modelId: string; fallbackModelIds: string[] };
  inputPolicies: ActivePolicy[];
  outputPolicies: ActivePolicy[];
}

function fakes(): Fakes {
  const f: Fakes = {
    log: [],
    traces: [],
    inputPolicies: [],
    outputPolicies: [],
    route: { modelId: BIG, fallbackModelIds: [] },
    screen: (_policies, texts) => ({ texts: texts.map((t) => t.text), checks: [], blocked: null }),
    admit: (costOf, requestId) => {
      const amountMicros = costOf(BIG, [BIG]);
      return {
        ok: true,
        reservation: reservation(requestId, ['b-all']),
        modelId: BIG,
        downgradedFrom: null,
        downgradedBy: null,
        attempts: [{ modelId: BIG, budgets: [budget('all')], amountMicros, refusal: null }],
      };
    },
    stream: () => reply('Your order ships today.'),
    deps: undefined as unknown as PipelineDeps,
  };
  f.deps = {
    config: {
      defaultModelId: BIG,
      defaultMaxOutputTokens: 512,
      historyTokenBudget: 4000,
      historyKeepTurns: 4,
      summaryModelId: SMALL,
      contextTokenBudget: 4000,
      contextMinScore: 0,
      responseCacheTtlMs: 0,
      responseCacheSimilarity: 1,
      responseCacheMaxEntries: 0,
      budgetHoldTtlMs: 60_000,
      traceRawPii: false,
    },
    prompts: {
      resolveVersion: async () => {
        f.log.push('prompts.resolveVersion');
        return version;
      },
    },
    routing: {
      route: async (req) => {
        f.log.push('routing.route');
        return { ...f.route, rule: null, reason: 'default', inputTokens: req.inputTokens, complexity: 0 };
      },
    },
    guardrails: {
      policiesFor: async (_prompt, direction) => {
        f.log.push(`guardrails.policiesFor:${direction}`);
        return direction === 'INPUT' ? f.inputPolicies : f.outputPolicies;
      },
      screenInput: async (policies, texts) => {
        f.log.push('guardrails.screenInput');
        return f.screen(policies, texts);
      },
      createOutputScanner: () => {
        f.log.push('guardrails.createOutputScanner');
        return { push: (delta: string) => ({ release: delta, findings: [] }), end: () => ({ release: '', findings: [] }), blockedBy: undefined };
      },
      screenOutput: async (policies, text) => {
        f.log.push(`guardrails.screenOutput:${text}`);
        const finding = { kind: 'PII' as const, name: 'DATE', action: 'ANONYMIZED' as const, start: text.indexOf('today'), end: text.indexOf('today') + 5 };
        return { release: text.replace('today', '[DATE]'), findings: policies.map((policy) => ({ policy, finding })) };
      },
    },
    budgets: {
      admit: async (req, costOf) => {
        f.log.push('budgets.admit');
        return f.admit(costOf, req.requestId, req.fallbackModelIds ?? []);
      },
      coveringBudgets: async (req) => {
        f.log.push(`budgets.coveringBudgets:${req.modelId}`);
        return [budget(`for-${req.modelId}`)];
      },
      settle: async (_r, micros, served) => {
        f.log.push(`budgets.settle:${micros > 0 ? 'cost' : 'zero'}${served ? `:served=${served.join(',')}` : ''}`);
      },
      release: async () => {
        f.log.push('budgets.release');
      },
      extend: async () => undefined,
    },
    models: {
      provider: {
        stream: (req, opts) => {
          f.log.push(`provider.stream:${req.modelId}`);
          return f.stream(req, opts?.signal);
        },
      },
      pricing: { modelInfo: (id) => resolveModel(id), pricesFor: (id) => resolveModel(id)?.prices },
    },
    traces: { enqueue: (t) => void f.traces.push(t) },
    cache: {
      lookup: async () => {
        f.log.push('cache.lookup');
        return null;
      },
      store: async () => {
        f.log.push('cache.store');
      },
    },
    history: {
      plan: (history) => ({ kept: history, summarizedTurns: 0, summary: null, pending: null, summaryTokens: 0 }),
      summarize: async () => {
        throw new Error('no summary in these tests');
      },
    },
  };
  return f;
}

async function collect(stream: AsyncGenerator<GenerateEventData>): Promise<GenerateEventData[]> {
  const out: GenerateEventData[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

const kinds = (events: GenerateEventData[]) => events.map((e) => e.__typename);

describe('generate pipeline: steps in order', () => {
  it('lists its steps in the documented order', () => {
    expect(GENERATE_STEPS.map((s) => s.name)).toEqual([
      'resolvePrompt',
      'refuseBlankText',
      'rightSizeContext',
      'screenInput',
      'assemblePrompt',
      'routeRequest',
      'pickModel',
      'lookupCache',
      'summarizeHistory',
      'fitModel',
      'stopIfClientGone',
      'admitBudget',
      'announceStart',
      'callModel',
      'settleBudget',
      'respond',
    ]);
  });

  it('runs a request through every feature in order and writes one COMPLETED trace', async () => {
    const f = fakes();
    f.inputPolicies = [policy('pii')];
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(kinds(events)).toEqual(['GenerationStarted', 'TextDelta', 'TextDelta', 'TextDelta', 'TextDelta', 'GenerationCompleted']);
    expect(f.log).toEqual([
      'prompts.resolveVersion',
      'guardrails.policiesFor:INPUT',
      'guardrails.screenInput',
      'routing.route',
      'cache.lookup',
      'budgets.admit',
      'guardrails.policiesFor:OUTPUT',
      `provider.stream:${BIG}`,
      'budgets.settle:cost',
      'cache.store',
    ]);
    expect(f.traces).toHaveLength(1);
    expect(f.traces[0]).toMatchObject({ status: 'COMPLETED', modelId: BIG, output: 'Your order ships today.', prompt: 'support', promptVersion: 3 });
    expect(f.traces[0]!.spans!.map((s) => s.name)).toEqual(['guardrail_input', 'prompt_assembly', 'routing', 'cache_lookup', 'budget_reserve', 'model_call', 'budget_settle']);
  });

  it('hands the trace writer a record it stores as is: the storability check copies nothing', async () => {
    const f = fakes();
    const context = [{ id: 'doc-1', text: 'Orders ship from Lyon.', score: 0.9, source: null }];
    // The graphql_request span has no attributes, as a request that arrived over HTTP or graphql-ws.
    await collect(new GenerationPipeline(f.deps).run(request({ context }), { apiKeyId: 'k1', apiKeyName: 'app', receivedAt: performance.now() - 1 }));
    const record = f.traces[0]!;
    expect(record.spans![0]).toMatchObject({ name: 'graphql_request' });
    expect('attributes' in record.spans![0]!).toBe(false);
    // A copy would cost a walk over the whole record (its request and assembled prompt) per request.
    expect(sanitizeForStorage(record)).toBe(record);
  });

  it('explains a route with the steps up to routing: no screening, no budget, no model, no trace', async () => {
    const f = fakes();
    f.inputPolicies = [policy('pii')];
    const decision = await new GenerationPipeline(f.deps).explain(request(), { apiKeyId: 'k1', apiKeyName: 'app' });
    expect(decision).toMatchObject({ modelId: BIG, reason: 'default' });
    expect(f.log).toEqual(['prompts.resolveVersion', 'routing.route']);
    expect(f.traces).toHaveLength(0);
  });
});

describe('generate pipeline: failure paths', () => {
  it('a blocked input ends the request before routing: the block event, GenerationFailed, a BLOCKED trace', async () => {
    const f = fakes();
    const p = policy('no-secrets');
    f.inputPolicies = [p];
    f.screen = (_policies, texts) => {
      const check = { policy: p, index: 0, verdict: { action: 'BLOCKED' as const, text: texts[0]!.text, findings: [] }, dropped: false };
      return { texts: texts.map((t) => t.text), checks: [check], blocked: check };
    };
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(kinds(events)).toEqual(['GuardrailIntervened', 'GenerationFailed']);
    expect(events[1]).toMatchObject({ code: 'GUARDRAIL_BLOCKED', message: 'blocked by no-secrets' });
    expect(f.log).toEqual(['prompts.resolveVersion', 'guardrails.policiesFor:INPUT', 'guardrails.screenInput']);
    expect(f.traces[0]).toMatchObject({ status: 'BLOCKED', errorCode: 'GUARDRAIL_BLOCKED' });
    expect(f.traces[0]!.guardrailEvents).toEqual([{ direction: 'INPUT', action: 'BLOCKED', policy: 'no-secrets', findings: [] }]);
  });

  it('a budget refusal ends the request before the model call, with nothing to release', async () => {
    const f = fakes();
    f.admit = (costOf) => {
      const amountMicros = costOf(BIG, [BIG]);
      const refusal = { ok: false as const, budget: budget('cap'), remainingMicros: 0, message: 'budget "cap" is exhausted' };
      return { ...refusal, modelId: BIG, attempts: [{ modelId: BIG, budgets: [budget('cap')], amountMicros, refusal }] };
    };
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(kinds(events)).toEqual(['GenerationFailed']);
    expect(events[0]).toMatchObject({ code: 'BUDGET_EXCEEDED', message: 'budget "cap" is exhausted' });
    expect(f.log).not.toContain('budgets.release');
    expect(f.log.some((l) => l.startsWith('provider.stream'))).toBe(false);
    expect(f.traces[0]).toMatchObject({ status: 'BLOCKED', errorCode: 'BUDGET_EXCEEDED' });
    expect(f.traces[0]!.spans!.find((s) => s.name === 'budget_reserve')!.attributes!).toMatchObject({ budgets: ['cap'] });
  });

  it("a DOWNGRADE admission retargets the request to the budget's model, assembled and capped for it", async () => {
    const f = fakes();
    f.admit = (costOf, requestId) => {
      const big = costOf(BIG, [BIG]);
      const small = costOf(SMALL, [SMALL]);
      expect(small).toBeLessThan(big);
      const cap = budget('cap', { onExceed: 'DOWNGRADE', downgradeModelId: SMALL } as Partial<BudgetData>);
      const refusal = { ok: false as const, budget: cap, remainingMicros: 0, message: 'over' };
      return {
        ok: true,
        reservation: reservation(requestId, ['b-cap']),
        modelId: SMALL,
        downgradedFrom: BIG,
        downgradedBy: cap,
        attempts: [
          { modelId: BIG, budgets: [cap], amountMicros: big, refusal },
          { modelId: SMALL, budgets: [cap], amountMicros: small, refusal: null },
        ],
      };
    };
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(events[0]).toMatchObject({ __typename: 'GenerationStarted', modelId: SMALL, routedBy: 'budget:cap' });
    expect(f.log).toContain(`provider.stream:${SMALL}`);
    expect(f.traces[0]).toMatchObject({ status: 'COMPLETED', modelId: SMALL, routedBy: 'budget:cap' });
    expect(f.traces[0]!.spans!.find((s) => s.name === 'budget_reserve')!.attributes!).toMatchObject({ downgradedFrom: BIG, downgradedTo: SMALL, downgradeBudget: 'cap' });
  });

  it('falls back to the next model on a retryable error before any text, and charges only the budgets covering the model that served', async () => {
    const f = fakes();
    f.route = { modelId: BIG, fallbackModelIds: [SMALL] };
    let fallbacksAsked: readonly string[] = [];
    f.admit = (costOf, requestId, fallbacks) => {
      fallbacksAsked = fallbacks;
      const amountMicros = costOf(BIG, [BIG, ...fallbacks]);
      return {
        ok: true,
        reservation: reservation(requestId, ['b-a', 'b-b']),
        modelId: BIG,
        downgradedFrom: null,
        downgradedBy: null,
        attempts: [{ modelId: BIG, budgets: [], amountMicros, refusal: null }],
      };
    };
    f.stream = (req) =>
      req.modelId === BIG
        ? // eslint-disable-next-line require-yield -- a stream that fails before its first event
          (async function* (): AsyncGenerator<StreamEvent> {
            throw new ProviderError('ThrottlingException', 'slow down', { retryable: true });
          })()
        : reply('From the fallback.');
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(fallbacksAsked).toEqual([SMALL]);
    expect(kinds(events).at(-1)).toBe('GenerationCompleted');
    expect(events.at(-1)).toMatchObject({ modelId: SMALL });
    expect(f.log).toEqual(expect.arrayContaining([`provider.stream:${BIG}`, `provider.stream:${SMALL}`, `budgets.coveringBudgets:${SMALL}`, `budgets.settle:cost:served=b-for-${SMALL}`]));
    expect(f.traces[0]!.spans!.find((s) => s.name === 'model_call')!.attributes!).toMatchObject({ modelId: SMALL, attempts: [{ modelId: BIG, error: 'ThrottlingException' }] });
  });

  it('a client gone before the model call: nothing reserved or called, a CANCELLED trace, no event', async () => {
    const f = fakes();
    const gone = new AbortController();
    gone.abort();
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }, gone.signal));
    expect(events).toEqual([]);
    expect(f.log).not.toContain('budgets.admit');
    expect(f.traces[0]).toMatchObject({ status: 'FAILED', errorCode: 'CANCELLED', stopReason: 'client_disconnected' });
  });

  it('a client gone while the model streams: the call stops, the partial cost is settled, a CANCELLED trace', async () => {
    const f = fakes();
    const gone = new AbortController();
    f.stream = (_req, signal) =>
      (async function* (): AsyncGenerator<StreamEvent> {
        yield { type: 'text', text: 'Partial ' };
        gone.abort();
        if (signal?.aborted) throw new ProviderError('AbortError', 'aborted');
        yield { type: 'text', text: 'never sent' };
      })();
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }, gone.signal));
    expect(kinds(events)).toEqual(['GenerationStarted', 'TextDelta']);
    expect(f.log).toContain('budgets.settle:cost');
    expect(f.log).not.toContain('budgets.release');
    expect(f.traces[0]).toMatchObject({ status: 'FAILED', errorCode: 'CANCELLED', stopReason: 'client_disconnected', output: 'Partial ' });
  });

  it('an unexpected error after the reservation releases it, traces INTERNAL_ERROR and surfaces', async () => {
    const f = fakes();
    f.deps.guardrails.policiesFor = async (_prompt, direction) => {
      if (direction === 'OUTPUT') throw new Error('policy cache exploded');
      return [];
    };
    await expect(collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }))).rejects.toThrow('policy cache exploded');
    expect(f.log).toContain('budgets.release');
    expect(f.traces[0]).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL_ERROR' });
  });
});

describe('generate pipeline: a whole answer (generateOnce)', () => {
  it('calls the model once without streaming and sends the answer as one TextDelta; a streamed run of the same request streams', async () => {
    const f = fakes();
    f.deps.models.provider.complete = async (req) => {
      f.log.push(`provider.complete:${req.modelId}`);
      return { text: 'Your order ships today.', stopReason: 'end_turn', usage: { inputTokens: 10, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 } };
    };
    const whole = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }, undefined, { whole: true }));
    expect(kinds(whole)).toEqual(['GenerationStarted', 'TextDelta', 'GenerationCompleted']);
    expect(whole[1]).toEqual({ __typename: 'TextDelta', text: 'Your order ships today.', index: 0 });
    expect(f.log.filter((l) => l.startsWith('provider.'))).toEqual([`provider.complete:${BIG}`]);
    expect(f.traces[0]).toMatchObject({ status: 'COMPLETED', output: 'Your order ships today.', usage: { outputTokens: 4 } });

    f.log.length = 0;
    const streamed = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(kinds(streamed).filter((k) => k === 'TextDelta').length).toBe(4);
    expect(f.log.filter((l) => l.startsWith('provider.'))).toEqual([`provider.stream:${BIG}`]);
  });

  it('falls back on a retryable error of the non-streamed call as a streamed one does', async () => {
    const f = fakes();
    f.route = { modelId: BIG, fallbackModelIds: [SMALL] };
    f.deps.models.provider.complete = async (req) => {
      f.log.push(`provider.complete:${req.modelId}`);
      if (req.modelId === BIG) throw new ProviderError('ThrottlingException', 'slow down', { retryable: true, status: 429 });
      return { text: 'From the fallback.', stopReason: 'end_turn', usage: { inputTokens: 10, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 } };
    };
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }, undefined, { whole: true }));
    expect(kinds(events)).toEqual(['GenerationStarted', 'TextDelta', 'GenerationCompleted']);
    expect(f.log.filter((l) => l.startsWith('provider.'))).toEqual([`provider.complete:${BIG}`, `provider.complete:${SMALL}`]);
    expect(events.at(-1)).toMatchObject({ modelId: SMALL });
  });

  it('screens the whole answer once with the OUTPUT policies (screenOutput), never through the stream scanner', async () => {
    const f = fakes();
    f.outputPolicies = [policy('pii-out')];
    f.deps.models.provider.complete = async () => ({ text: 'Your order ships today.', stopReason: 'end_turn', usage: { inputTokens: 10, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 } });
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }, undefined, { whole: true }));
    expect(kinds(events)).toEqual(['GenerationStarted', 'GuardrailIntervened', 'TextDelta', 'GenerationCompleted']);
    expect(events[1]).toMatchObject({ direction: 'OUTPUT', action: 'ANONYMIZED', policy: 'pii-out' });
    expect(events[2]).toEqual({ __typename: 'TextDelta', text: 'Your order ships [DATE].', index: 0 });
    expect(f.log.filter((l) => l.startsWith('guardrails.') && !l.startsWith('guardrails.policiesFor'))).toEqual(['guardrails.screenOutput:Your order ships today.']);
    expect(f.traces[0]).toMatchObject({ status: 'COMPLETED', output: 'Your order ships [DATE].' });

    // A provider without a non-streamed call streams, and the whole answer is still screened once.
    f.log.length = 0;
    delete f.deps.models.provider.complete;
    const streamedWhole = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }, undefined, { whole: true }));
    expect(kinds(streamedWhole).filter((k) => k === 'TextDelta').length).toBe(1);
    expect(f.log.filter((l) => l.startsWith('guardrails.') && !l.startsWith('guardrails.policiesFor'))).toEqual(['guardrails.screenOutput:Your order ships today.']);

    // A streamed run of the same request goes through the stream scanner, delta by delta.
    f.log.length = 0;
    await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(f.log.filter((l) => l.startsWith('guardrails.') && !l.startsWith('guardrails.policiesFor'))).toEqual(['guardrails.createOutputScanner']);
  });

  it('replays a cached answer whole, screened once by screenOutput, never through the stream scanner', async () => {
    const f = fakes();
    f.outputPolicies = [policy('pii-out')];
    f.deps.cache.lookup = async () => ({
      kind: 'exact',
      similarity: 1,
      answer: { text: 'Your order ships today.', deltas: ['Your ', 'order ', 'ships ', 'today.'], stopReason: 'end_turn', modelId: BIG, costMicros: 10, traceId: 't0' },
    });
    const events = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }, undefined, { whole: true }));
    expect(kinds(events)).toEqual(['GenerationStarted', 'GuardrailIntervened', 'TextDelta', 'GenerationCompleted']);
    expect(events[2]).toEqual({ __typename: 'TextDelta', text: 'Your order ships [DATE].', index: 0 });
    expect(f.log.filter((l) => l.startsWith('guardrails.') && !l.startsWith('guardrails.policiesFor'))).toEqual(['guardrails.screenOutput:Your order ships today.']);

    f.log.length = 0;
    const streamed = await collect(new GenerationPipeline(f.deps).run(request(), { apiKeyId: 'k1', apiKeyName: 'app' }));
    expect(kinds(streamed).filter((k) => k === 'TextDelta').length).toBe(4);
    expect(f.log.filter((l) => l.startsWith('guardrails.') && !l.startsWith('guardrails.policiesFor'))).toEqual(['guardrails.createOutputScanner']);
  });
});
