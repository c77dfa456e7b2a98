import { randomUUID } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import { z } from 'zod';
import { BadUserInputError, NotFoundError } from '../../graphql/errors';
import { idSchema, nameSchema, parseId, parseInput } from '../../graphql/validation';
import { EvalCase } from '../eval-case.entity';
import { EvalSet } from '../eval-set.entity';
import { EvalResult } from './eval-result.entity';
import { EvalRun, EvalRunStatus, isFinished } from './eval-run.entity';
import type { EvalRunDeps, EvalVersionRef } from './eval-run.ports';
import { EvalCaseRunner, type CaseResultData } from './eval-case-runner';

/** What `runEval` asks for (RunEvalInput). */
export interface RunEvalData {
  evalSet: string;
  prompt: string;
  version?: number | null;
  label?: string | null;
  modelId?: string | null;
  /** Answer with a finished run of the same version, set content and model when there is one. */
  reuse?: boolean | null;
}

/** One bucket of `evalScoreTrend`: offline runs and online scores together, and each apart. */
export interface EvalTrendData {
  bucket: Date;
  meanScore: number | null;
  passRate: number | null;
  items: number;
  runs: number;
  promptVersions: number[];
  offlineItems: number;
  offlineMeanScore: number | null;
  onlineItems: number;
  onlineMeanScore: number | null;
  onlinePassRate: number | null;
}

/** One case of `compareEvalRuns`. */
export interface CaseComparisonData {
  caseId: string;
  position: number;
  baseScore: number | null;
  candidateScore: number | null;
  /** candidate - base (negative: a regression); null when either is missing. */
  delta: number | null;
  basePassed: boolean | null;
  candidatePassed: boolean | null;
}

const runInputSchema = z.object({
  evalSet: nameSchema,
  prompt: nameSchema,
  version: z.number().int('must be an integer').positive('must be a positive integer').nullish(),
  label: z.string().trim().min(1, 'must not be empty').max(100).nullish(),
  modelId: z.string().trim().min(1, 'must not be empty').max(300).nullish(),
  reuse: z.boolean().nullish(),
});
const firstSchema = z.number().int('must be an integer').min(1, 'must be at least 1').max(1000, 'must be at most 1000');
const resultsFirstSchema = z.number().int('must be an integer').min(1, 'must be at least 1').max(10_000, 'must be at most 10,000');

/** A heartbeat older than this (by default) marks a RUNNING run whose process died (on PostgreSQL, where several processes share runs). */
const STALE_MS = 30_000;
/** A run interrupted this many times is marked FAILED instead of resumed again. */
const MAX_RESUMES = 3;
/** Runs one process works on at once; more wait QUEUED. */
const MAX_ACTIVE_RUNS = 2;
const POLL_MS = 2000;

/**
 * Eval runs: created QUEUED by `runEval`, worked through by this service's in-process worker (a
 * bounded pool of cases through the generate pipeline, scored by the assertion engine), read back,
 * compared, cancelled, watched. A run left RUNNING by a stopped process is resumed at the next start
 * (its finished cases are kept) or, after {@link MAX_RESUMES} interruptions, marked FAILED with the reason.
 */
export class EvalRunService {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly active = new Map<string, AbortController>();
  private readonly instanceId = randomUUID();
  private poller: NodeJS.Timeout | null = null;
  private stopping = false;
  private kicking: Promise<void> | null = null;
  private readonly runner: EvalCaseRunner;
  private readonly staleMs: number;

  constructor(private readonly deps: EvalRunDeps) {
    this.runner = new EvalCaseRunner(deps);
    this.staleMs = deps.staleMs ?? STALE_MS;
  }

  // ---------------------------------------------------------------- API

