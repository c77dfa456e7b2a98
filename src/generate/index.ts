/** The generate pipeline (API.md "Generation"): the one place that knows the order of the steps. */
export { GenerationPipeline, type Caller, type PipelineDeps } from './pipeline';
export { GENERATE_STEPS, type PipelineStep } from './steps';
export type { GenerationTrace, ResolvedVersion, RouteOutcome } from './request-state';
export { GenerateResolver } from './generate.resolver';
export { PLAIN_EVENT_TYPES, IDENTITY_SUBSCRIPTION_FIELDS } from './generate.types';
export { HistoryTrimmer } from './history-trimmer';
export { GenerateInput, CacheMode, parseGenerateInput, type GenerateRequest } from './generate.inputs';
export type { GenerateEventData } from './generate.events';
export { createGenerationPipeline, type GenerationFeatures } from './generate.module';
export { generateModule } from './generate.module';
export { collectResult } from './generate-once';
