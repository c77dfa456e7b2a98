import type { DataSource } from 'typeorm';
import { defineFeature } from '../core/feature-module';
import { AuditEntry } from './audit-entry.entity';
import { AuditResolver } from './audit.resolver';
import { AuditService } from './audit.service';

/** The audit log: every config change, recorded in the change's transaction. */
export const auditModule = defineFeature({
  entities: [AuditEntry],
  resolvers: [AuditResolver],
  create: (deps: { db: DataSource }) => new AuditService(deps.db),
});
