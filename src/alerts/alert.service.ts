import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { PubSub } from 'type-graphql';
import { AlertEvent } from './alert-event.entity';
import { AlertRule } from './alert-rule.entity';
import { alertRuleInputSchema, BUDGET_RULE_PREFIX, idSchema, type AlertMetric } from './alert-rule.schemas';
import type { AuditService } from '../audit/audit.service';
import { ConflictError, NotFoundError } from '../graphql/errors';
import { parseInput } from '../graphql/validation';
import type { Logger } from '../observability/logger';

/** The PubSub topic of the `alerts` subscription (relayed across processes on PostgreSQL). */
export const ALERTS_TOPIC = 'ALERTS';

/** A rule an alert fires on, created on first use when missing (e.g. a budget's system rule). */
export interface SystemRuleSpec {
  name: string;
  metric: AlertMetric;
  condition: Record<string, unknown>;
  window: string;
}

/** One firing, before it is recorded. */
export interface AlertFiring {
  rule: AlertRule;
  value: number;
  baseline?: number | null;
  message: string;
  details?: Record<string, unknown> | null;
  firedAt?: Date;
}

/**
 * Alert rules (CRUD, audited) and alert events: `record` inside the caller's transaction, then
 * `publish` after it commits; `fire` does both. Only budget threshold crossings fire today; the
 * other metrics' rules are stored and validated but not yet evaluated.
 */
