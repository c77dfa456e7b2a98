import { setMaxListeners } from 'node:events';
import type { DataSource } from 'typeorm';
import { Counter, type Registry } from 'prom-client';
import { countTokens } from '../../providers/index';
import type { Logger } from '../../observability/logger';
import type { TraceRecord } from '../../traces/index';
import { ScoreSource, type TraceScoreService } from '../../scores/index';
import type { ReviewService } from '../../review/index';
import { scoreCase, type CaseScore } from '../assertions/score-case';
import { EvalSet } from '../eval-set.entity';
import { baseOf, type AssertionType } from '../eval-case.schemas';
import { judgeOutput, type GRADE_TOOL } from '../judge/llm-judge';
import type { ActiveEvaluator } from './online-evaluator.service';
import { isJudged } from './online-evaluator.schemas';

/** Output tokens one judge call may use (the call's maxTokens). */
export const JUDGE_MAX_OUTPUT_TOKENS = 512;
/** Tokens of the judge's system prompt and grading tool, on top of the output and criteria. */
const JUDGE_OVERHEAD_TOKENS = 400;
/** `judgeOutput` retries an unparseable answer once: two calls at worst. */
const JUDGE_ATTEMPTS = 2;

/** A hold on the budgets that cover judging, to settle at the real cost. */
export type JudgeHold = { ok: true; settle(actualMicros: number): Promise<void> } | { ok: false; message: string };

/**
 * The budget scope of online judging: judge calls are charged as API key `budgetKey` (default
 * `online-evals`) on the judge model, so an API_KEY budget of that name caps them, as do GLOBAL and
 * the judge model's MODEL budgets; a PROMPT budget of the scored prompt is not charged.
 */
export interface JudgeBudget {
  /** Holds the worst case of one trace's judge calls; refused (nothing held) when a covering budget has no room. */
  reserve(modelId: string, inputTokens: number, outputTokens: number): Promise<JudgeHold>;
}

/** What the worker needs, filled in by `app.ts`. */
export interface OnlineEvalWorkerDeps {
  db: DataSource;
  logger: Logger;
  /** The enabled evaluators (cached in process). */
  evaluators(): Promise<ActiveEvaluator[]>;
  scores: Pick<TraceScoreService, 'addMany'>;
  review: Pick<ReviewService, 'addTraceItem'>;
  /** One forced tool call to the judge model, priced (the eval runs' judge). */
  judge(modelId: string, req: { system: string; prompt: string; tool: typeof GRADE_TOOL }, signal: AbortSignal): Promise<{ toolInput: unknown; text: string; costMicros: number }>;
  judgeBudget: JudgeBudget;
  defaultJudgeModelId: string;
  /** REVIEW_SAMPLE_RATE: the share of scored traces sent to review when the evaluator sets none. */
  reviewSampleRate: number;
  /** Samples waiting at most (ONLINE_EVAL_QUEUE_SIZE); a sample beyond is dropped and counted. */
  queueSize: number;
  /** Samples scored at once (ONLINE_EVAL_CONCURRENCY). */
  concurrency: number;
  /** [0, 1) uniform; tests pass their own. */
  random?: () => number;
}

/** One sampled trace for one evaluator. */
interface Sample {
  evaluator: ActiveEvaluator;
  trace: TraceRecord;
  at: Date;
}

/** What the worker did since the process started (also exported as Prometheus counters). */
export interface OnlineEvalStats {
  /** Samples taken into the queue. */
  queued: number;
  /** Samples dropped because the queue was full (or the worker was stopping). */
  dropped: number;
  scored: number;
  failed: number;
  /** Traces whose llm-rubric assertions were left out because a budget covering judging had no room. */
  judgeRefused: number;
}

type Outcome = 'queued' | 'dropped' | 'scored' | 'failed';

/**
 * Scores sampled production traces off the hot path. `offer` is called with every recorded trace,
 * on a later turn than the request's (TraceService observers): it matches the cached evaluators,
 * decides the sample, and only appends to a bounded queue. A full queue drops the sample and counts
 * it (`genai_cp_online_eval_samples_total{outcome="dropped"}`): scoring never holds up `generate`.
 * At most `concurrency` samples are scored at once; judge calls are held against their own budget
 * scope first ({@link JudgeBudget}). Each sample writes, in one transaction, its result row,
 * one `Trace.scores` entry per assertion (RULE, or JUDGE with the judge's reason), and, for a share
 * of them, a review queue item.
 */
export class OnlineEvalWorker {
  private readonly queue: Sample[] = [];
  private active = 0;
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly random: () => number;
  readonly stats: OnlineEvalStats = { queued: 0, dropped: 0, scored: 0, failed: 0, judgeRefused: 0 };
  private samples?: Counter<'outcome'>;
  private refused?: Counter;
  private lastDropLog = 0;

