/**
 * Prompts: immutable versions and movable labels (API.md "Prompts"). Other features use this
 * folder only through what is exported here.
 */
export { PromptService } from './prompt.service';
export type { ResolvedPromptVersion, VersionSelector, LabelMovedListener, PromptLoaders, PromotionGate, PromotionGateData, GateVerdict } from './prompt.service';
export { PromotionResult } from './promotion-result.types';
export { renderTemplate, renderVersion, parseTemplate, findVariables, checkVariables } from './prompt-template';
export type { TemplateMessage, RenderableVersion, RenderedVersion, TemplatePart } from './prompt-template';
export type { ModelParamsData, PromptMessageData } from './prompt.schemas';
export { DEFAULT_LABEL, LATEST } from './prompt.schemas';
export { PromptRole } from './prompt.types';
export { Prompt } from './prompt.entity';
export { PromptVersion } from './prompt-version.entity';
export { PromptLabel } from './prompt-label.entity';
export { LabelMove } from './label-move.entity';
export { promptResolvers } from './prompt.resolver';
export { promptsModule } from './prompts.module';
