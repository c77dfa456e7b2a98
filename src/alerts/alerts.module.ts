import type { DataSource } from 'typeorm';
import type { PubSub } from 'type-graphql';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { Logger } from '../observability/logger';
import { AlertEvent } from './alert-event.entity';
import { AlertRule } from './alert-rule.entity';
import { AlertResolver } from './alert.resolver';
import { AlertService } from './alert.service';
import { AlertDelivery } from './alert-delivery.entity';
import { AlertScheduler, type DriftMeasurer } from './alert-scheduler';
import type { TraceMetricReader } from './alert-metrics.queries';
import { WebhookSender, type WebhookOptions } from './webhook-sender';

/** The alerts feature's service, with its scheduler and webhook sender (started and stopped by the app). */
export class Alerts extends AlertService {
  constructor(
    db: DataSource,
    audit: AuditService,
    pubSub: PubSub,
    logger: Logger,
    readonly webhookSender: WebhookSender,
    intervalMs: number,
    drift?: DriftMeasurer,
    traceMetrics?: TraceMetricReader,
  ) {
    super(db, audit, pubSub, logger, webhookSender);
    this.scheduler = new AlertScheduler(db, this, { intervalMs, logger, drift, traceMetrics });
  }
  readonly scheduler: AlertScheduler;
}

/** Alert rules, alert events, the `alerts` subscription, the scheduler and webhooks. */
export const alertsModule = defineFeature({
  entities: [AlertRule, AlertEvent, AlertDelivery],
  resolvers: [AlertResolver],
  create: (deps: { db: DataSource; audit: AuditService; pubSub: PubSub; logger: Logger; intervalMs?: number; webhooks?: WebhookOptions; drift?: DriftMeasurer; traceMetrics?: TraceMetricReader }) =>
    new Alerts(deps.db, deps.audit, deps.pubSub, deps.logger, new WebhookSender(deps.db, deps.webhooks ?? {}, deps.logger), deps.intervalMs ?? 60_000, deps.drift, deps.traceMetrics),
});
