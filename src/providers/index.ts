/**
 * The providers feature's public API: the model-provider interface (optional capabilities), its
 * implementations (`bedrock/`: the AWS SDK; `emulator/`: the built-in emulator through the same
 * SDK), the registry that picks the provider serving a model, the price catalog, cost arithmetic,
 * the token-counting rule, and the runtime that builds it all from the config.
 */
export type {
  ContentPart,
  ConverseRequest,
  ConverseResult,
  GuardrailAssessmentResult,
  ModelAvailability,
  ModelMessage,
  ModelProvider,
  ModelProviderWithAll,
  StreamEvent,
  TokenUsage,
  ToolCallResult,
  ToolSpec,
} from './provider';
export { BEDROCK_ERROR_STATUS, ProviderError, toProviderError } from './provider.errors';
export { countTokens, splitTokens } from './tokens';
export {
  createPriceBook,
  DEFAULT_PROVIDER_ID,
  listModels,
  parseModelId,
  PROFILE_PREFIXES,
  resolveModel,
  modelIdProblem,
  type ModelInfo,
  type PriceBook,
  type Prices,
  type PromptCachingInfo,
} from './catalog';
export { costByStageMicros, microsToUsd, picosToMicros, tokensCostMicros, tokensCostPicos, type StageCostMicros, type StageTokens } from './cost';
export { BedrockProvider, EMBEDDING_MODEL_ID, flattenAssessments, type BedrockProviderOptions } from './bedrock/bedrock.provider';
export { startEmulator, type EmulatorOptions, type EmulatorStreamEnd, type RunningEmulator } from './emulator/emulator.server';
export { EmulatorProvider } from './emulator/emulator.provider';
export { ProviderRegistry } from './registry';
export { createModelRuntime, detectAws, type AwsDetection, type ModelRuntime, type ModelRuntimeOptions } from './model-runtime';
export { MODEL_PRICES_TOPIC, PricingService, type PricingStore } from './pricing/pricing.service';
export { ModelPriceOverride } from './pricing/model-price-override.entity';
export { ModelsResolver } from './pricing/models.resolver';
export { ModelInfoType, ModelPricesType } from './pricing/models.types';
export { ModelPriceInput } from './pricing/model-price.inputs';
export { providersModule } from './providers.module';
