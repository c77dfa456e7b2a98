import { In, Not, QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AuditService } from '../audit/audit.service';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { nameSchema, parseInput, idSchema, parseId } from '../graphql/validation';
import { EvalCase } from './eval-case.entity';
import { parseEvalCases, type EvalCaseData } from './eval-case.schemas';
import { EvalSet } from './eval-set.entity';
import type { EvalCaseInput, EvalSetInput, EvalSetUpdateInput } from './eval-set.inputs';

const PG_FOREIGN_KEY_VIOLATION = '23503';

const longText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => v || null);
const modelId = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(300, 'must be at most 300 characters')
  .nullish()
  .transform((v) => v ?? null);

const setFieldsSchema = z.object({
  name: nameSchema,
  description: longText(2000),
  rubric: longText(20_000),
  judgeModelId: modelId,
});

/** Options of {@link EvalSetService}. */
export interface EvalSetServiceOptions {
  /** When given, a `judgeModelId` it does not know is refused with BAD_USER_INPUT; otherwise any non-empty id is accepted. */
  isKnownModel?: (modelId: string) => boolean;
}

/** Eval sets and their cases: create, read, change, with every change audited in its transaction. */
export class EvalSetService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly options: EvalSetServiceOptions = {},
  ) {}

  /** Every eval set, by name (cases not loaded). */
  list(): Promise<EvalSet[]> {
    return this.db.getRepository(EvalSet).find({ order: { name: 'ASC' } });
  }

  /** An eval set by name, cases not loaded; NOT_FOUND when there is none. */
  async get(name: string): Promise<EvalSet> {
    const set = await this.db.getRepository(EvalSet).findOneBy({ name });
    if (!set) throw new NotFoundError('EvalSet', name);
    return set;
  }

  /** An eval set by id, or null. */
  byId(id: string): Promise<EvalSet | null> {
    if (!idSchema.safeParse(id).success) return Promise.resolve(null);
    return this.db.getRepository(EvalSet).findOneBy({ id });
  }

  /** The cases of a set, in order. */
  cases(evalSetId: string): Promise<EvalCase[]> {
    return this.db.getRepository(EvalCase).find({ where: { evalSetId }, order: { position: 'ASC' } });
  }

  /** Cases by id (any set), e.g. for eval results. */
  casesByIds(ids: readonly string[]): Promise<EvalCase[]> {
    const valid = ids.filter((id) => idSchema.safeParse(id).success);
    return valid.length ? this.db.getRepository(EvalCase).findBy({ id: In(valid) }) : Promise.resolve([]);
  }

  async create(input: EvalSetInput, actor: string): Promise<EvalSet> {
    const { cases: rawCases, ...fields } = input;
    const parsed = this.parseFields(fields);
    const cases = parseEvalCases(rawCases ?? [], 'input.cases', parsed);
    return this.db.transaction(async (m) => {
      if (await m.findOneBy(EvalSet, { name: parsed.name })) throw new ConflictError(`an eval set named "${parsed.name}" already exists`);
      const set = await m.save(m.create(EvalSet, parsed));
      set.cases = await this.insertCases(m, set.id, 0, cases);
      await this.audit.record(m, { actor, action: 'create', entityType: 'EvalSet', entityId: set.id, entityName: set.name, after: set });
      return set;
    });
  }

  /** Appends cases to a set (after the existing ones) and returns the set with all its cases. */
  async addCases(evalSetName: string, rawCases: EvalCaseInput[], actor: string): Promise<EvalSet> {
    const name = parseInput(nameSchema, evalSetName, 'evalSet');
    return this.db.transaction(async (m) => {
      // The row lock serializes concurrent appends, so positions never collide.
      const set = await m.findOne(EvalSet, { where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!set) throw new NotFoundError('EvalSet', name);
      const cases = parseEvalCases(rawCases, 'cases', set);
      if (cases.length === 0) throw new BadUserInputError('cases', 'must hold at least one case');
      const existing = await m.count(EvalCase, { where: { evalSetId: set.id } });
      const added = await this.insertCases(m, set.id, existing, cases);
      set.updatedAt = new Date();
      await m.update(EvalSet, { id: set.id }, { updatedAt: set.updatedAt });
      await this.audit.record(m, {
        actor,
        action: 'add_cases',
        entityType: 'EvalSet',
        entityId: set.id,
        entityName: set.name,
        before: { caseCount: existing },
        after: { caseCount: existing + added.length, added },
      });
      set.cases = await m.find(EvalCase, { where: { evalSetId: set.id }, order: { position: 'ASC' } });
      return set;
    });
  }

  /** Changes name, description, rubric or judge model: an omitted field keeps its value, null clears it. */
  async update(id: string, input: EvalSetUpdateInput, actor: string): Promise<EvalSet> {
    checkId(id);
    return this.db.transaction(async (m) => {
      const set = await m.findOne(EvalSet, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!set) throw new NotFoundError('EvalSet', id);
      const merged = {
        name: input.name === undefined ? set.name : input.name,
        description: input.description === undefined ? set.description : input.description,
        rubric: input.rubric === undefined ? set.rubric : input.rubric,
        judgeModelId: input.judgeModelId === undefined ? set.judgeModelId : input.judgeModelId,
      };
      const parsed = this.parseFields(merged);
      if (parsed.name !== set.name && (await m.findOneBy(EvalSet, { name: parsed.name, id: Not(id) }))) {
        throw new ConflictError(`an eval set named "${parsed.name}" already exists`);
      }
      if (!parsed.rubric && set.rubric) await this.checkRubricNotNeeded(m, set.id);
      const before = { ...set };
      Object.assign(set, parsed);
      const saved = await m.save(set);
      await this.audit.record(m, { actor, action: 'update', entityType: 'EvalSet', entityId: id, entityName: saved.name, before, after: saved });
      return saved;
    });
  }

  /** Deletes a set and its cases; CONFLICT while eval runs still refer to it. */
  async delete(id: string, actor: string): Promise<boolean> {
    checkId(id);
    try {
      await this.db.transaction(async (m) => {
        const set = await m.findOne(EvalSet, { where: { id }, lock: { mode: 'pessimistic_write' } });
        if (!set) throw new NotFoundError('EvalSet', id);
        const cases = await m.count(EvalCase, { where: { evalSetId: id } });
        await m.delete(EvalCase, { evalSetId: id });
        await m.delete(EvalSet, { id });
        await this.audit.record(m, { actor, action: 'delete', entityType: 'EvalSet', entityId: id, entityName: set.name, before: { ...set, caseCount: cases } });
      });
    } catch (err) {
      if (err instanceof QueryFailedError && (err as QueryFailedError & { code?: string }).code === PG_FOREIGN_KEY_VIOLATION) {
        throw new ConflictError('this eval set is still referenced (eval runs or results); it cannot be deleted');
      }
      throw err;
    }
    return true;
  }

  private parseFields(fields: { name?: string | null; description?: string | null; rubric?: string | null; judgeModelId?: string | null }): {
    name: string;
    description: string | null;
    rubric: string | null;
    judgeModelId: string | null;
  } {
    const parsed = parseInput(setFieldsSchema, { ...fields }, 'input');
    const known = this.options.isKnownModel;
    if (parsed.judgeModelId && known && !known(parsed.judgeModelId)) {
      throw new BadUserInputError('input.judgeModelId', `unknown model "${parsed.judgeModelId}"`);
    }
    return parsed;
  }

  /** Refuses to clear the rubric while an llm-rubric assertion relies on it (has no value of its own). */
  private async checkRubricNotNeeded(m: EntityManager, evalSetId: string): Promise<void> {
    const cases = await m.find(EvalCase, { where: { evalSetId }, select: { position: true, assertions: true }, order: { position: 'ASC' } });
    const needy = cases.find((c) => c.assertions.some((a) => a.type === 'llm-rubric' && a.value === undefined));
    if (needy) throw new BadUserInputError('input.rubric', `case ${needy.position} has an llm-rubric assertion without a value; it needs the set's rubric`);
  }

  private async insertCases(m: EntityManager, evalSetId: string, start: number, cases: EvalCaseData[]): Promise<EvalCase[]> {
    if (cases.length === 0) return [];
    const rows = cases.map((c, i) => m.create(EvalCase, { ...c, evalSetId, position: start + i }));
    // Chunks keep each INSERT well under PostgreSQL's 65535 bind parameters.
    return m.save(EvalCase, rows, { chunk: 500 });
  }
}

function checkId(id: string): void {
  parseId(id);
}
