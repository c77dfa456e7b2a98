import { BadUserInputError } from '../graphql/errors';
import { tokensCostMicros, type ModelInfo } from '../providers';
import { assemble, AssemblyError, outputLimit, type Assembled, type AssemblyParts } from './assemble';
import type { GenerateRequest } from './generate.inputs';
import type { PipelineDeps } from './pipeline.deps';
import { Refusal, type ModelTarget, type ResolvedVersion } from './request-state';

/** The catalog entry of a model a request goes to; an unknown one is refused (the caller's, or the catalog's, mistake). */
export function modelOrFail(deps: PipelineDeps, modelId: string, req: GenerateRequest): ModelInfo {
  const info = deps.models.pricing.modelInfo(modelId);
  if (info) return info;
  if (req.modelId === modelId) throw new Refusal('BAD_USER_INPUT', `input.modelId: unknown model "${modelId}"`);
  throw new Refusal('PROVIDER_ERROR', `model "${modelId}" is not in the price catalog; set its price with setModelPrice`);
}

/** The output cap within what the model's context window leaves; a prompt that does not fit is refused. */
export function fitWindow(model: ModelInfo, assembled: Assembled, maxTokens: number): number {
  const room = model.contextWindow - assembled.inputTokens;
  if (room <= 0) {
    throw new Refusal('BAD_USER_INPUT', `input: the prompt has ${assembled.inputTokens} tokens, more than the ${model.contextWindow}-token context window of ${model.modelId}`);
  }
  return Math.min(maxTokens, room);
}

/** Assembles; a prompt that cannot be sent is the caller's input error (a GenerationFailed in `run`). */
export function assembleOrFail(parts: AssemblyParts, caching: ModelInfo['promptCaching']): Assembled {
  try {
    return assemble(parts, caching);
  } catch (err) {
    if (err instanceof AssemblyError) throw new BadUserInputError(err.field, err.message);
    throw err;
  }
}

/** The output cap of a model for this request (the request's, the version's, the model's, the default). */
export function outputCap(deps: PipelineDeps, req: GenerateRequest, version: ResolvedVersion, model: ModelInfo): number {
  return outputLimit(req.maxOutputTokens, version.params?.maxTokens, model.maxOutputTokens, deps.config.defaultMaxOutputTokens);
}

/** A model as the whole target of a request: its assembly (its cache points) and its output cap, checked against its window. */
export function targetFor(deps: PipelineDeps, req: GenerateRequest, version: ResolvedVersion, parts: AssemblyParts, modelId: string): ModelTarget {
  const model = modelOrFail(deps, modelId, req);
  const assembled = assembleOrFail(parts, model.promptCaching);
  const maxTokens = fitWindow(model, assembled, outputCap(deps, req, version, model));
  return { modelId, chain: [modelId], model, assembled, maxTokens };
}

/** Worst case over the candidate models: counted input (cached prefix at the cache-write price) plus the output cap. */
export function worstCaseMicros(deps: PipelineDeps, candidates: readonly string[], assembled: Assembled, maxTokens: number): number {
  let amountMicros = 0;
  for (const m of candidates) {
    const p = deps.models.pricing.pricesFor(m);
    if (!p) continue;
    const prefix = assembled.cachedPrefixTokens;
    const worst = tokensCostMicros(assembled.inputTokens - prefix, p.input) + tokensCostMicros(prefix, Math.max(p.input, p.cacheWrite ?? p.input)) + tokensCostMicros(maxTokens, p.output);
    amountMicros = Math.max(amountMicros, worst);
  }
  return amountMicros;
}