  /** Validates and queues a run; returns it at once (QUEUED). Bad input is refused before any model call. */
  async start(input: RunEvalData, actor: string | null): Promise<EvalRun> {
    const data = parseInput(runInputSchema, { ...input }, 'input');
    if (data.version != null && data.label != null) throw new BadUserInputError('input.version', 'give either a version or a label, not both');
    if (data.modelId && !this.deps.isKnownModel(data.modelId)) throw new BadUserInputError('input.modelId', `unknown model "${data.modelId}"`);
    const set = await this.setByName(data.evalSet, 'input.evalSet');
    const version = await this.deps.resolveVersion(data.prompt, { label: data.label ?? null, version: data.version ?? null });
    if (data.reuse) {
      const reusable = await this.findReusable(version.versionId, (await this.fingerprint(set)).hash, data.modelId ?? null);
      if (reusable) return reusable;
    }
    return this.queue(set, version, data.label ?? null, data.modelId ?? null, actor);
  }

  /** Queues a run of a resolved version (also used by gated promotion). */
  async queue(
    set: EvalSet,
    version: EvalVersionRef,
    label: string | null,
    requestedModelId: string | null,
    actor: string | null,
    field = 'input.evalSet',
    scheduleId: string | null = null,
  ): Promise<EvalRun> {
    const { count, hash } = await this.fingerprint(set);
    if (count === 0) throw new BadUserInputError(field, `eval set "${set.name}" has no cases`);
    const judgeModel = set.judgeModelId ?? this.deps.defaultJudgeModelId;
    if (!this.deps.isKnownModel(judgeModel)) throw new BadUserInputError(field, `the judge model "${judgeModel}" is unknown`);
    const run = await this.deps.db.getRepository(EvalRun).save(
      this.deps.db.getRepository(EvalRun).create({
        evalSetId: set.id,
        prompt: version.prompt,
        promptVersion: version.number,
        promptVersionId: version.versionId,
        label,
        modelId: requestedModelId ?? version.modelId ?? this.deps.defaultModelId,
        requestedModelId,
        status: EvalRunStatus.QUEUED,
        caseCount: count,
        setHash: hash,
        createdBy: actor,
        scheduleId,
      }),
    );
    this.kick();
    return run;
  }

  /** The eval set by name; NOT_FOUND naming it. */
  async setByName(name: string, field = 'evalSet'): Promise<EvalSet> {
    const n = parseInput(nameSchema, name, field);
    const set = await this.deps.db.getRepository(EvalSet).findOneBy({ name: n });
    if (!set) throw new NotFoundError('EvalSet', n);
    return set;
  }

  /** A run by id, or null; a malformed id is BAD_USER_INPUT. */
  get(id: string): Promise<EvalRun | null> {
    parseId(id);
    return this.deps.db.getRepository(EvalRun).findOneBy({ id });
  }

  /** Newest first, optionally of one set and/or prompt (NOT_FOUND for an unknown set). */
  async list(filter: { evalSet?: string | null; prompt?: string | null; first?: number | null }): Promise<EvalRun[]> {
    const take = parseInput(firstSchema, filter.first ?? 50, 'first');
    const where: Record<string, unknown> = {};
    if (filter.evalSet != null) where.evalSetId = (await this.setByName(filter.evalSet)).id;
    if (filter.prompt != null) where.prompt = parseInput(nameSchema, filter.prompt, 'prompt');
    return this.deps.db.getRepository(EvalRun).find({ where, order: { createdAt: 'DESC', id: 'DESC' }, take });
  }

  /** The runs an eval schedule queued, newest first. */
  bySchedule(scheduleId: string, first: number): Promise<EvalRun[]> {
    const take = parseInput(firstSchema, first, 'first');
    return this.deps.db.getRepository(EvalRun).find({ where: { scheduleId }, order: { createdAt: 'DESC', id: 'DESC' }, take });
  }

  /** Results in case order, one page: `first` (default 1000) after the case position `after`. */
  results(runId: string, first?: number | null, after?: number | null): Promise<EvalResult[]> {
    const take = parseInput(resultsFirstSchema, first ?? 1000, 'first');
    const qb = this.deps.db.getRepository(EvalResult).createQueryBuilder('r').where('r.run_id = :runId', { runId }).orderBy('r.position', 'ASC').limit(take);
    if (after != null) qb.andWhere('r.position > :after', { after });
    return qb.getMany();
  }

