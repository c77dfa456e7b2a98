import type { ModelInfo } from './catalog';
import type { GuardrailDirection } from '../core/guardrail-direction';

/** A piece of prompt content: text, or a prompt-cache checkpoint after the content before it. */
export type ContentPart = { text: string } | { cachePoint: true };

/** One conversation turn sent to the model. */
export interface ModelMessage {
  role: 'user' | 'assistant';
  content: ContentPart[];
}

/** A Converse / ConverseStream call, provider-neutral. */
export interface ConverseRequest {
  /** Base model id, inference-profile id or ARN, exactly as Bedrock receives it. */
  modelId: string;
  system: ContentPart[];
  messages: ModelMessage[];
  inferenceConfig: { maxTokens: number; temperature?: number; topP?: number; stopSequences?: string[] };
}

/** Token usage as Bedrock reports it: `inputTokens` excludes cached tokens. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** One event of a streamed generation. */
export type StreamEvent = { type: 'text'; text: string } | { type: 'stop'; stopReason: string } | { type: 'usage'; usage: TokenUsage; latencyMs?: number };

/** The outcome of a non-streamed generation. */
export interface ConverseResult {
  text: string;
  stopReason: string;
  usage: TokenUsage;
  latencyMs?: number;
}

/** A tool the model is made to call (Converse `toolConfig` with `toolChoice: { tool }`). */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's input. */
  inputSchema: Record<string, unknown>;
}

/** The outcome of a forced tool call: the tool input the model gave, or null when it answered without the tool. */
export interface ToolCallResult {
  toolInput: unknown;
  /** Any text the model wrote besides (or instead of) the tool call. */
  text: string;
  stopReason: string;
  usage: TokenUsage;
}

/** ApplyGuardrail's verdict, flattened to the findings the control plane records. */
export interface GuardrailAssessmentResult {
  action: 'NONE' | 'GUARDRAIL_INTERVENED';
  /** The masked text or the blocked message, when the guardrail intervened. */
  outputText?: string;
  findings: Array<{
    kind: 'PII' | 'TOPIC' | 'WORD' | 'CONTENT' | 'PROMPT_INJECTION';
    name: string;
    action: 'NONE' | 'ANONYMIZED' | 'BLOCKED';
    match?: string;
  }>;
}

/** A catalog model (or inference profile) and whether this account/endpoint can call it. */
export interface ModelAvailability extends ModelInfo {
  /** Callable with its base id as is (false for a model served only through inference profiles). */
  available: boolean;
  /** The inference-profile ids the account can call it through (`us.…`, `global.…`). */
  profileIds: string[];
}

/**
 * A model provider: one implementation per folder (`bedrock/`, `emulator/`), registered in the
 * {@link ProviderRegistry} under the id catalog entries name in `providerId`. `complete`,
 * `listModels` and `close` are required; the other capabilities are optional, and the registry
 * answers a call to a missing one with a `ProviderError` (`UnsupportedOperation`).
 */
export interface ModelProvider {
  /** What this implementation is (`bedrock`, `emulator`), for logs and tests. */
  readonly id: string;
  readonly mode: 'bedrock' | 'emulator';
  complete(req: ConverseRequest, opts?: { signal?: AbortSignal }): Promise<ConverseResult>;
  /** The provider's models, joined with the price catalog. */
  listModels(): Promise<ModelAvailability[]>;
  close(): Promise<void>;
  /** Capability: streaming chat. Aborting `signal` stops the HTTP call. Throws ProviderError. */
  stream?(req: ConverseRequest, opts?: { signal?: AbortSignal }): AsyncIterable<StreamEvent>;
  /** Capability: Converse with one tool the model must call (structured output, e.g. the eval judge's grade). */
  callTool?(req: ConverseRequest, tool: ToolSpec, opts?: { signal?: AbortSignal }): Promise<ToolCallResult>;
  /** Capability: token counting where the model supports it; null otherwise. */
  countTokens?(req: ConverseRequest): Promise<number | null>;
  /** Capability: embeddings (Titan Text Embeddings V2 on Bedrock). */
  embed?(text: string, opts?: { dimensions?: 256 | 512 | 1024 }): Promise<number[]>;
  /** Capability: a provider-side guardrail (Bedrock's ApplyGuardrail). */
  applyGuardrail?(identifier: string, version: string, source: GuardrailDirection, text: string): Promise<GuardrailAssessmentResult>;
}

/** A provider with every capability: what the registry offers the rest of the service. */
export type ModelProviderWithAll = Required<ModelProvider>;
