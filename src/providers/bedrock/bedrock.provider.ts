import { BedrockClient, ListFoundationModelsCommand, ListInferenceProfilesCommand, type InferenceProfileSummary } from '@aws-sdk/client-bedrock';
import {
  ApplyGuardrailCommand,
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  type ContentBlock,
  type GuardrailAssessment,
  type Message,
  type SystemContentBlock,
  type TokenUsage as SdkTokenUsage,
} from '@aws-sdk/client-bedrock-runtime';
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CachedKeySignatureV4 } from './sigv4-signer';
import { routeCallSignals, sendWithSignal } from './call-signals';
import type { AuthScheme, AwsCredentialIdentity, AwsCredentialIdentityProvider, RequestSigner } from '@smithy/types';
import { listModels as catalogModels, parseModelId } from '../catalog';
import type { ContentPart, ConverseRequest, ConverseResult, GuardrailAssessmentResult, ModelAvailability, ModelProviderWithAll, StreamEvent, TokenUsage, ToolCallResult, ToolSpec } from '../provider';
import type { DocumentType } from '@smithy/types';
import { toProviderError, ProviderError } from '../provider.errors';
import type { GuardrailDirection } from '../../core/guardrail-direction';

/** The Titan Text Embeddings V2 model `embed()` calls. */
export const EMBEDDING_MODEL_ID = 'amazon.titan-embed-text-v2:0';

/** Options of {@link BedrockProvider}. */
export interface BedrockProviderOptions {
  /** `emulator` when `endpoint` is the Bedrock emulator: dummy credentials and HTTP/1.1. */
  mode: 'bedrock' | 'emulator';
  region: string;
  /** Sends runtime and control-plane calls here instead of AWS (an emulator or a proxy). */
  endpoint?: string;
  /** Default: static dummy credentials in emulator mode, else the SDK's default chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SDK attempts per call (the SDK retries 429 and 5xx). Default: 1 in emulator mode (scripted errors surface at once), 3 otherwise. */
  maxAttempts?: number;
  /**
   * Force HTTP/1.1 (`NodeHttpHandler`) for the runtime client. Default: true with an endpoint, false
   * against AWS, where the runtime client's own default (HTTP/2) serves.
   */
  http1?: boolean;
}

const EMULATOR_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };

function toSdkContent(parts: ContentPart[]): ContentBlock[] {
  return parts.map((p): ContentBlock => ('cachePoint' in p ? { cachePoint: { type: 'default' } } : { text: p.text }));
}

function toSdkRequest(req: ConverseRequest): { modelId: string; messages: Message[]; system?: SystemContentBlock[]; inferenceConfig: ConverseRequest['inferenceConfig'] } {
  return {
    modelId: req.modelId,
    messages: req.messages.map((m) => ({ role: m.role, content: toSdkContent(m.content) })),
    ...(req.system.length > 0 ? { system: toSdkContent(req.system) as SystemContentBlock[] } : {}),
    inferenceConfig: req.inferenceConfig,
  };
}

function toUsage(u: SdkTokenUsage | undefined): TokenUsage {
  return {
    inputTokens: u?.inputTokens ?? 0,
    outputTokens: u?.outputTokens ?? 0,
    cacheReadTokens: u?.cacheReadInputTokens ?? 0,
    cacheWriteTokens: u?.cacheWriteInputTokens ?? 0,
  };
}

type Finding = GuardrailAssessmentResult['findings'][number];

function findingAction(action: string | undefined): Finding['action'] {
  return action === 'BLOCKED' || action === 'ANONYMIZED' ? action : 'NONE';
}