  /** The failed results of a run, lowest score first (for a gate's reason). */
  failedResults(runId: string, limit: number): Promise<EvalResult[]> {
    return this.deps.db.getRepository(EvalResult).find({ where: { runId, passed: false }, order: { score: 'ASC', position: 'ASC' }, take: limit });
  }

  /** Stops a run: CANCELLED, its cases in flight aborted. A finished run is returned as it is. */
  async cancel(id: string, actor: string | null): Promise<EvalRun> {
    parseId(id);
    const rows = await returning(this.deps.db, `UPDATE eval_runs SET status = 'CANCELLED', error = $2, finished_at = now() WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING id`, [
      id,
      `cancelled by ${actor ?? 'an operator'}`,
    ]);
    const run = await this.get(id);
    if (!run) throw new NotFoundError('EvalRun', id);
    if (rows.length) {
      this.active.get(id)?.abort('cancelled');
      this.publish(run);
    }
    return run;
  }

  /** Per case: both scores and the difference, regressions (most negative difference) first. */
  async compare(baseId: string, candidateId: string): Promise<{ base: EvalRun; candidate: EvalRun; cases: CaseComparisonData[] }> {
    parseId(baseId, 'base');
    parseId(candidateId, 'candidate');
    const [base, candidate] = await Promise.all([this.get(baseId), this.get(candidateId)]);
    if (!base) throw new NotFoundError('EvalRun', baseId);
    if (!candidate) throw new NotFoundError('EvalRun', candidateId);
    if (base.evalSetId !== candidate.evalSetId) throw new BadUserInputError('candidate', 'the two runs are of different eval sets');
    const rows: Array<{ case_id: string; position: number; b: number | null; c: number | null; bp: boolean | null; cp: boolean | null }> = await this.deps.db.query(
      `SELECT coalesce(b.case_id, c.case_id) AS case_id, coalesce(b.position, c.position) AS position,
              b.score AS b, c.score AS c, b.passed AS bp, c.passed AS cp
         FROM (SELECT * FROM eval_results WHERE run_id = $1) b
         FULL JOIN (SELECT * FROM eval_results WHERE run_id = $2) c ON c.case_id = b.case_id
        ORDER BY (c.score - b.score) ASC NULLS LAST, 2 ASC`,
      [baseId, candidateId],
    );
    const cases = rows.map((r) => {
      const b = r.b === null ? null : Number(r.b);
      const c = r.c === null ? null : Number(r.c);
      return { caseId: r.case_id, position: Number(r.position), baseScore: b, candidateScore: c, delta: b !== null && c !== null ? c - b : null, basePassed: r.bp, candidatePassed: r.cp };
    });
    return { base, candidate, cases };
  }

