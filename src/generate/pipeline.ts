import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AppError, BadUserInputError } from '../graphql/errors';
import { costByStageMicros, microsToUsd, tokensCostMicros, type StageCostMicros, type StageTokens } from '../providers';
import { toProviderError, ProviderError } from '../providers';
import type { ModelInfo } from '../providers';
import type { ConverseRequest, TokenUsage } from '../providers';
import { countTokens } from '../providers';
import { hashParts, type ResponseCache } from '../response-cache';
import { StageCost } from '../traces';
import type { GenerationConfig } from '../config/config';
import { assemble, AssemblyError, outputLimit, reconcileStages, requestForTrace, type Assembled, type AssemblyParts, type Chunk } from './assemble';
import { rightSizeContext, type DroppedChunk } from './context-window';
import type { HistoryTrimmer, TrimmedHistory } from './history-trimmer';
import { CacheMode, type GenerateRequest } from './generate.inputs';
import type { GenerateEventData, GenerationCompletedEvent, GenerationFailedEvent, GuardrailIntervenedEvent } from './generate.events';
import type {
  ActivePolicyRef,
  BudgetsPort,
  GenerationTrace,
  GuardrailEventData,
  GuardrailsPort,
  ModelsPort,
  PromptsPort,
  ResolvedVersion,
  RouteOutcome,
  RoutingPort,
  TracesPort,
} from './pipeline.ports';
import { SpanRecorder } from './spans';

/** Who is calling: the API key (its id scopes the response cache, its name is recorded). */
export interface Caller {
  apiKeyId: string | null;
  apiKeyName: string | null;
}

export interface PipelineDeps {
  config: GenerationConfig & { defaultModelId: string };
  prompts: PromptsPort;
  routing: RoutingPort;
  guardrails: GuardrailsPort;
  budgets: BudgetsPort;
  models: ModelsPort;
  traces: TracesPort;
  cache: ResponseCache;
  history: HistoryTrimmer;
}

/** An expected failure: becomes a GenerationFailed event and a trace, never an exception to the client. */
class Refusal extends Error {
  constructor(
    readonly code: 'BUDGET_EXCEEDED' | 'GUARDRAIL_BLOCKED' | 'PROVIDER_ERROR' | 'BAD_USER_INPUT' | 'NOT_FOUND',
    message: string,
    readonly status: 'BLOCKED' | 'FAILED' = 'FAILED',
  ) {
    super(message);
  }
}

/** The model a request goes to, with its fallbacks, its assembled prompt and its output cap. */
interface ModelTarget {
  modelId: string;
  chain: string[];
  model: ModelInfo;
  assembled: Assembled;
  maxTokens: number;
}

/** What a model call produced: the text (raw and as released to the client), usage, and how it ended. */
interface ModelCall {
  request: ConverseRequest;
  /** The model that served last, and its assembly (a fallback's when one took over). */
  model: ModelInfo;
  assembled: Assembled;
  raw: string;
  sent: string;
  deltas: string[];
  usage: TokenUsage | null;
  stopReason: string | null;
  blocked: { policy: ActivePolicyRef; message: string } | null;
  failure: ProviderError | null;
  attempts: Array<{ modelId: string; error: string }>;
}

/** Where a request stands; filled in step by step and written as the trace at the end. */
interface RequestState {
  traceId: string;
  t0: number;
  spans: SpanRecorder;
  trace: GenerationTrace;
  ttftMs: number | null;
  deltaIndex: number;
}


/**
 * The generate pipeline: the one place that knows the order of the steps (STYLE.md).
 *
 *   resolve prompt version → screen input, variables and chunks (guardrail_input) → render and
 *   assemble, trimming history and right-sizing context (prompt_assembly) → route (routing) →
 *   response cache (cache_lookup) → reserve budget (budget_reserve) → stream from the model with
 *   fallbacks (model_call), screening the output as it streams (guardrail_output) → settle the
 *   real cost (budget_settle) → trace.
 *
 * Each step lives in its own feature; this file only calls them in order and turns the outcome
 * into events. Expected failures are `GenerationFailed` events; every request writes a trace.
 */