/** Flattens ApplyGuardrail assessments to findings; entries Bedrock reports as not detected are left out. */
export function flattenAssessments(assessments: GuardrailAssessment[] | undefined): Finding[] {
  const out: Finding[] = [];
  const detected = (d: boolean | undefined, action: string | undefined): boolean => d ?? action !== 'NONE';
  for (const a of assessments ?? []) {
    for (const t of a.topicPolicy?.topics ?? []) {
      if (detected(t.detected, t.action)) out.push({ kind: 'TOPIC', name: t.name ?? 'topic', action: findingAction(t.action) });
    }
    for (const f of a.contentPolicy?.filters ?? []) {
      if (!detected(f.detected, f.action)) continue;
      out.push({ kind: f.type === 'PROMPT_ATTACK' ? 'PROMPT_INJECTION' : 'CONTENT', name: f.type ?? 'content', action: findingAction(f.action) });
    }
    for (const w of a.wordPolicy?.customWords ?? []) {
      if (detected(w.detected, w.action)) out.push({ kind: 'WORD', name: 'custom', action: findingAction(w.action), match: w.match });
    }
    for (const w of a.wordPolicy?.managedWordLists ?? []) {
      if (detected(w.detected, w.action)) out.push({ kind: 'WORD', name: w.type ?? 'PROFANITY', action: findingAction(w.action), match: w.match });
    }
    for (const p of a.sensitiveInformationPolicy?.piiEntities ?? []) {
      if (detected(p.detected, p.action)) out.push({ kind: 'PII', name: p.type ?? 'PII', action: findingAction(p.action), match: p.match });
    }
    for (const r of a.sensitiveInformationPolicy?.regexes ?? []) {
      if (detected(r.detected, r.action)) out.push({ kind: 'PII', name: r.name ?? r.regex ?? 'regex', action: findingAction(r.action), match: r.match });
    }
  }
  return out;
}

type SignerFactory = (authScheme?: AuthScheme) => Promise<RequestSigner>;

/**
 * Makes a client build its SigV4 signer once per auth scheme instead of once per request. The SDK's
 * `config.signer(authScheme)` copies the whole resolved client config (some 80 keys) and constructs
 * a new signer on every call, yet what it builds depends only on the scheme's name, region and
 * signing name (the region and name it picks are pinned in the config by the first call) and on the
 * config's credentials provider, which is the same function every time. A signer keeps no state
 * between requests (`sign()` takes the date, region and service of each request), so the first one
 * built serves them all. A failed build is not remembered.
 */
export function reuseSigners(config: { signer: SignerFactory }): void {
  const build = config.signer;
  const built = new Map<string, Promise<RequestSigner>>();
  config.signer = (authScheme) => {
    const id = authScheme === undefined ? '' : `${authScheme.name}\u0000${authScheme.signingRegion ?? ''}\u0000${authScheme.signingName ?? ''}`;
    let signer = built.get(id);
    if (!signer) {
      signer = build(authScheme);
      built.set(id, signer);
      signer.catch(() => {
        if (built.get(id) === signer) built.delete(id);
      });
    }
    return signer;
  };
}

/**
 * The Bedrock implementation of {@link ModelProvider}, with every capability: AWS SDK v3 clients for
 * Bedrock Runtime and the Bedrock control plane. Real AWS and the emulator differ only in
 * endpoint, credentials and HTTP handler; every call goes through the real SDK (signing,
 * serialization, event-stream decoding, error parsing). Every failure surfaces as a
 * {@link ProviderError}.
 */
export class BedrockProvider implements ModelProviderWithAll {
  readonly id = 'bedrock';
  readonly mode: 'bedrock' | 'emulator';
  readonly runtime: BedrockRuntimeClient;
  readonly control: BedrockClient;

