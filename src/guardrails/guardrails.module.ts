import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { ChangeBus } from '../db/change-bus';
import type { Logger } from '../observability/logger';
import { GuardrailPolicy } from './guardrail-policy.entity';
import { GuardrailPolicyResolver } from './guardrail-policy.resolver';
import { GuardrailService, type GuardrailApplier } from './guardrail-policy.service';

/** Guardrail policies and the checks the pipeline runs on input and output. */
export const guardrailsModule = defineFeature({
  entities: [GuardrailPolicy],
  resolvers: [GuardrailPolicyResolver],
  create: (deps: { db: DataSource; audit: AuditService; bus: ChangeBus; logger: Logger; provider: GuardrailApplier }) =>
    new GuardrailService(deps.db, deps.audit, deps.bus, deps.logger, deps.provider),
});
