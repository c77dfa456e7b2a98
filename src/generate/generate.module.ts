import { defineFeature } from '../core/feature-module';
import { GenerateResolver } from './generate.resolver';
import { createGenerationPipeline, type GenerationFeatures } from './generate.wiring';

/** The generate pipeline: `generate`, `generateOnce` and `explainRoute`. Owns no tables. */
export const generateModule = defineFeature({
  entities: [],
  resolvers: [GenerateResolver],
  create: (deps: GenerationFeatures) => createGenerationPipeline(deps).pipeline,
});
