import { Not, type EntityManager } from 'typeorm';
import type { AuditService } from '../../audit/audit.service';
import { CachedConfig, type ChangeBus } from '../../db/change-bus';
import { BadUserInputError, ConflictError, NotFoundError } from '../../graphql/errors';
import { parseId, parseInput } from '../../graphql/validation';
import { EvalSet } from '../eval-set.entity';
import type { OnlineEvaluatorInput } from './online-evaluator.inputs';
import { OnlineEvalWorker, type OnlineEvalWorkerDeps } from './online-eval-worker';
import { OnlineEvaluator } from './online-evaluator.entity';
import { isJudged, onlineEvaluatorInputSchema, type OnlineEvaluatorFields } from './online-evaluator.schemas';

const TOPIC = 'online_evaluators';

/** What online evaluators need from the rest of the service (filled in by `app.ts`). */
export interface OnlineEvaluatorServiceDeps extends Omit<OnlineEvalWorkerDeps, 'evaluators'> {
  audit: AuditService;
  bus: ChangeBus;
  /** Whether a prompt of this name exists (checked in the caller's transaction). */
  promptExists(m: EntityManager, name: string): Promise<boolean>;
  isKnownModel(modelId: string): boolean;
}

/** An enabled evaluator as the trace observer matches it: plain data from the in-process cache. */
export type ActiveEvaluator = Pick<OnlineEvaluator, 'id' | 'name' | 'prompt' | 'label' | 'evalSet' | 'sampleRate' | 'reviewSampleRate' | 'assertions' | 'filter'>;

/**
 * Online evaluators: CRUD with audit, the cached list of enabled ones, and the worker that scores
 * the traces they sample (`app.ts` hands it every recorded trace and stops it on shutdown).
 */
export class OnlineEvaluatorService {
  private readonly cache: CachedConfig<ActiveEvaluator[]>;
  readonly worker: OnlineEvalWorker;

  constructor(private readonly deps: OnlineEvaluatorServiceDeps) {
    this.cache = new CachedConfig(TOPIC, () => deps.db.getRepository(OnlineEvaluator).find({ where: { enabled: true }, order: { name: 'ASC' } }), deps.bus);
    this.worker = new OnlineEvalWorker({ ...deps, evaluators: () => this.active() });
  }

  /** Every evaluator, by name; disabled ones included. */
  list(): Promise<OnlineEvaluator[]> {
    return this.deps.db.getRepository(OnlineEvaluator).find({ order: { name: 'ASC' } });
  }

  /** The enabled evaluators, from the in-process cache (no database read once loaded). */
  active(): Promise<ActiveEvaluator[]> {
    return this.cache.get();
  }

  async create(input: OnlineEvaluatorInput, actor: string): Promise<OnlineEvaluator> {
    const data = parseInput(onlineEvaluatorInputSchema, stripUndefined(input), 'input');
    const saved = await this.deps.db.transaction(async (m) => {
      await this.checkReferences(m, data);
      if (await m.findOneBy(OnlineEvaluator, { name: data.name })) throw new ConflictError(`an online evaluator named "${data.name}" already exists`);
      const row = await m.save(m.create(OnlineEvaluator, { ...fields(data), enabled: data.enabled ?? true }));
      await this.deps.audit.record(m, { actor, action: 'create', entityType: 'OnlineEvaluator', entityId: row.id, entityName: row.name, after: row });
      return row;
    });
    await this.deps.bus.publish(TOPIC);
    return saved;
  }

  /** Replaces an evaluator's settings; an omitted `enabled` keeps its value. */
  async update(id: string, input: OnlineEvaluatorInput, actor: string): Promise<OnlineEvaluator> {
    parseId(id);
    const data = parseInput(onlineEvaluatorInputSchema, stripUndefined(input), 'input');
    const saved = await this.deps.db.transaction(async (m) => {
      const row = await m.findOne(OnlineEvaluator, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundError('OnlineEvaluator', id);
      await this.checkReferences(m, data);
      if (await m.findOneBy(OnlineEvaluator, { name: data.name, id: Not(id) })) throw new ConflictError(`an online evaluator named "${data.name}" already exists`);
      const before = { ...row };
      Object.assign(row, fields(data), { enabled: data.enabled ?? row.enabled });
      const after = await m.save(row);
      await this.deps.audit.record(m, { actor, action: 'update', entityType: 'OnlineEvaluator', entityId: id, entityName: after.name, before, after });
      return after;
    });
    await this.deps.bus.publish(TOPIC);
    return saved;
  }

  /** Deletes an evaluator; the scores it gave stay on their traces (and in evalScoreTrend). */
  async delete(id: string, actor: string): Promise<boolean> {
    parseId(id);
    await this.deps.db.transaction(async (m) => {
      const row = await m.findOne(OnlineEvaluator, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundError('OnlineEvaluator', id);
      await m.delete(OnlineEvaluator, { id });
      await this.deps.audit.record(m, { actor, action: 'delete', entityType: 'OnlineEvaluator', entityId: id, entityName: row.name, before: row });
    });
    await this.deps.bus.publish(TOPIC);
    return true;
  }

  /** The prompt and eval set must exist; an llm-rubric needs criteria (its value or the set's rubric) and a known judge. */
  private async checkReferences(m: EntityManager, data: OnlineEvaluatorFields): Promise<void> {
    if (!(await this.deps.promptExists(m, data.prompt))) throw new BadUserInputError('input.prompt', `no prompt named "${data.prompt}" (create it first)`);
    const set = data.evalSet ? await m.findOneBy(EvalSet, { name: data.evalSet }) : null;
    if (data.evalSet && !set) throw new BadUserInputError('input.evalSet', `no eval set named "${data.evalSet}" (create it first)`);
    const judged = data.assertions.map((a, i) => [a, i] as const).filter(([a]) => isJudged(a));
    for (const [a, i] of judged) {
      if (!('value' in a && a.value) && !set?.rubric) {
        throw new BadUserInputError(`input.assertions.${i}.value`, 'an llm-rubric assertion needs a value, or an evalSet with a rubric');
      }
    }
    const judge = set?.judgeModelId ?? this.deps.defaultJudgeModelId;
    if (judged.length && !this.deps.isKnownModel(judge)) throw new BadUserInputError('input.evalSet', `the judge model "${judge}" is unknown`);
  }
}

function fields(d: OnlineEvaluatorFields): Omit<ActiveEvaluator, 'id'> {
  return {
    name: d.name,
    prompt: d.prompt,
    label: d.label ?? null,
    evalSet: d.evalSet ?? null,
    sampleRate: d.sampleRate,
    reviewSampleRate: d.reviewSampleRate ?? null,
    assertions: d.assertions,
    filter: d.filter,
  };
}

/** GraphQL input objects carry undefined for omitted fields; the schemas should see them as absent. */
function stripUndefined(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
