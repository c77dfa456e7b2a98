import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import type { AppConfig } from '../config/config';
import { defineFeature } from '../core/feature-module';
import type { ChangeBus } from '../db/change-bus';
import type { Logger } from '../observability/logger';
import { createModelRuntime } from './model-runtime';
import { ModelPriceOverride } from './pricing/model-price-override.entity';
import { ModelsResolver } from './pricing/models.resolver';

/** Model providers, the price catalog and its admin overrides. */
export const providersModule = defineFeature({
  entities: [ModelPriceOverride],
  resolvers: [ModelsResolver],
  create: (deps: { config: AppConfig; logger: Logger; db: DataSource; audit: AuditService; bus: ChangeBus }) =>
    createModelRuntime(deps.config, deps.logger, { dataSource: deps.db, audit: deps.audit, bus: deps.bus }),
});