export class GenerationPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async *run(req: GenerateRequest, caller: Caller, signal?: AbortSignal): AsyncGenerator<GenerateEventData> {
    const st = this.begin(req, caller);
    let reservation: unknown = null;
    let settled = false;
    try {
      // 1. The prompt version, by label (default `production`) or number.
      const version = await this.resolve(req, st);
      refuseBlankText(req);

      // 2. Input guardrails: the user input, every variable and every retrieved chunk.
      const kept = rightSizeContext(req.context, { minScore: this.deps.config.contextMinScore, maxTokens: this.deps.config.contextTokenBudget });
      const screened = await st.spans.time('guardrail_input', (a) => this.screenInput(req, version, kept.kept, st, a));
      for (const ev of screened.events) yield ev;
      if (screened.blocked) throw screened.blocked;

      // 3. Render and assemble. What to trim from the history is decided here; a summary that
      //    must be written is bought only after routing and the response cache (step 5b).
      const sessionKey = req.sessionId ? `${caller.apiKeyId}:${req.sessionId}` : null;
      let assemblyAttrs: Record<string, unknown> = {};
      const { parts, decision } = await st.spans.time('prompt_assembly', async (a) => {
        assemblyAttrs = a;
        const rendered = this.deps.prompts.render(version, screened.variables);
        const decision = this.deps.history.plan(req.messages, sessionKey);
        const parts: AssemblyParts = {
          system: rendered.system,
          templateMessages: rendered.messages,
          historySummary: decision.summary,
          history: decision.kept,
          context: screened.context,
          input: screened.input,
        };
        Object.assign(a, { contextKept: parts.context.map((c) => c.id), contextDropped: [...kept.dropped, ...screened.droppedChunks] });
        return { parts, decision };
      });
      const counted = this.assembleOrFail(parts, null);

      // 4. Route: the request's model, else rules, else the version's model, else the default.
      //    A summary still to be written counts at its maximum size.
      const route = await st.spans.time('routing', async (a) => {
        const r = await this.route(req, version, counted.inputTokens + (decision.pending ? decision.summaryTokens : 0), screened.input ?? lastUserText(parts));
        Object.assign(a, { modelId: r.modelId, rule: r.rule?.name ?? null, reason: r.reason, complexity: r.complexity, inputTokens: r.inputTokens });
        return r;
      });
      let modelId = route.modelId;
      let chain = [route.modelId, ...route.fallbackModelIds.filter((m) => m !== route.modelId)];
      st.trace.modelId = modelId;
      st.trace.routedBy = route.rule?.name ?? (req.modelId ? 'request' : null);
      let model = this.modelOrFail(modelId, req);
      let maxTokens = outputLimit(req.maxOutputTokens, version.params?.maxTokens, model.maxOutputTokens, this.deps.config.defaultMaxOutputTokens);

      // 5. Response cache, scoped to the caller unless the prompt is shareable.
      const cacheKey = {
        promptName: version.prompt,
        partition: hashParts(
          version.versionId,
          modelId,
          maxTokens,
          version.shareable ? 'shared' : `key:${caller.apiKeyId}|user:${req.user ?? ''}`,
          parts.system,
          parts.templateMessages,
          req.messages,
          parts.context.map((c) => [c.id, c.text]),
        ),
        input: screened.input ?? '',
      };
      if (req.cache === CacheMode.DEFAULT && cacheKey.input) {
        const hit = await st.spans.time('cache_lookup', async (a) => {
          const h = await this.deps.cache.lookup(cacheKey);
          Object.assign(a, { hit: Boolean(h), kind: h?.kind ?? null, similarity: h?.similarity ?? null });
          return h;
        });
        if (hit) {
          yield* this.replay(st, version, hit.answer, counted, modelId);
          return;
        }
      }

      // 5b. The history summary, if one must be written (shared with concurrent requests of the session).
      let trimmed: TrimmedHistory = { summary: decision.summary, kept: decision.kept, summarizedTurns: decision.summarizedTurns, reused: decision.summary !== null, summaryUsage: null, summaryModelId: null };
      if (decision.pending) {
        trimmed = await st.spans.time('history_summary', async (a) => {
          const t = await this.deps.history.summarize(decision, signal);
          Object.assign(a, { modelId: this.deps.config.summaryModelId, turns: t.summarizedTurns, reused: t.reused, usage: t.summaryUsage, error: t.error ?? null });
          return t;
        });
        parts.historySummary = trimmed.summary;
        parts.history = trimmed.kept;
      }
      Object.assign(assemblyAttrs, historyAttributes(req, trimmed));
      const summaryMicros = this.summaryCost(trimmed);
      // Bought already: on the trace even if the request stops before the model call.
      if (summaryMicros) Object.assign(st.trace, { costMicros: summaryMicros, costByStageMicros: addHistoryMicros(zeroCost(), summaryMicros) });
      let assembled = this.assembleOrFail(parts, model.promptCaching);
      maxTokens = this.fitWindow(model, assembled, maxTokens);

      // A client gone before the model call: nothing is reserved, called or charged.
      if (signal?.aborted) {
        st.trace.stopReason = 'client_disconnected';
        this.finish(st, 'FAILED', 'CANCELLED', 'the client went away before the model call');
        return;
      }

      // 6. Budgets: reserve the worst case on every covering budget, all or nothing (or downgrade).
      const admitted = await st.spans.time('budget_reserve', (a) =>
        this.admit({ req, caller, version, parts, st, target: { modelId, chain, model, assembled, maxTokens }, summaryMicros }, a),
      );
      reservation = admitted.reservation;
      ({ modelId, chain, model, assembled, maxTokens } = admitted.target);

      yield {
        __typename: 'GenerationStarted',
        traceId: st.traceId,
        modelId,
        promptVersion: version.number,
        label: version.label,
        routedBy: st.trace.routedBy,
        cached: false,
      };

      // 7. The model call, with fallbacks on retryable errors before any text was sent, the output
      //    screened as it streams.
      // While the model streams, the holds are kept alive (a third of their lifetime at a time).
      const heartbeat = reservation ? setInterval(() => void this.deps.budgets.extend(reservation).catch(() => undefined), Math.max(100, this.deps.config.budgetHoldTtlMs / 3)) : null;
      heartbeat?.unref();
      let call: ModelCall;
      try {
        call = yield* this.callModel({ req, version, parts, st, signal, target: { modelId, chain, model, assembled, maxTokens } });
      } finally {
        if (heartbeat) clearInterval(heartbeat);
      }
      const { raw, sent, deltas, usage, stopReason, blocked, failure, attempts, request } = call;
      ({ model, assembled } = call);
      const servedModel = request.modelId;
      st.trace.modelId = servedModel;
      st.trace.assembledPrompt = requestForTrace(request);
      st.trace.output = sent;
      const cancelled = Boolean(signal?.aborted) && !blocked && !usage;

      // 8. Settle the real cost (estimated from counted tokens when the stream was cut short).
      const finalUsage: TokenUsage = usage ?? {
        inputTokens: assembled.inputTokens,
        outputTokens: countTokens(raw),
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      };
      const charged = failure && !raw ? null : finalUsage;
      const stageTokens = charged ? reconcileStages(assembled.parts, charged) : null;
      const prices = this.deps.models.pricesFor(servedModel) ?? model.prices;
      const cost = stageTokens ? addHistoryMicros(costByStageMicros(stageTokens, prices), summaryMicros) : addHistoryMicros(zeroCost(), summaryMicros);
      await st.spans.time('budget_settle', async (a) => {
        Object.assign(a, { actualMicros: cost.total, estimated: !usage });
        if (reservation) {
          const served = chain.length > 1 ? (await this.coveringBudgets(req, caller, version, [servedModel])).map((b) => b.id) : undefined;
          await this.deps.budgets.settle(reservation, cost.total, served);
        }
      });
      settled = true;
      Object.assign(st.trace, {
        usage: charged,
        stageTokens,
        costMicros: cost.total,
        costByStageMicros: cost,
        stopReason: cancelled ? 'client_disconnected' : blocked ? 'guardrail_intervened' : stopReason,
      });

      if (cancelled) {
        this.finish(st, 'FAILED', 'CANCELLED', 'the client closed the subscription');
        return;
      }
      if (blocked) {
        const failed = this.finish(st, 'BLOCKED', 'GUARDRAIL_BLOCKED', blocked.message);
        yield failed;
        return;
      }
      if (failure) {
        const failed = this.finish(st, 'FAILED', 'PROVIDER_ERROR', `${failure.code}: ${failure.message}` + (attempts.length > 1 ? ` (tried ${attempts.map((x) => x.modelId).join(', ')})` : ''));
        yield failed;
        return;
      }
      if (req.cache !== CacheMode.BYPASS && cacheKey.input && (stopReason === 'end_turn' || stopReason === 'stop_sequence')) {
        const answer = { text: sent, deltas, stopReason: stopReason ?? 'end_turn', modelId: servedModel, costMicros: cost.total, traceId: st.traceId };
        void this.deps.cache.store(cacheKey, answer).catch(() => undefined);
      }
      yield this.complete(st, stopReason ?? 'end_turn', charged!, stageTokens!, cost, false);
    } catch (err) {
      if (reservation && !settled) await this.deps.budgets.release(reservation).catch(() => undefined);
      const failed = this.failureOf(err, st);
      if (!signal?.aborted) yield failed;
    }
  }

  /**
   * Traces a request refused before the pipeline started (its input failed validation): every
   * request leaves a trace, bad input included. The request is recorded as sent.
   */
  traceRejected(raw: Record<string, unknown>, caller: Caller, err: unknown): void {
    const st = this.begin({ prompt: String(raw.prompt ?? ''), label: null, user: null, sessionId: null, tags: [] } as unknown as GenerateRequest, caller);
    st.trace.request = raw;
    const code = err instanceof AppError ? err.code : 'BAD_USER_INPUT';
    this.finish(st, 'FAILED', code, err instanceof Error ? err.message : String(err));
  }

  /** Explains where a request would be routed, without calling a model (history counted as `generate` counts it). */
  async explain(req: GenerateRequest, caller: Caller): Promise<RouteOutcome> {
    if (req.modelId && !this.deps.models.modelInfo(req.modelId)) throw new BadUserInputError('input.modelId', `unknown model "${req.modelId}"`);
    const version = await this.deps.prompts.resolveVersion(req.prompt, { label: req.label, version: req.version });
    const rendered = this.deps.prompts.render(version, req.variables);
    const kept = rightSizeContext(req.context, { minScore: this.deps.config.contextMinScore, maxTokens: this.deps.config.contextTokenBudget });
    const decision = this.deps.history.plan(req.messages, req.sessionId ? `${caller.apiKeyId}:${req.sessionId}` : null);
    const parts: AssemblyParts = {
      system: rendered.system,
      templateMessages: rendered.messages,
      historySummary: decision.summary,
      history: decision.kept,
      context: kept.kept,
      input: req.input,
    };
    const counted = this.assembleOrFail(parts, null);
    return this.route(req, version, counted.inputTokens + (decision.pending ? decision.summaryTokens : 0), req.input ?? lastUserText(parts));
  }

  /** Reserves on every covering budget; a DOWNGRADE budget that refuses may switch the target to its model. */
  private async admit(
    c: { req: GenerateRequest; caller: Caller; version: ResolvedVersion; parts: AssemblyParts; st: RequestState; target: ModelTarget; summaryMicros: number },
    attrs: Record<string, unknown>,
  ): Promise<{ reservation: unknown; target: ModelTarget }> {
    const { req, caller, version, parts, st, target, summaryMicros } = c;
    const first = await this.reserve(req, caller, version, target.chain, target.assembled, target.maxTokens, summaryMicros, st.traceId);
    Object.assign(attrs, { budgets: first.budgets, amountMicros: first.amountMicros });
    if (first.outcome === null || first.outcome.ok) return { reservation: first.outcome?.reservation ?? null, target };
    const refused = first.outcome;
    const down = refused.budget.onExceed === 'DOWNGRADE' ? refused.budget.downgradeModelId : null;
    if (!down || down === target.modelId) throw new Refusal('BUDGET_EXCEEDED', refused.message, 'BLOCKED');
    const model = this.modelOrFail(down, req);
    const assembled = this.assembleOrFail(parts, model.promptCaching);
    const maxTokens = this.fitWindow(model, assembled, outputLimit(req.maxOutputTokens, version.params?.maxTokens, model.maxOutputTokens, this.deps.config.defaultMaxOutputTokens));
    const second = await this.reserve(req, caller, version, [down], assembled, maxTokens, summaryMicros, st.traceId);
    Object.assign(attrs, { downgradedFrom: target.modelId, downgradedTo: down, downgradeBudget: refused.budget.name, amountMicros: second.amountMicros });
    if (second.outcome !== null && !second.outcome.ok) throw new Refusal('BUDGET_EXCEEDED', second.outcome.message, 'BLOCKED');
    st.trace.routedBy = `budget:${refused.budget.name}`;
    st.trace.modelId = down;
    return { reservation: second.outcome?.reservation ?? null, target: { modelId: down, chain: [down], model, assembled, maxTokens } };
  }

  /**
   * Streams from the target model, falling back along the chain on a retryable error before any
   * text was produced; every delta passes the OUTPUT policies before it is yielded, and a block
   * stops the model call. Yields the client's events; returns what happened.
   */
  private async *callModel(c: {
    req: GenerateRequest;
    version: ResolvedVersion;
    parts: AssemblyParts;
    st: RequestState;
    signal?: AbortSignal;
    target: ModelTarget;
  }): AsyncGenerator<GenerateEventData, ModelCall> {
    const { req, version, parts, st, signal, target } = c;
    let { model, assembled } = target;
    const outPolicies = await this.deps.guardrails.policiesFor(version.prompt, 'OUTPUT');
    const guard = outPolicies.length ? this.deps.guardrails.streamGuard(outPolicies) : null;
    const request: ConverseRequest = {
      modelId: target.modelId,
      system: assembled.system,
      messages: assembled.messages,
      inferenceConfig: {
        maxTokens: target.maxTokens,
        ...(version.params?.temperature != null ? { temperature: version.params.temperature } : {}),
        ...(version.params?.topP != null ? { topP: version.params.topP } : {}),
        ...(version.params?.stopSequences?.length ? { stopSequences: version.params.stopSequences } : {}),
      },
    };
    const call = new AbortController();
    const onClientGone = () => call.abort();
    signal?.addEventListener('abort', onClientGone);
    if (signal?.aborted) call.abort();
    const closeModelSpan = st.spans.open('model_call', { modelId: target.modelId });
    let guardMs = 0;
    let guardStart: number | null = null;
    let raw = '';
    let sent = '';
    const deltas: string[] = [];
    let usage: TokenUsage | null = null;
    let stopReason: string | null = null;
    let blocked: ModelCall['blocked'] = null;
    let failure: ProviderError | null = null;
    const attempts: Array<{ modelId: string; error: string }> = [];
    const emit = function* (release: string): Generator<GenerateEventData> {
      if (!release) return;
      if (st.ttftMs === null) st.ttftMs = performance.now() - st.t0;
      sent += release;
      deltas.push(release);
      yield { __typename: 'TextDelta', text: release, index: st.deltaIndex++ };
    };
    try {
      for (let i = 0; i < target.chain.length && !blocked; i++) {
        request.modelId = target.chain[i]!;
        if (i > 0) {
          // The fallback gets its own cache points, output cap and context-window check.
          const next = this.deps.models.modelInfo(request.modelId);
          const re = next ? this.assembleOrFail(parts, next.promptCaching) : null;
          const room = next && re ? next.contextWindow - re.inputTokens : 0;
          if (!next || !re || room <= 0) {
            attempts.push({ modelId: request.modelId, error: next ? 'ContextWindowExceeded' : 'UnknownModel' });
            continue;
          }
          model = next;
          assembled = re;
          request.system = re.system;
          request.messages = re.messages;
          // Never above the cap the budgets reserved for.
          request.inferenceConfig.maxTokens = Math.min(room, target.maxTokens, outputLimit(req.maxOutputTokens, version.params?.maxTokens, next.maxOutputTokens, this.deps.config.defaultMaxOutputTokens));
        }
        try {
          for await (const ev of this.deps.models.provider.stream(request, { signal: call.signal })) {
            if (ev.type === 'stop') stopReason = ev.stopReason;
            else if (ev.type === 'usage') usage = ev.usage;
            else {
              raw += ev.text;
              if (!guard) {
                yield* emit(ev.text);
                continue;
              }
              const g0 = performance.now();
              guardStart ??= g0;
              const step = await guard.push(ev.text);
              guardMs += performance.now() - g0;
              for (const e of this.outputFindings(st, step.findings)) yield e;
              yield* emit(step.release);
              if (step.blocked) {
                blocked = { policy: step.blocked.policy, message: step.blocked.policy.blockedMessage };
                yield this.guardEvent(st, 'OUTPUT', step.blocked.policy, 'BLOCKED', step.blocked.verdict.findings);
                call.abort();
                break;
              }
            }
          }
          if (!blocked && guard) {
            const g0 = performance.now();
            const step = await guard.end();
            guardMs += performance.now() - g0;
            for (const e of this.outputFindings(st, step.findings)) yield e;
            yield* emit(step.release);
            if (step.blocked) {
              blocked = { policy: step.blocked.policy, message: step.blocked.policy.blockedMessage };
              yield this.guardEvent(st, 'OUTPUT', step.blocked.policy, 'BLOCKED', step.blocked.verdict.findings);
            }
          }
          failure = null;
          break;
        } catch (err) {
          if (blocked || signal?.aborted) break;
          const pe = toProviderError(err);
          failure = pe;
          attempts.push({ modelId: request.modelId, error: pe.code });
          // Once text reached the client another model cannot take over mid-answer.
          if (!pe.retryable || raw.length > 0) break;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onClientGone);
      closeModelSpan({ modelId: request.modelId, attempts, stopReason, outputChars: raw.length, cachePoints: assembled.cachePoints });
      if (guardStart !== null) st.spans.add('guardrail_output', guardStart, guardMs, { policies: outPolicies.map((p) => p.name) });
    }
    return { request, model, assembled, raw, sent, deltas, usage, stopReason, blocked, failure, attempts };
  }

  // ---- steps -------------------------------------------------------------------------------

  private begin(req: GenerateRequest, caller: Caller): RequestState {
    const traceId = randomUUID();
    return {
      traceId,
      t0: performance.now(),
      spans: new SpanRecorder(),
      ttftMs: null,
      deltaIndex: 0,
      trace: {
        id: traceId,
        createdAt: new Date(),
        prompt: req.prompt,
        promptVersion: null,
        label: req.label,
        modelId: null,
        routedBy: null,
        user: req.user,
        sessionId: req.sessionId,
        apiKey: caller.apiKeyName,
        tags: req.tags,
        status: 'FAILED',
        errorCode: null,
        stopReason: null,
        cached: false,
        request: { ...req } as unknown as Record<string, unknown>,
        assembledPrompt: {},
        output: null,
        usage: null,
        stageTokens: null,
        costMicros: 0,
        costByStageMicros: null,
        savedMicros: 0,
        latencyMs: 0,
        ttftMs: null,
        guardrailEvents: [],
        spans: [],
      },
    };
  }

  private async resolve(req: GenerateRequest, st: RequestState): Promise<ResolvedVersion> {
    const version = await this.deps.prompts.resolveVersion(req.prompt, { label: req.label, version: req.version });
    st.trace.prompt = version.prompt;
    st.trace.promptVersion = version.number;
    st.trace.label = version.label;
    return version;
  }

  /** Screens input, variables and chunks with every INPUT policy; anonymizes in place, drops or blocks. */
  private async screenInput(req: GenerateRequest, version: ResolvedVersion, chunks: Chunk[], st: RequestState, attrs: Record<string, unknown>) {
    const events: GuardrailIntervenedEvent[] = [];
    const droppedChunks: DroppedChunk[] = [];
    let input = req.input;
    const variables = { ...req.variables };
    let context = chunks;
    const policies = await this.deps.guardrails.policiesFor(version.prompt, 'INPUT');
    attrs.policies = policies.map((p) => p.name);
    const block = (policy: ActivePolicyRef, findings: GuardrailIntervenedEvent['findings']) => {
      events.push(this.guardEvent(st, 'INPUT', policy, 'BLOCKED', findings));
      return { events, blocked: new Refusal('GUARDRAIL_BLOCKED', policy.blockedMessage, 'BLOCKED'), input, variables, context, droppedChunks };
    };
    for (const policy of policies) {
      if (input) {
        const v = await this.deps.guardrails.check(policy, 'INPUT', input, { source: 'input' });
        if (v.action === 'BLOCKED') return block(policy, v.findings);
        if (v.action === 'ANONYMIZED') {
          input = v.text;
          events.push(this.guardEvent(st, 'INPUT', policy, 'ANONYMIZED', v.findings));
        }
      }
      for (const name of Object.keys(variables)) {
        if (!version.variables.includes(name)) continue;
        const v = await this.deps.guardrails.check(policy, 'INPUT', variables[name]!, { source: `variable:${name}` });
        if (v.action === 'BLOCKED') return block(policy, v.findings);
        if (v.action === 'ANONYMIZED') {
          variables[name] = v.text;
          events.push(this.guardEvent(st, 'INPUT', policy, 'ANONYMIZED', v.findings));
        }
      }
      const next: Chunk[] = [];
      for (const c of context) {
        const source = `context:${c.id}`;
        const v = await this.deps.guardrails.check(policy, 'INPUT', c.text, { source, isContextChunk: true });
        if (v.action === 'BLOCKED') {
          const injectionOnly = v.findings.every((f) => f.action !== 'BLOCKED' || f.kind === 'PROMPT_INJECTION');
          if (injectionOnly && policy.onContextInjection === 'DROP') {
            droppedChunks.push({ id: c.id, source: c.source, reason: 'prompt_injection', score: c.score });
            this.recordEvent(st, 'INPUT', policy, 'BLOCKED', v.findings);
            continue;
          }
          return block(policy, v.findings);
        }
        if (v.action === 'ANONYMIZED') {
          this.recordEvent(st, 'INPUT', policy, 'ANONYMIZED', v.findings);
          next.push({ ...c, text: v.text });
        } else next.push(c);
      }
      context = next;
    }
    attrs.droppedChunks = droppedChunks.map((d) => d.id);
    return { events, blocked: null as Refusal | null, input, variables, context, droppedChunks };
  }

  private async route(req: GenerateRequest, version: ResolvedVersion, inputTokens: number, inputText: string): Promise<RouteOutcome> {
    if (req.modelId) {
      const r = await this.deps.routing.route(
        { inputTokens, prompt: version.prompt, label: version.label, input: inputText, messageCount: req.messages.length, tags: req.tags },
        { promptModelId: version.modelId, defaultModelId: this.deps.config.defaultModelId },
      );
      return { ...r, modelId: req.modelId, fallbackModelIds: [], rule: null, reason: `the request asked for model ${req.modelId}` };
    }
    return this.deps.routing.route(
      { inputTokens, prompt: version.prompt, label: version.label, input: inputText, messageCount: req.messages.length, tags: req.tags },
      { promptModelId: version.modelId, defaultModelId: this.deps.config.defaultModelId },
    );
  }

  private modelOrFail(modelId: string, req: GenerateRequest): ModelInfo {
    const info = this.deps.models.modelInfo(modelId);
    if (info) return info;
    if (req.modelId === modelId) throw new Refusal('BAD_USER_INPUT', `input.modelId: unknown model "${modelId}"`);
    throw new Refusal('PROVIDER_ERROR', `model "${modelId}" is not in the price catalog; set its price with setModelPrice`);
  }

  /** The output cap within what the model's context window leaves; a prompt that does not fit is refused. */
  private fitWindow(model: ModelInfo, assembled: Assembled, maxTokens: number): number {
    const room = model.contextWindow - assembled.inputTokens;
    if (room <= 0) {
      throw new Refusal('BAD_USER_INPUT', `input: the prompt has ${assembled.inputTokens} tokens, more than the ${model.contextWindow}-token context window of ${model.modelId}`);
    }
    return Math.min(maxTokens, room);
  }

  /** Assembles; a prompt that cannot be sent is the caller's input error (a GenerationFailed in `run`). */
  private assembleOrFail(parts: AssemblyParts, caching: ModelInfo['promptCaching']): Assembled {
    try {
      return assemble(parts, caching);
    } catch (err) {
      if (err instanceof AssemblyError) throw new BadUserInputError(err.field, err.message);
      throw err;
    }
  }

  private summaryCost(trimmed: TrimmedHistory): number {
    if (!trimmed.summaryUsage || !trimmed.summaryModelId) return 0;
    const p = this.deps.models.pricesFor(trimmed.summaryModelId);
    if (!p) return 0;
    const u = trimmed.summaryUsage;
    return tokensCostMicros(u.inputTokens, p.input) + tokensCostMicros(u.outputTokens, p.output);
  }

  /** Worst case over the candidate models: counted input (cached prefix at the cache-write price) plus the output cap. */
  private async reserve(
    req: GenerateRequest,
    caller: Caller,
    version: ResolvedVersion,
    chain: string[],
    assembled: Assembled,
    maxTokens: number,
    summaryMicros: number,
    traceId: string,
  ) {
    // Every model that may serve (fallbacks included) brings the budgets scoped to it: all are
    // held, and at settle only those covering the model that served are charged.
    const budgets = await this.coveringBudgets(req, caller, version, chain);
    let amountMicros = 0;
    for (const m of chain) {
      const p = this.deps.models.pricesFor(m);
      if (!p) continue;
      const prefix = assembled.cachedPrefixTokens;
      const worst =
        tokensCostMicros(assembled.inputTokens - prefix, p.input) +
        tokensCostMicros(prefix, Math.max(p.input, p.cacheWrite ?? p.input)) +
        tokensCostMicros(maxTokens, p.output);
      amountMicros = Math.max(amountMicros, worst);
    }
    amountMicros += summaryMicros;
    if (!budgets.length) return { outcome: null, budgets: [] as string[], amountMicros };
    const outcome = await this.deps.budgets.reserve(budgets, amountMicros, traceId);
    return { outcome, budgets: budgets.map((b) => b.name), amountMicros };
  }

  private async coveringBudgets(req: GenerateRequest, caller: Caller, version: ResolvedVersion, models: string[]) {
    const seen = new Map<string, Awaited<ReturnType<BudgetsPort['covering']>>[number]>();
    for (const modelId of models) {
      for (const b of await this.deps.budgets.covering({ prompt: version.prompt, modelId, apiKey: caller.apiKeyName, user: req.user })) seen.set(b.id, b);
    }
    return [...seen.values()];
  }

  /**
   * A response-cache hit: the stored answer streams in its original pieces, costs 0, traced as
   * cached. It goes through the prompt's OUTPUT policies as they are now (a policy added since the
   * answer was stored still applies).
   */
  private async *replay(
    st: RequestState,
    version: ResolvedVersion,
    answer: { text: string; deltas: string[]; stopReason: string; modelId: string; costMicros: number },
    assembled: Assembled,
    modelId: string,
  ): AsyncGenerator<GenerateEventData> {
    st.trace.cached = true;
    st.trace.savedMicros = answer.costMicros;
    st.trace.modelId = modelId;
    st.trace.stopReason = answer.stopReason;
    st.trace.assembledPrompt = { modelId, system: assembled.system, messages: assembled.messages };
    const zeroUsage: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const stage: StageTokens = { system: 0, context: 0, history: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    st.trace.usage = zeroUsage;
    st.trace.stageTokens = stage;
    st.trace.costByStageMicros = zeroCost();
    yield { __typename: 'GenerationStarted', traceId: st.traceId, modelId, promptVersion: version.number, label: version.label, routedBy: st.trace.routedBy, cached: true };
    const policies = await this.deps.guardrails.policiesFor(version.prompt, 'OUTPUT');
    const guard = policies.length ? this.deps.guardrails.streamGuard(policies) : null;
    let sent = '';
    const emit = (text: string): GenerateEventData | null => {
      if (!text) return null;
      if (st.ttftMs === null) st.ttftMs = performance.now() - st.t0;
      sent += text;
      return { __typename: 'TextDelta', text, index: st.deltaIndex++ };
    };
    // `null` stands for the end of the stream: the guard releases what it held back.
    for (const d of [...answer.deltas, null]) {
      const step = guard ? await (d === null ? guard.end() : guard.push(d)) : { release: d ?? '', findings: [] };
      for (const e of this.outputFindings(st, step.findings)) yield e;
      const ev = emit(step.release);
      if (ev) yield ev;
      if ('blocked' in step && step.blocked) {
        yield this.guardEvent(st, 'OUTPUT', step.blocked.policy, 'BLOCKED', step.blocked.verdict.findings);
        st.trace.output = sent;
        st.trace.stopReason = 'guardrail_intervened';
        yield this.finish(st, 'BLOCKED', 'GUARDRAIL_BLOCKED', step.blocked.policy.blockedMessage);
        return;
      }
    }
    st.trace.output = sent;
    yield this.complete(st, answer.stopReason, zeroUsage, stage, zeroCost(), true);
  }

  private complete(st: RequestState, stopReason: string, usage: TokenUsage, stage: StageTokens, cost: StageCostMicros, cached: boolean): GenerationCompletedEvent {
    const latencyMs = this.finishTrace(st, 'COMPLETED', null);
    return {
      __typename: 'GenerationCompleted',
      traceId: st.traceId,
      modelId: st.trace.modelId ?? '',
      stopReason,
      usage: {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        byStage: { system: stage.system, context: stage.context, history: stage.history, input: stage.input, output: stage.output },
      },
      costUsd: microsToUsd(cost.total),
      costByStage: StageCost.fromMicros(cost),
      latencyMs,
      ttftMs: st.ttftMs === null ? null : round3(st.ttftMs),
      cached,
    };
  }

  private finish(st: RequestState, status: 'BLOCKED' | 'FAILED', code: string, message: string): GenerationFailedEvent {
    this.finishTrace(st, status, code);
    return { __typename: 'GenerationFailed', traceId: st.traceId, code, message };
  }

  private finishTrace(st: RequestState, status: GenerationTrace['status'], code: string | null): number {
    const latencyMs = round3(performance.now() - st.t0);
    Object.assign(st.trace, { status, errorCode: code, latencyMs, ttftMs: st.ttftMs === null ? null : round3(st.ttftMs), spans: st.spans.spans });
    this.deps.traces.enqueue(st.trace);
    return latencyMs;
  }

  private failureOf(err: unknown, st: RequestState): GenerationFailedEvent {
    if (err instanceof Refusal) return this.finish(st, err.status, err.code, err.message);
    if (err instanceof AppError && (err.code === 'BAD_USER_INPUT' || err.code === 'NOT_FOUND')) return this.finish(st, 'FAILED', err.code, err.message);
    if (err instanceof ProviderError) return this.finish(st, 'FAILED', 'PROVIDER_ERROR', `${err.code}: ${err.message}`);
    // A bug, not an expected failure: the trace still records the request, then the error surfaces.
    this.finish(st, 'FAILED', 'INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
    throw err;
  }

  private guardEvent(st: RequestState, direction: 'INPUT' | 'OUTPUT', policy: ActivePolicyRef, action: 'ANONYMIZED' | 'BLOCKED', found: GuardrailIntervenedEvent['findings']): GuardrailIntervenedEvent {
    const findings = direction === 'OUTPUT' ? redactMatches(found) : found;
    this.recordEvent(st, direction, policy, action, findings);
    return { __typename: 'GuardrailIntervened', direction, action, policy: policy.name, findings };
  }

  private recordEvent(st: RequestState, direction: 'INPUT' | 'OUTPUT', policy: ActivePolicyRef, action: GuardrailEventData['action'], findings: GuardrailEventData['findings']): void {
    st.trace.guardrailEvents.push({ direction, action, policy: policy.name, findings });
  }

  /** Anonymizations found while streaming, one event per policy and step. */
  private outputFindings(st: RequestState, found: Array<{ policy: ActivePolicyRef; finding: GuardrailIntervenedEvent['findings'][number] }>): GuardrailIntervenedEvent[] {
    const anonymized = found.filter((f) => f.finding.action === 'ANONYMIZED');
    if (!anonymized.length) return [];
    const byPolicy = new Map<string, { policy: ActivePolicyRef; findings: GuardrailIntervenedEvent['findings'] }>();
    for (const f of anonymized) {
      const e = byPolicy.get(f.policy.id) ?? { policy: f.policy, findings: [] };
      e.findings.push(f.finding);
      byPolicy.set(f.policy.id, e);
    }
    return [...byPolicy.values()].map((e) => this.guardEvent(st, 'OUTPUT', e.policy, 'ANONYMIZED', e.findings));
  }
}

/**
 * What the model wrote and a policy withheld must not reach the client through the finding either:
 * an OUTPUT finding shows the placeholder (`{EMAIL}`) or nothing, never the matched text. The trace
 * keeps the same redacted finding (its offsets say where the match was).
 */
function redactMatches(findings: GuardrailIntervenedEvent['findings']): GuardrailIntervenedEvent['findings'] {
  return findings.map((f) => ({ ...f, match: f.kind === 'PII' && f.action === 'ANONYMIZED' ? `{${f.name}}` : undefined }));
}

/** Bedrock refuses blank text blocks: a blank input or history turn is the caller's mistake, said with its field. */
function refuseBlankText(req: GenerateRequest): void {
  if (req.input !== null && !req.input.trim()) throw new Refusal('BAD_USER_INPUT', 'input.input: must not be blank');
  req.messages.forEach((m, i) => {
    if (!m.content.trim()) throw new Refusal('BAD_USER_INPUT', `input.messages.${i}.content: must not be blank`);
  });
}

function lastUserText(parts: AssemblyParts): string {
  const all = [...parts.templateMessages, ...parts.history];
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.role === 'USER') return all[i]!.content;
  return '';
}

function historyAttributes(req: GenerateRequest, t: TrimmedHistory): Record<string, unknown> {
  return {
    historyTurns: req.messages.length,
    historyKept: t.kept.length,
    historySummarized: t.summarizedTurns,
    ...(t.summary ? { historySummaryReused: t.reused, historySummaryModel: t.summaryModelId, historySummaryUsage: t.summaryUsage } : {}),
    ...(t.error ? { historySummaryError: t.error } : {}),
  };
}

function zeroCost(): StageCostMicros {
  return { system: 0, context: 0, history: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
}

/** The history summary's cost belongs to the history stage. */
function addHistoryMicros(cost: StageCostMicros, micros: number): StageCostMicros {
  return micros ? { ...cost, history: cost.history + micros, total: cost.total + micros } : cost;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

