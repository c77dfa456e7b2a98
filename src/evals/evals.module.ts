import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import { EvalCase } from './eval-case.entity';
import { EvalSet } from './eval-set.entity';
import { EvalSetResolver } from './eval-set.resolver';
import { EvalSetService } from './eval-set.service';

/** Eval sets and their cases. */
export const evalsModule = defineFeature({
  entities: [EvalSet, EvalCase],
  resolvers: [EvalSetResolver],
  create: (deps: { db: DataSource; audit: AuditService; isKnownModel: (modelId: string) => boolean }) => new EvalSetService(deps.db, deps.audit, { isKnownModel: deps.isKnownModel }),
});