export class AlertService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly pubSub: PubSub,
    private readonly logger?: Logger,
  ) {}

  listRules(): Promise<AlertRule[]> {
    return this.db.getRepository(AlertRule).find({ order: { name: 'ASC' } });
  }

  async createRule(input: unknown, actor: string): Promise<AlertRule> {
    const data = parseInput(alertRuleInputSchema, input, 'input');
    return this.db.transaction(async (m) => {
      if (await m.findOneBy(AlertRule, { name: data.name })) throw new ConflictError(`an alert rule named "${data.name}" already exists`);
      const saved = await m.save(m.create(AlertRule, data));
      await this.audit.record(m, { actor, action: 'create', entityType: 'AlertRule', entityId: saved.id, entityName: saved.name, after: saved });
      return saved;
    });
  }

  async updateRule(id: string, input: unknown, actor: string): Promise<AlertRule> {
    parseInput(idSchema, id, 'id');
    const data = parseInput(alertRuleInputSchema, input, 'input');
    return this.db.transaction(async (m) => {
      const rule = await m.findOne(AlertRule, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!rule) throw new NotFoundError('AlertRule', id);
      const clash = await m.findOneBy(AlertRule, { name: data.name });
      if (clash && clash.id !== id) throw new ConflictError(`an alert rule named "${data.name}" already exists`);
      const before = { ...rule };
      Object.assign(rule, data);
      const saved = await m.save(rule);
      await this.audit.record(m, { actor, action: 'update', entityType: 'AlertRule', entityId: id, entityName: saved.name, before, after: saved });
      return saved;
    });
  }

  /** Deletes a rule and its events. */
  async deleteRule(id: string, actor: string): Promise<boolean> {
    parseInput(idSchema, id, 'id');
    await this.db.transaction(async (m) => {
      const rule = await m.findOneBy(AlertRule, { id });
      if (!rule) throw new NotFoundError('AlertRule', id);
      await m.delete(AlertRule, { id });
      await this.audit.record(m, { actor, action: 'delete', entityType: 'AlertRule', entityId: id, entityName: rule.name, before: rule });
    });
    return true;
  }

  /** Newest first, with their rules. */
  listEvents(first = 50): Promise<AlertEvent[]> {
    const take = parseInput(z.number().int('must be a whole number').min(1, 'must be at least 1').max(500, 'must be at most 500'), first, 'first');
    // Thresholds crossed by one settle share firedAt: the higher one was reached last, so it comes first.
    return this.db
      .getRepository(AlertEvent)
      .createQueryBuilder('e')
      .leftJoinAndSelect('e.rule', 'rule')
      .orderBy('e.firedAt', 'DESC')
      .addOrderBy('e.baseline', 'DESC', 'NULLS LAST')
      .addOrderBy('e.id', 'DESC')
      .take(take)
      .getMany();
  }

  /**
   * The rule with `spec.name`, created (and audited as `system`) when missing. Safe when several
   * processes race to create it: the insert does nothing on a name conflict and the row is re-read.
   */
  async ensureRule(m: EntityManager, spec: SystemRuleSpec): Promise<AlertRule> {
    const existing = await m.findOneBy(AlertRule, { name: spec.name });
    if (existing) return existing;
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO alert_rules (name, metric, condition, "window", enabled) VALUES ($1, $2, $3, $4, true)
       ON CONFLICT (name) DO NOTHING RETURNING id`,
      [spec.name, spec.metric, JSON.stringify(spec.condition), spec.window],
    );
    const rule = await m.findOneByOrFail(AlertRule, { name: spec.name });
    if (inserted.length) {
      await this.audit.record(m, { actor: 'system', action: 'create', entityType: 'AlertRule', entityId: rule.id, entityName: rule.name, after: rule });
    }
    return rule;
  }

  /** The system rule of a budget: `budget:<name>`, metric `budget`. */
  ensureBudgetRule(m: EntityManager, budgetName: string): Promise<AlertRule> {
    return this.ensureRule(m, { name: `${BUDGET_RULE_PREFIX}${budgetName}`, metric: 'budget', condition: { budget: budgetName }, window: '1d' });
  }

  /**
   * A budget was renamed: its rule follows (name and condition), so a rule the admin disabled stays
   * disabled. Left alone when a rule with the new name exists already.
   */
  async renameBudgetRule(m: EntityManager, from: string, to: string): Promise<void> {
    if (from === to || (await m.findOneBy(AlertRule, { name: `${BUDGET_RULE_PREFIX}${to}` }))) return;
    await m.query(`UPDATE alert_rules SET name = $2, condition = jsonb_build_object('budget', $3::text) WHERE name = $1`, [`${BUDGET_RULE_PREFIX}${from}`, `${BUDGET_RULE_PREFIX}${to}`, to]);
  }

  /** Records an event inside the caller's transaction; `publish` it once that commits. */
  async record(m: EntityManager, firing: AlertFiring): Promise<AlertEvent> {
    const saved = await m.save(
      m.create(AlertEvent, {
        ruleId: firing.rule.id,
        firedAt: firing.firedAt ?? new Date(),
        value: firing.value,
        baseline: firing.baseline ?? null,
        message: firing.message,
        details: firing.details ?? null,
      }),
    );
    saved.rule = firing.rule;
    return saved;
  }

  /** Sends a recorded event to `alerts` subscribers (on every process, on PostgreSQL). */
  publish(event: AlertEvent): void {
    try {
      this.pubSub.publish(ALERTS_TOPIC, toAlertPayload(event));
    } catch (err) {
      this.logger?.warn({ err }, 'could not publish alert event');
    }
  }

  /** Records (own transaction) and publishes one firing; nothing when the rule is disabled. */
  async fire(firing: AlertFiring): Promise<AlertEvent | null> {
    if (!firing.rule.enabled) return null;
    const event = await this.db.transaction((m) => this.record(m, firing));
    this.publish(event);
    return event;
  }
}

/** The JSON an event travels as (it may cross processes through NOTIFY). */
export function toAlertPayload(event: AlertEvent): Record<string, unknown> {
  return JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
}

/** Turns a payload back into an AlertEvent with Dates. */
export function fromAlertPayload(payload: unknown): AlertEvent {
  const p = payload as Record<string, unknown> & { rule: Record<string, unknown> };
  const rule = Object.assign(new AlertRule(), p.rule, {
    createdAt: new Date(p.rule.createdAt as string),
    updatedAt: new Date(p.rule.updatedAt as string),
  });
  return Object.assign(new AlertEvent(), p, { rule, firedAt: new Date(p.firedAt as string) });
}
