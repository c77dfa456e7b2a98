import { Not, type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AuditService } from '../../audit/audit.service';
import { BadUserInputError, ConflictError, NotFoundError } from '../../graphql/errors';
import { nameSchema, parseId, parseInput } from '../../graphql/validation';
import type { Logger } from '../../observability/logger';
import { EvalSet } from '../eval-set.entity';
import type { EvalVersionRef } from '../runs/eval-run.ports';
import type { EvalRunService } from '../runs/eval-run.service';
import { EvalSchedule } from './eval-schedule.entity';
import type { EvalScheduleInput } from './eval-schedule.inputs';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const MAX_EVERY_SECONDS = 366 * 86_400;
/** Due schedules one process claims per tick at most. */
const CLAIM_BATCH = 20;

/** "30m" → 1800; null when not a whole number and a unit s, m, h or d. */
export function everySeconds(every: string): number | null {
  const m = /^([1-9][0-9]{0,7})([smhd])$/.exec(every.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] : null;
}

/** What eval schedules need (filled in by `app.ts`). */
export interface EvalScheduleServiceDeps {
  db: DataSource;
  audit: AuditService;
  logger: Logger;
  evalRuns: Pick<EvalRunService, 'queue'>;
  /** Throws NotFoundError for an unknown prompt or label. */
  resolveVersion(prompt: string, sel: { label: string | null; version: number | null }): Promise<EvalVersionRef>;
  promptExists(m: EntityManager, name: string): Promise<boolean>;
  isKnownModel(modelId: string): boolean;
  /** How often due schedules are looked for (EVAL_SCHEDULE_TICK_SECONDS). */
  tickMs: number;
  /** The shortest interval a schedule may have (EVAL_SCHEDULE_MIN_INTERVAL_SECONDS). */
  minIntervalMs: number;
  now?: () => Date;
}

/**
 * Eval schedules: CRUD with audit, and the scheduler that queues their runs. A due schedule is
 * claimed by one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`, which also
 * moves its `next_run_at` on: with several processes on one PostgreSQL, each firing is claimed by
 * exactly one of them. A schedule whose previous run is still queued or running skips that firing.
 */