  constructor(private readonly deps: OnlineEvalWorkerDeps) {
    this.random = deps.random ?? Math.random;
    setMaxListeners(0, this.abort.signal);
  }

  /** Samples waiting (the `online_evals` queue depth). */
  get pending(): number {
    return this.queue.length;
  }

  /** Adds the worker's counters to a Prometheus registry. */
  registerMetrics(registry: Registry): void {
    this.samples = new Counter({
      name: 'genai_cp_online_eval_samples_total',
      help: 'Production traces sampled by online evaluators, by outcome: queued, dropped (queue full), scored, failed',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    for (const o of ['queued', 'dropped', 'scored', 'failed'] as const) this.samples.inc({ outcome: o }, this.stats[o]);
    this.refused = new Counter({
      name: 'genai_cp_online_eval_judge_refused_total',
      help: 'Sampled traces whose llm-rubric assertions were skipped because a budget covering online judging had no room',
      registers: [registry],
    });
    this.refused.inc(this.stats.judgeRefused);
  }

  /** Called with every recorded trace: matches, samples and queues (or drops). Never throws, never waits. */
  offer(trace: TraceRecord): void {
    if (this.stopping || (trace.source ?? 'PRODUCTION') !== 'PRODUCTION' || trace.status !== 'COMPLETED' || typeof trace.output !== 'string') return;
    const at = trace.createdAt ? new Date(trace.createdAt) : new Date();
    this.deps.evaluators().then(
      (evaluators) => {
        for (const evaluator of evaluators) {
          if (!matches(evaluator, trace) || !(this.random() < evaluator.sampleRate)) continue;
          this.enqueue({ evaluator, trace, at });
        }
      },
      (err: unknown) => this.deps.logger.warn({ err }, 'online evaluators could not be loaded'),
    );
  }

  private enqueue(sample: Sample): void {
    if (this.stopping || this.queue.length >= this.deps.queueSize) {
      this.count('dropped');
      const now = Date.now();
      if (now - this.lastDropLog > 10_000) {
        this.lastDropLog = now;
        this.deps.logger.warn({ evaluator: sample.evaluator.name, traceId: sample.trace.id, dropped: this.stats.dropped, queueSize: this.deps.queueSize }, 'online eval queue full: sample dropped');
      }
      return;
    }
    this.queue.push(sample);
    this.count('queued');
    this.pump();
  }

  private pump(): void {
    while (!this.stopping && this.active < this.deps.concurrency && this.queue.length) {
      const sample = this.queue.shift()!;
      this.active++;
      void this.score(sample)
        .then(
          () => this.count('scored'),
          (err: unknown) => {
            this.count('failed');
            if (!this.abort.signal.aborted) this.deps.logger.warn({ err, evaluator: sample.evaluator.name, traceId: sample.trace.id }, 'online evaluation failed');
          },
        )
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  /** Resolves once nothing is queued or being scored (tests, the benchmark). */
  async drain(): Promise<void> {
    while (this.active || this.queue.length) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Stops taking samples, drops those waiting (counted), and gives those being scored `graceMs`
   * before their judge calls are aborted; returns at most a second after that.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const waiting = this.queue.splice(0);
    if (waiting.length) this.deps.logger.info({ dropped: waiting.length }, 'online evaluation stopped: queued samples dropped');
    for (let i = 0; i < waiting.length; i++) this.count('dropped');
    const deadline = Date.now() + graceMs;
    while (this.active && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.abort.abort('shutdown');
    // An aborted judge call ends at once; whatever still runs after a second more is left behind
    // (its writes fail once the database closes) rather than holding the shutdown up.
    const last = Date.now() + 1000;
    while (this.active && Date.now() < last) await new Promise((r) => setTimeout(r, 10));
    if (this.active) this.deps.logger.warn({ active: this.active }, 'online evaluation stopped with samples still being scored');
  }

  private count(outcome: Outcome): void {
    this.stats[outcome]++;
    this.samples?.inc({ outcome });
  }

  /** Scores one sample and stores what it found. */
  private async score({ evaluator: ev, trace, at }: Sample): Promise<void> {
    const { db } = this.deps;
    const set = ev.evalSet ? await db.getRepository(EvalSet).findOneBy({ name: ev.evalSet }) : null;
    const rubric = set?.rubric ?? null;
    const output = trace.output as string;
    let assertions = ev.assertions;
    const judged = assertions.filter(isJudged);
    const judgeModel = set?.judgeModelId ?? this.deps.defaultJudgeModelId;
    let hold: JudgeHold | null = null;
    if (judged.length) {
      const criteriaTokens = judged.reduce((n, a) => n + countTokens([rubric ?? '', (a as { value?: string }).value ?? ''].join('\n')), 0);
      const inputTokens = JUDGE_ATTEMPTS * (judged.length * (countTokens(output) + JUDGE_OVERHEAD_TOKENS) + criteriaTokens);
      hold = await this.deps.judgeBudget.reserve(judgeModel, inputTokens, JUDGE_ATTEMPTS * judged.length * JUDGE_MAX_OUTPUT_TOKENS);
      if (!hold.ok) {
        this.stats.judgeRefused++;
        this.refused?.inc();
        this.deps.logger.info({ evaluator: ev.name, traceId: trace.id, reason: hold.message }, 'online judge skipped: budget');
        assertions = assertions.filter((a) => !isJudged(a));
        if (!assertions.length) return;
      }
    }
    let judgeCostMicros = 0;
    let scored: CaseScore;
    try {
      scored = await scoreCase({ assertions, expected: null, threshold: null }, { output, error: null, costUsd: (trace.costMicros ?? 0) / 1e6, latencyMs: trace.latencyMs ?? 0 }, rubric, {
        judge: (input) =>
          judgeOutput(async (req) => {
            const r = await this.deps.judge(judgeModel, req, this.abort.signal);
            judgeCostMicros += r.costMicros;
            return r;
          }, input),
        similarity: () => Promise.reject(new Error('similar needs an expected answer')),
      });
    } finally {
      if (hold?.ok) await hold.settle(judgeCostMicros);
    }
    if (this.abort.signal.aborted) throw new Error('stopped while scoring');
    scored = withoutErrors(scored);
    if (!scored.scores.length) throw new Error('no assertion could be evaluated (the judge failed)');
    const toReview = this.random() < (ev.reviewSampleRate ?? this.deps.reviewSampleRate);
    await db.transaction(async (m) => {
      const inserted = (await m.query(
        `INSERT INTO online_eval_results (evaluator_id, evaluator, eval_set, prompt, prompt_version, trace_id, trace_at, score, passed, judge_score, judge_reason, judge_cost_micros)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (evaluator_id, trace_id) DO NOTHING RETURNING id`,
        [ev.id, ev.name, ev.evalSet, ev.prompt, trace.promptVersion ?? null, trace.id, at.toISOString(), scored.score, scored.passed, scored.judgeScore, scored.judgeReason, judgeCostMicros],
      )) as unknown[];
      // The pg driver answers [rows, count] for an INSERT ... RETURNING through query(); PGlite the rows.
      const rows = Array.isArray(inserted[0]) ? (inserted[0] as unknown[]) : inserted;
      if (!rows.length) return; // this trace was already scored by this evaluator
      await this.deps.scores.addMany(
        scored.scores.map((s) => ({
          traceId: trace.id,
          name: s.type,
          source: baseOf(s.type as AssertionType).base === 'llm-rubric' ? ScoreSource.JUDGE : ScoreSource.RULE,
          score: s.score,
          passed: s.passed,
          reason: s.reason,
          evaluator: ev.name,
        })),
        m,
      );
      if (toReview) {
        await this.deps.review.addTraceItem(
          {
            traceId: trace.id,
            evalSet: ev.evalSet,
            prompt: trace.prompt ?? ev.prompt,
            input: trace.request.input ?? null,
            output,
            context: trace.request.context ?? null,
            judgeScore: scored.judgeScore,
            judgeReason: scored.judgeReason,
            createdAt: at,
          },
          m,
        );
      }
    });
  }
}

/** Whether an evaluator looks at this trace: its prompt, its label (when set), and its filter. */
export function matches(ev: Pick<ActiveEvaluator, 'prompt' | 'label' | 'filter'>, trace: Pick<TraceRecord, 'prompt' | 'label' | 'tags' | 'modelId'>): boolean {
  if (trace.prompt !== ev.prompt) return false;
  if (ev.label !== null && trace.label !== ev.label) return false;
  const f = ev.filter;
  if (f?.tags && !(trace.tags ?? []).some((t) => f.tags!.includes(t))) return false;
  if (f?.models && !(trace.modelId && f.models.includes(trace.modelId))) return false;
  return true;
}

/**
 * Leaves out the assertions that could not be evaluated (the judge call failed): a production
 * trace is not scored 0 for the judge's outage. Score and pass are recomputed over the rest.
 */
function withoutErrors(c: CaseScore): CaseScore {
  if (!c.scores.some((s) => s.error)) return c;
  const scores = c.scores.filter((s) => !s.error);
  const weight = scores.reduce((n, s) => n + s.weight, 0);
  const judged = scores.find((s) => baseOf(s.type as AssertionType).base === 'llm-rubric');
  return {
    scores,
    score: weight > 0 ? scores.reduce((n, s) => n + s.weight * s.score, 0) / weight : 0,
    passed: scores.every((s) => s.passed),
    judgeScore: judged ? c.judgeScore : null,
    judgeReason: judged ? c.judgeReason : null,
  };
}
