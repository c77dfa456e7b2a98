import { BadUserInputError, AppError } from '../graphql/errors';
import { serverEnded } from '../graphql/server-ended';
import type { TraceRequest } from '../traces';
import { AuthRefusalTraces } from './auth-refusals';
import type { GenerateEventData, GenerationFailureCode } from './generate.events';
import type { GenerateRequest } from './generate.inputs';
import { failureOf, finish } from './outcome';
import type { Caller, PipelineDeps } from './pipeline.deps';
import { need, startRejected, startRequest, type RequestState, type RouteOutcome } from './request-state';
import { GENERATE_STEPS, routeRequest, type PipelineStep } from './steps';

export type { Caller, PipelineDeps } from './pipeline.deps';

/**
 * The generate pipeline: runs its steps (`steps/index.ts`) in order over one request state.
 *
 *   resolve prompt version → screen input, variables and chunks (guardrail_input) → render and
 *   assemble, trimming history and right-sizing context (prompt_assembly) → route (routing) →
 *   response cache (cache_lookup) → history summary → reserve budget (budget_reserve) → stream
 *   from the model with fallbacks (model_call), screening the output as it streams
 *   (guardrail_output) → settle the real cost (budget_settle) → trace.
 *
 * Each step calls its feature's own service. Expected failures are `GenerationFailed` events;
 * every request writes a trace.
 */
export class GenerationPipeline {
  /** Runs not finished yet (their trace not written yet), and who waits for none to be left. */
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  /** Generations the auth checker refused: traced compactly, rate-limited (`AuthRefusalTraces`). */
  readonly authRefusals: AuthRefusalTraces;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly steps: readonly PipelineStep[] = GENERATE_STEPS,
  ) {
    this.authRefusals = new AuthRefusalTraces((raw, caller, code, message) => this.traceRefused(raw, caller, code, message), {
      perSecond: deps.config.refusedTracesPerSecond,
      maxPerSecond: deps.config.refusedTracesMaxPerSecond,
    });
  }

  /** Generations in flight (streaming, or settling and tracing after their client went away). */
  get inFlight(): number {
    return this.active;
  }

  /** Resolves true once no generation is in flight, false after `timeoutMs` (a clean stop waits for their traces). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Runs one request; with `whole`, the answer comes as one TextDelta from a non-streamed model call (`generateOnce`). */
  async *run(req: GenerateRequest, caller: Caller, signal?: AbortSignal, opts: { whole?: boolean } = {}): AsyncGenerator<GenerateEventData> {
    this.active++;
    try {
      const durable = this.deps.traces.durable?.bind(this.deps.traces);
      if (!durable) return yield* this.runSteps(req, caller, signal, opts);
      for await (const ev of this.runSteps(req, caller, signal, opts)) {
        // The last event acknowledges the generation: its trace is on disk first (TRACE_SPOOL_FSYNC=batch).
        if (ev.__typename === 'GenerationCompleted' || ev.__typename === 'GenerationFailed') await durable();
        yield ev;
      }
    } finally {
      if (--this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async *runSteps(req: GenerateRequest, caller: Caller, signal: AbortSignal | undefined, opts: { whole?: boolean }): AsyncGenerator<GenerateEventData> {
    const st = startRequest(req, caller, signal, opts.whole);
    try {
      for (const step of this.steps) {
        const out = step.run(st, this.deps);
        if (isEventStream(out)) yield* out;
        else await out;
        if (st.ended) return;
      }
    } catch (err) {
      if (st.reservation && !st.settled) await this.deps.budgets.release(st.reservation).catch(() => undefined);
      // The server ended the request (revoked key, shutdown) and a step failed for it: say why.
      const ended = serverEnded(signal);
      if (ended) {
        st.trace.stopReason = ended.stopReason;
        yield finish(st, this.deps, 'FAILED', ended.code, ended.message);
        return;
      }
      const failed = failureOf(err, st, this.deps);
      if (!signal?.aborted) yield failed;
    } finally {
      // After the last event: a hold's settlement (see settleBudget) is written before the run ends.
      if (st.settling) await st.settling;
    }
  }

  /**
   * Traces a request refused before the pipeline started (its input failed validation): every
   * request leaves a trace, bad input included. The request is recorded as sent.
   */
  traceRejected(raw: TraceRequest, caller: Caller, err: unknown): string {
    // parseGenerateInput throws BadUserInputError; anything else is recorded as bad input too.
    const code = err instanceof AppError && err.code === 'NOT_FOUND' ? err.code : 'BAD_USER_INPUT';
    return this.traceRefused(raw, caller, code, err instanceof Error ? err.message : String(err));
  }

  /** Traces a request refused before the pipeline started, with the refusal's code. */
  private traceRefused(raw: TraceRequest, caller: Caller, code: GenerationFailureCode, message: string): string {
    const st = startRejected({ prompt: String(raw.prompt ?? ''), label: null, user: null, sessionId: null, tags: [] }, raw, caller);
    finish(st, this.deps, 'FAILED', code, message);
    return st.traceId;
  }

  /**
   * Explains where a request would be routed, without calling a model: the steps marked `explain`
   * up to routing, as `run` runs them (no guardrail screening, nothing traced).
   */
  async explain(req: GenerateRequest, caller: Caller): Promise<RouteOutcome> {
    if (req.modelId && !this.deps.models.pricing.modelInfo(req.modelId)) throw new BadUserInputError('input.modelId', `unknown model "${req.modelId}"`);
    const st: RequestState = startRequest(req, caller);
    for (const step of this.steps) {
      if (step.explain) {
        const out = step.run(st, this.deps);
        if (isEventStream(out)) for await (const _ of out);
        else await out;
      }
      if (step === routeRequest) break;
    }
    return need(st.route, 'route');
  }
}

function isEventStream(out: ReturnType<PipelineStep['run']>): out is AsyncGenerator<GenerateEventData, void, undefined> {
  return typeof out === 'object' && out !== null && Symbol.asyncIterator in out;
}
