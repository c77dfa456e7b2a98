import type { DataSource } from 'typeorm';
import type { PubSub } from 'type-graphql';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { Logger } from '../observability/logger';
import { AlertEvent } from './alert-event.entity';
import { AlertRule } from './alert-rule.entity';
import { AlertResolver } from './alert.resolver';
import { AlertService } from './alert.service';

/** Alert rules, alert events and the `alerts` subscription. */
export const alertsModule = defineFeature({
  entities: [AlertRule, AlertEvent],
  resolvers: [AlertResolver],
  create: (deps: { db: DataSource; audit: AuditService; pubSub: PubSub; logger: Logger }) => new AlertService(deps.db, deps.audit, deps.pubSub, deps.logger),
});
