import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { PubSub } from 'type-graphql';
import { AlertEvent } from './alert-event.entity';
import { AlertRule } from './alert-rule.entity';
import { AlertDelivery } from './alert-delivery.entity';
import { alertRuleInputSchema, BUDGET_RULE_PREFIX, idSchema, type AlertMetric, type AlertRuleData } from './alert-rule.schemas';
import type { WebhookSender } from './webhook-sender';
import type { AuditService } from '../audit/audit.service';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
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

/** The names a rule's condition may refer to, each checked against its table. */
const REFERENCES = [
  { key: 'budget', table: 'budgets', what: 'budget' },
  { key: 'prompt', table: 'prompts', what: 'prompt' },
  { key: 'evalSet', table: 'eval_sets', what: 'eval set' },
] as const;

/**
 * Alert rules (CRUD, audited) and alert events: `record` inside the caller's transaction, then
 * `publish` after it commits (to `alerts` subscribers and the rule's webhook); `fire` does both.
 * Budget threshold crossings fire from the budget ledger; the other metrics from AlertScheduler.
 */
export class AlertService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly pubSub: PubSub,
    private readonly logger?: Logger,
    private readonly webhooks?: WebhookSender,
  ) {}

  /** A condition naming a budget, prompt or eval set that does not exist is BAD_USER_INPUT. */
  private async checkReferences(m: EntityManager, data: AlertRuleData): Promise<void> {
    for (const ref of REFERENCES) {
      const name = data.condition[ref.key];
      if (typeof name !== 'string') continue;
      const found: unknown[] = await m.query(`SELECT 1 FROM ${ref.table} WHERE name = $1 LIMIT 1`, [name]);
      if (!found.length) throw new BadUserInputError(`input.condition.${ref.key}`, `no ${ref.what} named "${name}"`);
    }
  }

  /** Webhook delivery attempts, newest first, of one rule or of all. */
  listDeliveries(ruleId: string | null | undefined, first = 50): Promise<AlertDelivery[]> {
    const take = parseInput(z.number().int('must be a whole number').min(1, 'must be at least 1').max(500, 'must be at most 500'), first, 'first');
    if (ruleId !== null && ruleId !== undefined) parseInput(idSchema, ruleId, 'rule');
    return this.db.getRepository(AlertDelivery).find({
      where: ruleId ? { ruleId } : {},
      order: { attemptedAt: 'DESC', attempt: 'DESC', id: 'DESC' },
      take,
    });
  }

  listRules(): Promise<AlertRule[]> {
    return this.db.getRepository(AlertRule).find({ order: { name: 'ASC' } });
  }

  async createRule(input: unknown, actor: string): Promise<AlertRule> {
    const data = parseInput(alertRuleInputSchema, input, 'input');
    return this.db.transaction(async (m) => {
      await this.checkReferences(m, data);
      if (await m.findOneBy(AlertRule, { name: data.name })) throw new ConflictError(`an alert rule named "${data.name}" already exists`);
      await this.checkReferences(m, data);
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
      await this.checkReferences(m, data);
      const clash = await m.findOneBy(AlertRule, { name: data.name });
      if (clash && clash.id !== id) throw new ConflictError(`an alert rule named "${data.name}" already exists`);
      await this.checkReferences(m, data);
      const before = { ...rule };
      // A changed rule starts over: the next evaluation may fire at once.
      Object.assign(rule, data, { firing: false, evaluatedAt: null });
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

  /** A deleted budget takes its system rule (and that rule's events) with it. */
  async deleteBudgetRule(m: EntityManager, budgetName: string): Promise<void> {
    await m.query(`DELETE FROM alert_rules WHERE name = $1 AND metric = 'budget'`, [`${BUDGET_RULE_PREFIX}${budgetName}`]);
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

  /** Sends a recorded event to `alerts` subscribers (on every process, on PostgreSQL) and to its webhooks. */
  publish(event: AlertEvent): void {
    try {
      this.pubSub.publish(ALERTS_TOPIC, toAlertPayload(event));
    } catch (err) {
      this.logger?.warn({ err }, 'could not publish alert event');
    }
    this.webhooks?.deliver(event);
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
  const p = JSON.parse(JSON.stringify(event)) as Record<string, unknown> & { rule?: Record<string, unknown> };
  if (p.rule) delete p.rule.webhookSecret; // the payload may cross processes through NOTIFY
  return p;
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
