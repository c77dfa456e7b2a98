import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { ChangeBus } from '../db/change-bus';
import type { Logger } from '../observability/logger';
import { GuardrailPolicy } from './guardrail-policy.entity';
import { GuardrailPolicyResolver } from './guardrail-policy.resolver';
import { GuardrailService, type GuardrailApplier } from './guardrail-policy.service';
import { InputCheckPool, type InputCheckPoolOptions } from './input-check-pool';
import { CleanChunks, DEFAULT_CLEAN_CHUNKS } from './clean-chunks';

/** Guardrail policies and the checks the pipeline runs on input and output. */
export const guardrailsModule = defineFeature({
  entities: [GuardrailPolicy],
  resolvers: [GuardrailPolicyResolver],
  /**
   * `workers`: the worker pool for the INPUT checks of large screenings (none: every check inline);
   * `cleanChunkChars`: characters of clean retrieved chunks remembered per policy (default 2,000,000; 0: none).
   */
  create: (deps: { db: DataSource; audit: AuditService; bus: ChangeBus; logger: Logger; provider: GuardrailApplier; workers?: InputCheckPoolOptions; cleanChunkChars?: number }) =>
    new GuardrailService(
      deps.db,
      deps.audit,
      deps.bus,
      deps.logger,
      deps.provider,
      deps.workers ? new InputCheckPool(deps.workers) : undefined,
      deps.cleanChunkChars === 0 ? null : new CleanChunks({ ...DEFAULT_CLEAN_CHUNKS, maxChars: deps.cleanChunkChars ?? DEFAULT_CLEAN_CHUNKS.maxChars }),
    ),
});
