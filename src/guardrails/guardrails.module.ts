import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { ChangeBus } from '../db/change-bus';
import type { Logger } from '../observability/logger';
import { GuardrailPolicy } from './guardrail-policy.entity';
import { GuardrailPolicyResolver } from './guardrail-policy.resolver';
import { GuardrailService, type GuardrailApplier } from './guardrail-policy.service';
import { InputCheckPool, type InputCheckPoolOptions } from './input-check-pool';

/** Guardrail policies and the checks the pipeline runs on input and output. */
export const guardrailsModule = defineFeature({
  entities: [GuardrailPolicy],
  resolvers: [GuardrailPolicyResolver],
  /** `workers`: the worker pool for the INPUT checks of large screenings (none: every check inline). */
  create: (deps: { db: DataSource; audit: AuditService; bus: ChangeBus; logger: Logger; provider: GuardrailApplier; workers?: InputCheckPoolOptions }) =>
    new GuardrailService(deps.db, deps.audit, deps.bus, deps.logger, deps.provider, deps.workers ? new InputCheckPool(deps.workers) : undefined),
});
