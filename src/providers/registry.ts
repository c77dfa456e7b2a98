import { DEFAULT_PROVIDER_ID, resolveModel, type ModelInfo } from './catalog';
import { ProviderError } from './provider.errors';
import type { ConverseRequest, ConverseResult, GuardrailAssessmentResult, ModelAvailability, ModelProvider, ModelProviderWithAll, StreamEvent, ToolCallResult, ToolSpec } from './provider';
import type { GuardrailDirection } from '../core/guardrail-direction';
import { EMBEDDING_MODEL_ID } from './bedrock/bedrock.provider';

/**
 * The model providers by id, and the one place that picks which serves a call: the provider its
 * model's catalog entry names (`providerId`), else the default. The rest of the service talks to
 * the registry as to one provider with every capability; a capability the serving provider lacks
 * is a `ProviderError` (`UnsupportedOperation`), never a crash. Provider-side guardrails go to the
 * default provider.
 */
export class ProviderRegistry implements ModelProviderWithAll {
  readonly id = 'registry';
  private readonly byModel = new Map<string, ModelProvider>();

  /**
   * @param providers By the id catalog entries use (an emulator stands in for `bedrock`).
   * @param catalog Finds a model's catalog entry (default: the built-in catalog).
   */
  constructor(
    private readonly providers: ReadonlyMap<string, ModelProvider>,
    private readonly defaultId: string = DEFAULT_PROVIDER_ID,
    private readonly catalog: (modelId: string) => Pick<ModelInfo, 'providerId'> | undefined = resolveModel,
  ) {
    if (!providers.has(defaultId)) throw new Error(`no model provider registered as "${defaultId}"`);
  }

  /** The default provider's mode (`bedrock` or `emulator`). */
  get mode(): 'bedrock' | 'emulator' {
    return this.default.mode;
  }

  get default(): ModelProvider {
    return this.providers.get(this.defaultId)!;
  }

  /** A registered provider by id. */
  get(id: string): ModelProvider | undefined {
    return this.providers.get(id);
  }

  /** The provider serving a model: the one its catalog entry names if registered, else the default. */
  forModel(modelId: string): ModelProvider {
    let p = this.byModel.get(modelId);
    if (!p) {
      p = this.providers.get(this.catalog(modelId)?.providerId ?? this.defaultId) ?? this.default;
      this.byModel.set(modelId, p);
    }
    return p;
  }

  stream(req: ConverseRequest, opts?: { signal?: AbortSignal }): AsyncIterable<StreamEvent> {
    const p = this.forModel(req.modelId);
    if (!p.stream) throw unsupported(p, 'streaming chat');
    return p.stream(req, opts);
  }

  complete(req: ConverseRequest, opts?: { signal?: AbortSignal }): Promise<ConverseResult> {
    return this.forModel(req.modelId).complete(req, opts);
  }

  callTool(req: ConverseRequest, tool: ToolSpec, opts?: { signal?: AbortSignal }): Promise<ToolCallResult> {
    const p = this.forModel(req.modelId);
    if (!p.callTool) return Promise.reject(unsupported(p, 'tool calls'));
    return p.callTool(req, tool, opts);
  }

  countTokens(req: ConverseRequest): Promise<number | null> {
    const p = this.forModel(req.modelId);
    return p.countTokens ? p.countTokens(req) : Promise.resolve(null);
  }

  embed(text: string, opts?: { dimensions?: 256 | 512 | 1024 }): Promise<number[]> {
    const p = this.forModel(EMBEDDING_MODEL_ID);
    if (!p.embed) return Promise.reject(unsupported(p, 'embeddings'));
    return p.embed(text, opts);
  }

  applyGuardrail(identifier: string, version: string, source: GuardrailDirection, text: string): Promise<GuardrailAssessmentResult> {
    const p = this.default;
    if (!p.applyGuardrail) return Promise.reject(unsupported(p, 'guardrails'));
    return p.applyGuardrail(identifier, version, source, text);
  }

  /** Every provider's models (each provider once). */
  async listModels(): Promise<ModelAvailability[]> {
    return (await Promise.all(this.distinct().map((p) => p.listModels()))).flat();
  }

  async close(): Promise<void> {
    for (const p of this.distinct()) await p.close();
  }

  private distinct(): ModelProvider[] {
    return [...new Set(this.providers.values())];
  }
}

function unsupported(p: ModelProvider, capability: string): ProviderError {
  return new ProviderError('UnsupportedOperation', `model provider "${p.id}" does not offer ${capability}`, { retryable: false });
}
