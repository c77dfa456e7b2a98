import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { defineFeature } from '../core/feature-module';
import type { ChangeBus } from '../db/change-bus';
import { LabelMove } from './label-move.entity';
import { PromptLabel } from './prompt-label.entity';
import { PromptVersion } from './prompt-version.entity';
import { Prompt } from './prompt.entity';
import { promptResolvers } from './prompt.resolver';
import { PromptService } from './prompt.service';

/** Prompts: immutable versions and movable labels. */
export const promptsModule = defineFeature({
  entities: [Prompt, PromptVersion, PromptLabel, LabelMove],
  resolvers: promptResolvers,
  create: (deps: { db: DataSource; audit: AuditService; bus: ChangeBus; isKnownModel: (modelId: string) => boolean; modelIdProblem?: (modelId: string) => string | undefined }) =>
    new PromptService(deps.db, deps.audit, deps.bus, { isKnownModel: deps.isKnownModel, modelIdProblem: deps.modelIdProblem }),
});
