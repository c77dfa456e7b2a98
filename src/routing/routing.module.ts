import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { ChangeBus } from '../db/change-bus';
import { RoutingRule } from './routing-rule.entity';
import { RoutingRuleResolver } from './routing.resolver';
import { RoutingService } from './routing.service';

/** Routing rules: which model serves a request. */
export const routingModule = defineFeature({
  entities: [RoutingRule],
  resolvers: [RoutingRuleResolver],
  create: (deps: { db: DataSource; audit: AuditService; bus: ChangeBus; isKnownModel: (modelId: string) => boolean; modelIdProblem?: (modelId: string) => string | undefined }) =>
    new RoutingService(deps.db, deps.audit, deps.bus, { isKnownModel: deps.isKnownModel, modelIdProblem: deps.modelIdProblem }),
});
