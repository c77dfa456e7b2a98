import { Not, type DataSource } from 'typeorm';
import { z } from 'zod';
import type { AuditService } from '../audit/audit.service';
import { CachedConfig, type ChangeBus } from '../db/change-bus';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { nameSchema, parseInput, parseId } from '../graphql/validation';
import { compileRules, resolveTarget, type CompiledRule, type RouteDecisionData, type RouteFallback, type RouteRequest } from './route';
import { parseCondition } from './routing-condition.schemas';
import { RoutingRule } from './routing-rule.entity';
import type { RoutingRuleInput } from './routing-rule.inputs';

const TOPIC = 'routing_rules';
const MAX_FALLBACKS = 10;

const modelIdSchema = z.string({ error: 'must be a model id (string)' }).trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters');

const ruleInputSchema = z.object({
  name: nameSchema,
  priority: z.int({ error: 'must be a whole number' }).min(0, 'must be at least 0').max(1_000_000, 'must be at most 1000000'),
  enabled: z.boolean().nullish(),
  targetModelId: modelIdSchema,
  fallbackModelIds: z.array(modelIdSchema).max(MAX_FALLBACKS, `must hold at most ${MAX_FALLBACKS} models`).nullish(),
});

/** Options of {@link RoutingService}. */
export interface RoutingServiceOptions {
  /**
   * Tells whether a model id is known (catalog, inference profile or ARN). When given, rules naming an
   * unknown model are refused with BAD_USER_INPUT; when absent, any non-empty id is accepted.
   */
  isKnownModel?: (modelId: string) => boolean;
  /** Why a model id cannot be used as is (e.g. only callable through an inference profile); undefined when fine. */
  modelIdProblem?: (modelId: string) => string | undefined;
}

/** A parsed, checked RoutingRuleInput. */
type ParsedRule = Pick<RoutingRule, 'name' | 'priority' | 'condition' | 'targetModelId'> & {
  enabled: boolean | null;
  fallbackModelIds: string[] | null;
};

/** Routing rules: CRUD with audit, and the compiled, cached rule list the generate pipeline routes with. */
export class RoutingService {
  private readonly compiled: CachedConfig<CompiledRule<RoutingRule>[]>;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly bus: ChangeBus,
    private readonly options: RoutingServiceOptions = {},
  ) {
    // Regexes and keyword matchers are compiled once per load, not per request.
    this.compiled = new CachedConfig(TOPIC, async () => compileRules(await this.list()), bus);
  }

  /** Every rule, in the order routing tries them (priority, then name); disabled ones included. */
  list(): Promise<RoutingRule[]> {
    return this.db.getRepository(RoutingRule).find({ order: { priority: 'ASC', name: 'ASC' } });
  }

  /** The enabled rules, compiled and ordered, from the in-process cache (hot path; no database read). */
  rules(): Promise<CompiledRule<RoutingRule>[]> {
    return this.compiled.get();
  }

  /** Routes a request with the cached rules. */
  async route(req: RouteRequest, fallback: RouteFallback): Promise<RouteDecisionData<RoutingRule>> {
    return resolveTarget(await this.rules(), req, fallback);
  }

  async create(input: RoutingRuleInput, actor: string): Promise<RoutingRule> {
    const parsed = this.parse(input);
    const saved = await this.db.transaction(async (m) => {
      if (await m.findOneBy(RoutingRule, { name: parsed.name })) throw new ConflictError(`a routing rule named "${parsed.name}" already exists`);
      const rule = await m.save(m.create(RoutingRule, { ...parsed, enabled: parsed.enabled ?? true, fallbackModelIds: parsed.fallbackModelIds ?? [] }));
      await this.audit.record(m, { actor, action: 'create', entityType: 'RoutingRule', entityId: rule.id, entityName: rule.name, after: rule });
      return rule;
    });
    await this.bus.publish(TOPIC);
    return saved;
  }

  /** Replaces a rule's settings; an omitted `enabled` or `fallbackModelIds` keeps its value. */
  async update(id: string, input: RoutingRuleInput, actor: string): Promise<RoutingRule> {
    checkId(id);
    const parsed = this.parse(input);
    const saved = await this.db.transaction(async (m) => {
      const rule = await m.findOne(RoutingRule, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!rule) throw new NotFoundError('RoutingRule', id);
      if (await m.findOneBy(RoutingRule, { name: parsed.name, id: Not(id) })) {
        throw new ConflictError(`a routing rule named "${parsed.name}" already exists`);
      }
      const before = { ...rule };
      Object.assign(rule, {
        name: parsed.name,
        priority: parsed.priority,
        condition: parsed.condition,
        targetModelId: parsed.targetModelId,
        enabled: parsed.enabled ?? rule.enabled,
        fallbackModelIds: parsed.fallbackModelIds ?? rule.fallbackModelIds,
      });
      const after = await m.save(rule);
      await this.audit.record(m, { actor, action: 'update', entityType: 'RoutingRule', entityId: id, entityName: after.name, before, after });
      return after;
    });
    await this.bus.publish(TOPIC);
    return saved;
  }

  async delete(id: string, actor: string): Promise<boolean> {
    checkId(id);
    await this.db.transaction(async (m) => {
      const rule = await m.findOne(RoutingRule, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!rule) throw new NotFoundError('RoutingRule', id);
      await m.delete(RoutingRule, { id });
      await this.audit.record(m, { actor, action: 'delete', entityType: 'RoutingRule', entityId: id, entityName: rule.name, before: rule });
    });
    await this.bus.publish(TOPIC);
    return true;
  }

  private parse(input: RoutingRuleInput): ParsedRule {
    const plain = { ...input } as Record<string, unknown>;
    const { condition: _condition, ...rest } = plain;
    const base = parseInput(ruleInputSchema, rest, 'input');
    const condition = parseCondition(input.condition, 'input.condition');
    const known = this.options.isKnownModel;
    if (known && !known(base.targetModelId)) throw new BadUserInputError('input.targetModelId', `unknown model "${base.targetModelId}"`);
    const problem = this.options.modelIdProblem;
    const targetProblem = problem?.(base.targetModelId);
    if (targetProblem) throw new BadUserInputError('input.targetModelId', targetProblem);
    const fallbacks = base.fallbackModelIds ?? null;
    fallbacks?.forEach((modelId, i) => {
      const field = `input.fallbackModelIds.${i}`;
      if (known && !known(modelId)) throw new BadUserInputError(field, `unknown model "${modelId}"`);
      const fallbackProblem = problem?.(modelId);
      if (fallbackProblem) throw new BadUserInputError(field, fallbackProblem);
      if (modelId === base.targetModelId) throw new BadUserInputError(field, 'must differ from targetModelId');
      if (fallbacks.indexOf(modelId) !== i) throw new BadUserInputError(field, `"${modelId}" is listed twice`);
    });
    return {
      name: base.name,
      priority: base.priority,
      enabled: base.enabled ?? null,
      condition,
      targetModelId: base.targetModelId,
      fallbackModelIds: fallbacks,
    };
  }
}

function checkId(id: string): void {
  parseId(id);
}
