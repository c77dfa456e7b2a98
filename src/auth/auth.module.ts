import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { ChangeBus } from '../db/change-bus';
import type { Logger } from '../observability/logger';
import { ApiKey } from './api-key.entity';
import { ApiKeyResolver } from './api-key.resolver';
import { ApiKeyService } from './api-key.service';

/** API keys and their roles. */
export const authModule = defineFeature({
  entities: [ApiKey],
  resolvers: [ApiKeyResolver],
  create: (deps: { db: DataSource; audit: AuditService; bus: ChangeBus; logger: Logger }) => new ApiKeyService(deps.db, deps.audit, deps.bus, deps.logger),
});