  /**
   * Per bucket (UTC): the set's SUCCEEDED runs (by `finished_at`) and the production traces its
   * online evaluators scored (by the trace's time), optionally of one prompt; NOT_FOUND for an
   * unknown set. `meanScore`, `passRate` and `items` count both (every case of a run and every scored
   * trace is one item); the offline and online parts are also given apart.
   */
  async scoreTrend(evalSet: string, prompt: string | null | undefined, bucket: 'HOUR' | 'DAY' | 'WEEK' | 'MONTH'): Promise<EvalTrendData[]> {
    const set = await this.setByName(evalSet);
    const promptName = prompt == null ? null : parseInput(nameSchema, prompt, 'prompt');
    const unit = { HOUR: 'hour', DAY: 'day', WEEK: 'week', MONTH: 'month' }[bucket];
    type Row = { bucket: Date; score_sum: number; passed: number; items: number; runs: number; versions: number[] | null };
    const [offline, online]: [Row[], Row[]] = await Promise.all([
      this.deps.db.query(
        `SELECT date_trunc('${unit}', r.finished_at, 'UTC') AS bucket, sum(r.score_sum)::float8 AS score_sum, sum(r.passed_count)::int AS passed,
                sum(r.done_count)::int AS items, count(*)::int AS runs, array_agg(DISTINCT r.prompt_version ORDER BY r.prompt_version) AS versions
           FROM eval_runs r
          WHERE r.eval_set_id = $1 AND r.status = 'SUCCEEDED' AND ($2::text IS NULL OR r.prompt = $2)
          GROUP BY 1`,
        [set.id, promptName],
      ),
      this.deps.db.query(
        `SELECT date_trunc('${unit}', o.trace_at, 'UTC') AS bucket, sum(o.score)::float8 AS score_sum, (count(*) FILTER (WHERE o.passed))::int AS passed,
                count(*)::int AS items, 0 AS runs,
                array_agg(DISTINCT o.prompt_version ORDER BY o.prompt_version) FILTER (WHERE o.prompt_version IS NOT NULL) AS versions
           FROM online_eval_results o
          WHERE o.eval_set = $1 AND ($2::text IS NULL OR o.prompt = $2)
          GROUP BY 1`,
        [set.name, promptName],
      ),
    ]);
    const byBucket = new Map<number, { off?: Row; on?: Row }>();
    for (const r of offline) byBucket.set(new Date(r.bucket).getTime(), { off: r });
    for (const r of online) {
      const k = new Date(r.bucket).getTime();
      byBucket.set(k, { ...byBucket.get(k), on: r });
    }
    const mean = (r: Row | undefined) => (r && Number(r.items) ? Number(r.score_sum) / Number(r.items) : null);
    return [...byBucket.entries()]
      .sort(([a], [b]) => a - b)
      .map(([k, { off, on }]) => {
        const items = Number(off?.items ?? 0) + Number(on?.items ?? 0);
        const scoreSum = Number(off?.score_sum ?? 0) + Number(on?.score_sum ?? 0);
        const passed = Number(off?.passed ?? 0) + Number(on?.passed ?? 0);
        return {
          bucket: new Date(k),
          meanScore: items ? scoreSum / items : null,
          passRate: items ? passed / items : null,
          items,
          runs: Number(off?.runs ?? 0),
          promptVersions: [...new Set([...(off?.versions ?? []), ...(on?.versions ?? [])].map(Number))].sort((a, b) => a - b),
          offlineItems: Number(off?.items ?? 0),
          offlineMeanScore: mean(off),
          onlineItems: Number(on?.items ?? 0),
          onlineMeanScore: mean(on),
          onlinePassRate: on && Number(on.items) ? Number(on.passed) / Number(on.items) : null,
        };
      });
  }

  /** The newest SUCCEEDED run of this version on this set content with this model, to reuse. */
  findReusable(versionId: string, setHash: string, requestedModelId: string | null): Promise<EvalRun | null> {
    return this.deps.db.getRepository(EvalRun).findOne({
      where: { promptVersionId: versionId, setHash, requestedModelId: requestedModelId ?? (null as unknown as undefined), status: EvalRunStatus.SUCCEEDED },
      order: { finishedAt: 'DESC' },
    });
  }

  /** Case count and content hash of a set (ids, every case field, rubric and judge): what a reusable run must match. */
  async fingerprint(set: EvalSet): Promise<{ count: number; hash: string }> {
    const [row]: Array<{ n: number; h: string | null }> = await this.deps.db.query(
      `SELECT count(*)::int AS n,
              md5(coalesce($2::text, '') || '|' || coalesce($3::text, '') || '|' || coalesce(string_agg(
                c.id::text || jsonb_build_array(c.variables, c.messages, c.input, c.context, c.expected, c.assertions, c.threshold)::text,
                ',' ORDER BY c.position), '')) AS h
         FROM eval_cases c WHERE c.eval_set_id = $1`,
      [set.id, set.rubric, set.judgeModelId],
    );
    return { count: Number(row?.n ?? 0), hash: row?.h ?? '' };
  }