export class EvalScheduleService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly schema;

  constructor(private readonly deps: EvalScheduleServiceDeps) {
    const minSeconds = Math.ceil(deps.minIntervalMs / 1000);
    this.schema = z.object({
      name: nameSchema,
      evalSet: nameSchema,
      prompt: nameSchema,
      label: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
      modelId: z.string().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters').nullish(),
      every: z
        .string()
        .trim()
        .refine((e) => everySeconds(e) !== null, 'must be a whole number and a unit s, m, h or d, like "6h" or "1d"')
        .refine((e) => (everySeconds(e) ?? 0) >= minSeconds, `must be at least ${minSeconds} seconds (EVAL_SCHEDULE_MIN_INTERVAL_SECONDS)`)
        .refine((e) => (everySeconds(e) ?? 0) <= MAX_EVERY_SECONDS, 'must be at most 366 days'),
      enabled: z.boolean().nullish(),
      startAt: z.date({ error: 'must be a DateTime' }).nullish(),
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  list(): Promise<EvalSchedule[]> {
    return this.deps.db.getRepository(EvalSchedule).find({ order: { name: 'ASC' } });
  }

  async create(input: EvalScheduleInput, actor: string): Promise<EvalSchedule> {
    const d = this.parse(input);
    await this.checkRefsAndLabel(d);
    return this.deps.db.transaction(async (m) => {
      await this.checkReferences(m, d);
      if (await m.findOneBy(EvalSchedule, { name: d.name })) throw new ConflictError(`an eval schedule named "${d.name}" already exists`);
      const row = await m.save(
        m.create(EvalSchedule, {
          ...fields(d),
          enabled: d.enabled ?? true,
          nextRunAt: d.startAt ?? this.now(),
          lastFiredAt: null,
          lastRunId: null,
          lastError: null,
        }),
      );
      await this.deps.audit.record(m, { actor, action: 'create', entityType: 'EvalSchedule', entityId: row.id, entityName: row.name, after: row });
      return row;
    });
  }

  async update(id: string, input: EvalScheduleInput, actor: string): Promise<EvalSchedule> {
    parseId(id);
    const d = this.parse(input);
    await this.checkRefsAndLabel(d);
    return this.deps.db.transaction(async (m) => {
      const row = await m.findOne(EvalSchedule, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundError('EvalSchedule', id);
      await this.checkReferences(m, d);
      if (await m.findOneBy(EvalSchedule, { name: d.name, id: Not(id) })) throw new ConflictError(`an eval schedule named "${d.name}" already exists`);
      const before = { ...row };
      Object.assign(row, fields(d), { enabled: d.enabled ?? row.enabled, nextRunAt: d.startAt ?? row.nextRunAt });
      const after = await m.save(row);
      await this.deps.audit.record(m, { actor, action: 'update', entityType: 'EvalSchedule', entityId: id, entityName: after.name, before, after });
      return after;
    });
  }

  /** Deletes a schedule; the runs it queued stay. */
  async delete(id: string, actor: string): Promise<boolean> {
    parseId(id);
    await this.deps.db.transaction(async (m) => {
      const row = await m.findOne(EvalSchedule, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundError('EvalSchedule', id);
      await m.delete(EvalSchedule, { id });
      await this.deps.audit.record(m, { actor, action: 'delete', entityType: 'EvalSchedule', entityId: id, entityName: row.name, before: row });
    });
    return true;
  }

  private parse(input: EvalScheduleInput) {
    const d = parseInput(this.schema, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)), 'input');
    if (d.modelId && !this.deps.isKnownModel(d.modelId)) throw new BadUserInputError('input.modelId', `unknown model "${d.modelId}"`);
    return d;
  }

  private async checkReferences(m: EntityManager, d: { evalSet: string; prompt: string; label?: string | null }): Promise<void> {
    if (!(await m.existsBy(EvalSet, { name: d.evalSet }))) throw new BadUserInputError('input.evalSet', `no eval set named "${d.evalSet}" (create it first)`);
    if (!(await this.deps.promptExists(m, d.prompt))) throw new BadUserInputError('input.prompt', `no prompt named "${d.prompt}" (create it first)`);
  }

  /** Unknown set or prompt first (their own messages), then the label. */
  private async checkRefsAndLabel(d: { evalSet: string; prompt: string; label?: string | null }): Promise<void> {
    await this.checkReferences(this.deps.db.manager, d);
    await this.checkLabel(d);
  }

  /** The label must point at a version now (read outside any transaction: on PGlite it holds the one connection). */
  private async checkLabel(d: { prompt: string; label?: string | null }): Promise<void> {
    const label = d.label ?? 'production';
    try {
      await this.deps.resolveVersion(d.prompt, { label, version: null });
    } catch (err) {
      if (err instanceof NotFoundError) throw new BadUserInputError('input.label', `prompt "${d.prompt}" has no label "${label}"`);
      throw err;
    }
  }

  // ---------------------------------------------------------------- scheduler

  /** Starts looking for due schedules every `tickMs` (a slow tick is never overlapped). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'eval schedule tick failed'))
        .finally(() => (this.running = null));
    }, this.deps.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Claims every schedule due at `now` and queues its run; returns the ids of the runs queued. */
  async tick(now: Date = this.now()): Promise<string[]> {
    const queued: string[] = [];
    for (;;) {
      const raw = (await this.deps.db.query(
        `UPDATE eval_schedules SET last_fired_at = $1, next_run_at = $1::timestamptz + every_seconds * interval '1 second'
          WHERE id IN (SELECT id FROM eval_schedules WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED)
          RETURNING id, name, eval_set, prompt, label, model_id, last_run_id`,
        [now.toISOString()],
      )) as unknown[];
      const claimed = (Array.isArray(raw[0]) ? raw[0] : raw) as Array<{
        id: string;
        name: string;
        eval_set: string;
        prompt: string;
        label: string;
        model_id: string | null;
        last_run_id: string | null;
      }>;
      for (const s of claimed) {
        const id = await this.fire(s);
        if (id) queued.push(id);
      }
      if (claimed.length < CLAIM_BATCH) return queued;
    }
  }

  /** Queues one claimed schedule's run, or records why it could not. */
  private async fire(s: { id: string; name: string; eval_set: string; prompt: string; label: string; model_id: string | null; last_run_id: string | null }): Promise<string | null> {
    const db = this.deps.db;
    try {
      if (s.last_run_id) {
        const [prev] = (await db.query(`SELECT status FROM eval_runs WHERE id = $1`, [s.last_run_id])) as Array<{ status: string }>;
        if (prev && (prev.status === 'QUEUED' || prev.status === 'RUNNING')) {
          throw new Error(`the previous run ${s.last_run_id} is still ${prev.status}; this firing was skipped`);
        }
      }
      const set = await db.getRepository(EvalSet).findOneBy({ name: s.eval_set });
      if (!set) throw new Error(`eval set "${s.eval_set}" no longer exists`);
      const version = await this.deps.resolveVersion(s.prompt, { label: s.label, version: null });
      const run = await this.deps.evalRuns.queue(set, version, s.label, s.model_id, `schedule:${s.name}`, 'evalSet', s.id);
      await db.query(`UPDATE eval_schedules SET last_run_id = $2, last_error = NULL WHERE id = $1`, [s.id, run.id]);
      this.deps.logger.info({ schedule: s.name, evalRun: run.id, promptVersion: version.number }, 'scheduled eval run queued');
      return run.id;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await db.query(`UPDATE eval_schedules SET last_error = $2 WHERE id = $1`, [s.id, message]);
      this.deps.logger.warn({ schedule: s.name, reason: message }, 'scheduled eval run not queued');
      return null;
    }
  }
}

function fields(d: { name: string; evalSet: string; prompt: string; label?: string | null; modelId?: string | null; every: string }) {
  return { name: d.name, evalSet: d.evalSet, prompt: d.prompt, label: d.label ?? 'production', modelId: d.modelId ?? null, every: d.every.trim(), everySeconds: everySeconds(d.every)! };
}