  constructor(opts: BedrockProviderOptions) {
    this.mode = opts.mode;
    const emulator = opts.mode === 'emulator';
    const common = {
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : emulator ? { credentials: EMULATOR_CREDENTIALS } : {}),
      maxAttempts: opts.maxAttempts ?? (emulator ? 1 : 3),
      signerConstructor: CachedKeySignatureV4,
    };
    const http1 = opts.http1 ?? Boolean(opts.endpoint);
    // Over http:// the SDK's default agent allows 50 sockets; every open stream holds one, so load
    // tests against the emulator would queue behind that cap.
    const handler = (): NodeHttpHandler => new NodeHttpHandler(opts.endpoint?.startsWith('http://') ? { httpAgent: new Agent({ keepAlive: true, maxSockets: 1024 }) } : {});
    this.runtime = new BedrockRuntimeClient({ ...common, ...(http1 ? { requestHandler: handler() } : {}) });
    this.control = new BedrockClient({ ...common, ...(opts.endpoint ? { requestHandler: handler() } : {}) });
    reuseSigners(this.runtime.config);
    reuseSigners(this.control.config);
    routeCallSignals(this.runtime);
  }

  /**
   * ConverseStream. Aborting `opts.signal` stops the HTTP call, and so does leaving the loop early
   * (`break`, a thrown error): the generator's cleanup aborts the request, so the model stops
   * generating (and billing) output nobody reads.
   */
  async *stream(req: ConverseRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<StreamEvent> {
    const { signal } = opts;
    const call = new AbortController();
    const onAbort = (): void => call.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const aborted = (cause?: unknown): ProviderError => new ProviderError('AbortError', 'the call was aborted', { retryable: false, ...(cause === undefined ? {} : { cause }) });
    let finished = false;
    try {
      if (signal?.aborted) throw aborted();
      const command = new ConverseStreamCommand(toSdkRequest(req));
      const res = await sendWithSignal(command.input, call.signal, () => this.runtime.send(command));
      for await (const ev of res.stream ?? []) {
        if (call.signal.aborted) throw aborted();
        if (ev.contentBlockDelta?.delta?.text !== undefined) {
          yield { type: 'text', text: ev.contentBlockDelta.delta.text };
        } else if (ev.messageStop) {
          yield { type: 'stop', stopReason: ev.messageStop.stopReason ?? 'end_turn' };
        } else if (ev.metadata) {
          yield { type: 'usage', usage: toUsage(ev.metadata.usage), latencyMs: ev.metadata.metrics?.latencyMs };
        } else {
          // Modeled exception members are thrown by the SDK's unmarshaller; this guards against one
          // delivered as data instead.
          const failure = ev.throttlingException ?? ev.internalServerException ?? ev.modelStreamErrorException ?? ev.validationException ?? ev.serviceUnavailableException;
          if (failure) throw failure;
        }
      }
      // A destroyed connection can end the SDK's event stream quietly: never pass that off as a complete reply.
      if (call.signal.aborted) throw aborted();
      finished = true;
    } catch (err) {
      if (call.signal.aborted) throw err instanceof ProviderError && err.code === 'AbortError' ? err : aborted(err);
      throw toProviderError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!finished) call.abort();
    }
  }

  async complete(req: ConverseRequest, opts: { signal?: AbortSignal } = {}): Promise<ConverseResult> {
    try {
      const command = new ConverseCommand(toSdkRequest(req));
      const res = await sendWithSignal(command.input, opts.signal, () => this.runtime.send(command));
      const text = (res.output?.message?.content ?? []).map((b) => b.text ?? '').join('');
      return { text, stopReason: res.stopReason ?? 'end_turn', usage: toUsage(res.usage), latencyMs: res.metrics?.latencyMs };
    } catch (err) {
      throw toProviderError(err);
    }
  }

  async callTool(req: ConverseRequest, tool: ToolSpec, opts: { signal?: AbortSignal } = {}): Promise<ToolCallResult> {
    try {
      const command = new ConverseCommand({
        ...toSdkRequest(req),
        toolConfig: {
          tools: [{ toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.inputSchema as DocumentType } } }],
          toolChoice: { tool: { name: tool.name } },
        },
      });
      const res = await sendWithSignal(command.input, opts.signal, () => this.runtime.send(command));
      const content = res.output?.message?.content ?? [];
      const use = content.find((b) => b.toolUse?.name === tool.name)?.toolUse;
      return {
        toolInput: use ? (use.input ?? null) : null,
        text: content.map((b) => b.text ?? '').join(''),
        stopReason: res.stopReason ?? 'end_turn',
        usage: toUsage(res.usage),
      };
    } catch (err) {
      throw toProviderError(err);
    }
  }

  async countTokens(req: ConverseRequest): Promise<number | null> {
    const { messages, system } = toSdkRequest(req);
    try {
      const res = await this.runtime.send(new CountTokensCommand({ modelId: parseModelId(req.modelId).baseModelId, input: { converse: { messages, ...(system ? { system } : {}) } } }));
      return res.inputTokens ?? null;
    } catch (err) {
      const e = toProviderError(err);
      // Not every model supports CountTokens (e.g. profile-only Claude models): the caller estimates instead.
      if (e.code === 'ValidationException' || e.code === 'ResourceNotFoundException') return null;
      throw e;
    }
  }

  async embed(text: string, opts: { dimensions?: 256 | 512 | 1024 } = {}): Promise<number[]> {
    try {
      const res = await this.runtime.send(
        new InvokeModelCommand({
          modelId: EMBEDDING_MODEL_ID,
          contentType: 'application/json',
          accept: 'application/json',
          body: JSON.stringify({ inputText: text, dimensions: opts.dimensions ?? 1024, normalize: true }),
        }),
      );
      const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as { embedding?: unknown };
      if (!Array.isArray(body.embedding)) throw new ProviderError('MalformedResponse', 'InvokeModel returned no embedding', { retryable: false });
      return body.embedding as number[];
    } catch (err) {
      throw toProviderError(err);
    }
  }

  async applyGuardrail(identifier: string, version: string, source: GuardrailDirection, text: string): Promise<GuardrailAssessmentResult> {
    try {
      const res = await this.runtime.send(new ApplyGuardrailCommand({ guardrailIdentifier: identifier, guardrailVersion: version, source, content: [{ text: { text } }] }));
      const intervened = res.action === 'GUARDRAIL_INTERVENED';
      const outputText = (res.outputs ?? []).map((o) => o.text ?? '').join('');
      return {
        action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE',
        ...(intervened ? { outputText } : {}),
        findings: flattenAssessments(res.assessments),
      };
    } catch (err) {
      throw toProviderError(err);
    }
  }

  async listModels(): Promise<ModelAvailability[]> {
    let foundation: Set<string>;
    try {
      const res = await this.control.send(new ListFoundationModelsCommand({}));
      foundation = new Set((res.modelSummaries ?? []).map((m) => m.modelId ?? ''));
    } catch (err) {
      throw toProviderError(err);
    }
    const profiled = new Map<string, string[]>();
    try {
      let nextToken: string | undefined;
      do {
        const res = await this.control.send(new ListInferenceProfilesCommand({ maxResults: 1000, nextToken }));
        for (const p of res.inferenceProfileSummaries ?? ([] as InferenceProfileSummary[])) {
          if (!p.inferenceProfileId) continue;
          const base = parseModelId(p.inferenceProfileId).baseModelId;
          profiled.set(base, [...(profiled.get(base) ?? []), p.inferenceProfileId]);
        }
        nextToken = res.nextToken;
      } while (nextToken);
    } catch {
      // Accounts without bedrock:ListInferenceProfiles still see their foundation models.
    }
    return catalogModels().map((m) => ({
      ...m,
      // A profile-only model is not callable by its base id: Bedrock refuses it on demand.
      available: foundation.has(m.modelId) && !m.profileOnly,
      profileIds: foundation.has(m.modelId) ? [...(profiled.get(m.modelId) ?? [])].sort() : [],
    }));
  }

  async close(): Promise<void> {
    this.runtime.destroy();
    this.control.destroy();
  }
}