  /**
   * The run after each finished case, in order, then once more when it ends (then the stream
   * completes). Within a process the worker's events are relayed at once; a poll every second covers
   * a run worked on by another process.
   */
  async progress(id: string): Promise<AsyncIterable<EvalRun>> {
    const first = await this.get(id);
    if (!first) throw new NotFoundError('EvalRun', id);
    return this.follow(first);
  }

  /** Waits until a run ends and returns it as it ended. */
  async waitFor(id: string): Promise<EvalRun> {
    let last: EvalRun | null = null;
    for await (const r of await this.progress(id)) last = r;
    return last!;
  }

  private async *follow(first: EvalRun): AsyncGenerator<EvalRun> {
    const queue: EvalRun[] = [];
    let wake: (() => void) | null = null;
    const listener = (r: EvalRun) => {
      queue.push(r);
      wake?.();
    };
    this.events.on(first.id, listener);
    const poll = setInterval(() => {
      void this.get(first.id).then(
        (r) => r && listener(r),
        () => undefined,
      );
    }, 1000);
    try {
      let last = first;
      yield first;
      while (!isFinished(last.status)) {
        if (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        while (queue.length) {
          const r = queue.shift()!;
          // Only forward: a poll or an event that arrives late never steps the run back.
          if (r.doneCount > last.doneCount || (r.status !== last.status && !isFinished(last.status))) {
            last = r;
            yield r;
          }
        }
      }
    } finally {
      clearInterval(poll);
      this.events.off(first.id, listener);
    }
  }

  private publish(run: EvalRun): void {
    this.events.emit(run.id, run);
  }

  // ---------------------------------------------------------------- worker

  /**
   * Starts the worker: runs left RUNNING by a stopped process are resumed (or FAILED after too many
   * interruptions), then QUEUED runs are claimed as slots free up.
   */
  async startWorker(): Promise<void> {
    this.stopping = false;
    await this.recover(true);
    this.poller = setInterval(() => {
      void this.recover(false).then(
        () => this.kick(),
        (err: unknown) => this.deps.logger.warn({ err }, 'eval worker poll failed'),
      );
    }, POLL_MS);
    this.poller.unref();
    this.kick();
  }

  /** Stops claiming runs and aborts the cases in flight; their runs stay RUNNING, to be resumed at the next start. */
  async stopWorker(): Promise<void> {
    this.stopping = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    for (const c of this.active.values()) c.abort('shutdown');
    const deadline = Date.now() + 5000;
    while (this.active.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.kicking;
  }

  /** Re-queues interrupted runs: at start-up on PGlite every RUNNING one, otherwise those with a stale heartbeat. */
  private async recover(startup: boolean): Promise<void> {
    const all = startup && this.deps.singleProcess;
    const stale: Array<{ id: string; resumes: number }> = await this.deps.db.query(
      `SELECT id, resumes FROM eval_runs WHERE status = 'RUNNING' AND ($1::boolean OR heartbeat IS NULL OR heartbeat < now() - ($2::int * interval '1 millisecond')) AND NOT (id = ANY($3::uuid[]))`,
      [all, this.staleMs, [...this.active.keys()]],
    );
    for (const r of stale) {
      if (r.resumes >= MAX_RESUMES) {
        await this.deps.db.query(`UPDATE eval_runs SET status = 'FAILED', finished_at = now(), error = $2 WHERE id = $1 AND status = 'RUNNING'`, [
          r.id,
          `interrupted ${r.resumes + 1} times by a restart; not resumed again`,
        ]);
      } else {
        await this.deps.db.query(`UPDATE eval_runs SET status = 'QUEUED', owner = NULL, resumes = resumes + 1 WHERE id = $1 AND status = 'RUNNING'`, [r.id]);
        this.deps.logger.info({ evalRun: r.id }, 'eval run interrupted by a restart: resumed');
      }
      const run = await this.get(r.id);
      if (run) this.publish(run);
    }
  }

  /** Claims QUEUED runs while there are free slots. */
  kick(): void {
    if (this.stopping || this.kicking) return;
    this.kicking = (async () => {
      try {
        while (!this.stopping && this.active.size < MAX_ACTIVE_RUNS) {
          const rows = await returning(
            this.deps.db,
            `UPDATE eval_runs SET status = 'RUNNING', owner = $1, heartbeat = now(), started_at = coalesce(started_at, now())
              WHERE id = (SELECT id FROM eval_runs WHERE status = 'QUEUED' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
              RETURNING id`,
            [this.instanceId],
          );
          const id = rows[0]?.id;
          if (!id) break;
          const controller = new AbortController();
          // Every case in flight listens on the run's signal (pipeline, SDK call): up to EVAL_CONCURRENCY at once.
          setMaxListeners(0, controller.signal);
          this.active.set(id, controller);
          void this.execute(id, controller.signal).finally(() => {
            this.active.delete(id);
            this.kick();
          });
        }
      } catch (err) {
        if (!this.stopping) this.deps.logger.warn({ err }, 'eval worker could not claim a run');
      } finally {
        this.kicking = null;
      }
    })();
  }

  /** Works one run to its end: every case without a result, `concurrency` at a time, in pages. */
  private async execute(id: string, signal: AbortSignal): Promise<void> {
    const db = this.deps.db;
    try {
      const run = await this.get(id);
      if (!run) return;
      this.publish(run);
      const set = await db.getRepository(EvalSet).findOneBy({ id: run.evalSetId });
      if (!set) throw new Error('its eval set no longer exists');
      const heartbeat = setInterval(() => void db.query(`UPDATE eval_runs SET heartbeat = now() WHERE id = $1 AND status = 'RUNNING'`, [id]).catch(() => undefined), this.staleMs / 3);
      heartbeat.unref();
      try {
        await this.runCases(run, set, signal);
      } finally {
        clearInterval(heartbeat);
      }
      if (signal.aborted) return;
      const done = await returning(db, `UPDATE eval_runs SET status = 'SUCCEEDED', finished_at = now(), heartbeat = now() WHERE id = $1 AND status = 'RUNNING' RETURNING id`, [id]);
      if (done.length === 0) return;
    } catch (err) {
      if (signal.aborted) return;
      this.deps.logger.warn({ err, evalRun: id }, 'eval run failed');
      await db
        .query(`UPDATE eval_runs SET status = 'FAILED', finished_at = now(), error = $2 WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, [id, `the run could not go on: ${(err as Error).message}`])
        .catch(() => undefined);
    }
    const final = await this.get(id).catch(() => null);
    if (final) this.publish(final);
  }

  private async runCases(run: EvalRun, set: EvalSet, signal: AbortSignal): Promise<void> {
    const db = this.deps.db;
    const limit = Math.max(1, this.deps.concurrency);
    const inFlight = new Set<Promise<void>>();
    let afterPosition = -1;
    let failure: unknown = null;
    for (;;) {
      if (signal.aborted || failure) break;
      // Cases without a result yet (a resumed run skips those done), one page at a time: bounded memory.
      const page = await db
        .getRepository(EvalCase)
        .createQueryBuilder('c')
        .where('c.eval_set_id = :set AND c.position < :count AND c.position > :after', { set: set.id, count: run.caseCount, after: afterPosition })
        .andWhere('NOT EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = :run AND r.case_id = c.id)', { run: run.id })
        .orderBy('c.position', 'ASC')
        .limit(200)
        .getMany();
      if (page.length === 0) break;
      afterPosition = page[page.length - 1]!.position;
      for (const c of page) {
        if (signal.aborted || failure) break;
        while (inFlight.size >= limit) await Promise.race(inFlight);
        const p: Promise<void> = this.runner
          .run(run, set, c, signal)
          .then(async (result) => {
            if (!result || signal.aborted) return;
            const updated = await this.record(run, result);
            if (!updated) {
              // Cancelled (here or by another process): stop the rest.
              this.active.get(run.id)?.abort('cancelled');
              return;
            }
            this.publish(updated);
          })
          .catch((err: unknown) => {
            failure ??= err;
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    }
    await Promise.all(inFlight);
    if (failure && !signal.aborted) throw failure;
  }

  /** Writes one result and folds it into the run's aggregates, in one transaction; null when the run is no longer RUNNING. */
  private async record(run: EvalRun, r: CaseResultData): Promise<EvalRun | null> {
    // One statement (one round trip, no transaction): the result is written only while the run is
    // RUNNING, and only once per case; the run's aggregates move with it.
    const rows = await returning<AggregateRow>(
      this.deps.db,
      `WITH live AS (SELECT id FROM eval_runs WHERE id = $1 AND status = 'RUNNING' FOR UPDATE),
       ins AS (
         INSERT INTO eval_results (run_id, case_id, position, output, trace_id, scores, passed, score, judge_score, judge_reason, error, cost_micros, judge_cost_micros, latency_ms)
         SELECT live.id, $2::uuid, $3::int, $4::text, $5::uuid, $6::jsonb, $7::boolean, $8::float8, $9::float8, $10::text, $11::text, $12::bigint, $13::bigint, $14::float8 FROM live
         ON CONFLICT (run_id, case_id) DO NOTHING RETURNING passed
       )
       UPDATE eval_runs r SET done_count = r.done_count + 1, passed_count = r.passed_count + (CASE WHEN ins.passed THEN 1 ELSE 0 END),
              score_sum = r.score_sum + $8::float8, cost_micros = r.cost_micros + $12::bigint, judge_cost_micros = r.judge_cost_micros + $13::bigint,
              judge_ms = r.judge_ms + $15::float8, heartbeat = now()
         FROM ins WHERE r.id = $1
       RETURNING r.id, r.status, r.done_count, r.passed_count, r.score_sum, r.cost_micros, r.judge_cost_micros, r.judge_ms`,
      [run.id, r.caseId, r.position, r.output, r.traceId, JSON.stringify(r.scores), r.passed, r.score, r.judgeScore, r.judgeReason, r.error, r.costMicros, r.judgeCostMicros, r.latencyMs, r.judgeMs],
    );
    const row = rows[0];
    if (!row) {
      // Not written: the run is no longer RUNNING (cancelled), or this case already had a result.
      const current = await this.get(run.id);
      return current && current.status === EvalRunStatus.RUNNING ? current : null;
    }
    return Object.assign(Object.create(EvalRun.prototype) as EvalRun, run, {
      status: row.status,
      doneCount: Number(row.done_count),
      passedCount: Number(row.passed_count),
      scoreSum: Number(row.score_sum),
      costMicros: row.cost_micros,
      judgeCostMicros: row.judge_cost_micros,
      judgeMs: Number(row.judge_ms),
    });
  }

  /** Whether an id is well-formed (for field resolvers that must not throw). */
  static isId(id: string): boolean {
    return idSchema.safeParse(id).success;
  }
}

/**
 * Rows of an UPDATE ... RETURNING: TypeORM's PostgreSQL driver answers UPDATE and DELETE with
 * `[rows, rowCount]` instead of the rows.
 */
async function returning<T = { id: string }>(db: { query(sql: string, params?: unknown[]): Promise<unknown> }, sql: string, params: unknown[]): Promise<T[]> {
  const raw = (await db.query(sql, params)) as unknown[];
  return (Array.isArray(raw[0]) ? raw[0] : raw) as T[];
}

/** The aggregates `record` reads back. */
interface AggregateRow {
  id: string;
  status: EvalRunStatus;
  done_count: number;
  passed_count: number;
  score_sum: number;
  cost_micros: string;
  judge_cost_micros: string;
  judge_ms: number;
}
