import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { AlertEvent } from './alert-event.entity';
import { AlertRule } from './alert-rule.entity';
import { AlertDelivery } from './alert-delivery.entity';
import { AlertRuleInput } from './alert.inputs';
import { ALERTS_TOPIC, fromAlertPayload, type AlertService } from './alert.service';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ alerts: AlertService }>;

@Resolver()
export class AlertResolver {
  @Authorized(Roles.READ)
  @Query(() => [AlertRule])
  alertRules(@Ctx() ctx: ServicesContext): Promise<AlertRule[]> {
    return ctx.services.alerts.listRules();
  }

  @Authorized(Roles.READ)
  @Query(() => [AlertEvent], { description: 'Newest first (default 50, at most 500).' })
  alertEvents(@Ctx() ctx: ServicesContext, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<AlertEvent[]> {
    return ctx.services.alerts.listEvents(first ?? 50);
  }

  @Authorized(Roles.READ)
  @Query(() => [AlertDelivery], { description: 'Webhook delivery attempts (every retry too), newest first; of one rule or of all (default 50, at most 500).' })
  alertDeliveries(@Ctx() ctx: ServicesContext, @Arg('rule', () => ID, { nullable: true }) rule?: string, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<AlertDelivery[]> {
    return ctx.services.alerts.listDeliveries(rule, first ?? 50);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => AlertRule)
  createAlertRule(@Arg('input', () => AlertRuleInput) input: AlertRuleInput, @Ctx() ctx: ServicesContext): Promise<AlertRule> {
    return ctx.services.alerts.createRule(input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => AlertRule)
  updateAlertRule(@Arg('id', () => ID) id: string, @Arg('input', () => AlertRuleInput) input: AlertRuleInput, @Ctx() ctx: ServicesContext): Promise<AlertRule> {
    return ctx.services.alerts.updateRule(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean, { description: 'Deletes the rule and its events.' })
  deleteAlertRule(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.alerts.deleteRule(id, ctx.actor);
  }

  @Authorized(Roles.READ)
  @Subscription(() => AlertEvent, { topics: ALERTS_TOPIC, description: 'Every alert event as it fires, on any server process.' })
  alerts(@Root() payload: unknown): AlertEvent {
    return fromAlertPayload(payload);
  }
}
