import type { Logger } from '../../observability/logger';
import { BedrockProvider } from '../bedrock/bedrock.provider';
import type { ConverseRequest, ConverseResult, GuardrailAssessmentResult, ModelAvailability, ModelProviderWithAll, StreamEvent, ToolCallResult, ToolSpec } from '../provider';
import type { GuardrailDirection } from '../../core/guardrail-direction';
import { startEmulator, type RunningEmulator } from './emulator.server';

/**
 * The emulator implementation of the model provider: the built-in Bedrock emulator (started in
 * process on an ephemeral port, or one already running at an endpoint), called through the real
 * AWS SDK so every request and error takes Bedrock's path. It owns the emulator it started and
 * stops it on `close()`. Registered as `bedrock`: it stands in for Bedrock's API.
 */
export class EmulatorProvider implements ModelProviderWithAll {
  readonly id = 'emulator';
  readonly mode = 'emulator' as const;

  private constructor(
    private readonly sdk: BedrockProvider,
    /** Where the emulator listens. */
    readonly url: string,
    private readonly server: RunningEmulator | undefined,
  ) {}

  /** Connects to the emulator at `endpoint`, or starts one in process when none is given. */
  static async start(opts: { region: string; endpoint?: string; logger: Logger }): Promise<EmulatorProvider> {
    const server = opts.endpoint ? undefined : await startEmulator({ host: '127.0.0.1', port: 0, logger: opts.logger });
    const url = opts.endpoint ?? server!.url;
    return new EmulatorProvider(new BedrockProvider({ mode: 'emulator', region: opts.region, endpoint: url }), url, server);
  }

  stream(req: ConverseRequest, opts?: { signal?: AbortSignal }): AsyncIterable<StreamEvent> {
    return this.sdk.stream(req, opts);
  }

  complete(req: ConverseRequest, opts?: { signal?: AbortSignal }): Promise<ConverseResult> {
    return this.sdk.complete(req, opts);
  }

  callTool(req: ConverseRequest, tool: ToolSpec, opts?: { signal?: AbortSignal }): Promise<ToolCallResult> {
    return this.sdk.callTool(req, tool, opts);
  }

  countTokens(req: ConverseRequest): Promise<number | null> {
    return this.sdk.countTokens(req);
  }

  embed(text: string, opts?: { dimensions?: 256 | 512 | 1024 }): Promise<number[]> {
    return this.sdk.embed(text, opts);
  }

  applyGuardrail(identifier: string, version: string, source: GuardrailDirection, text: string): Promise<GuardrailAssessmentResult> {
    return this.sdk.applyGuardrail(identifier, version, source, text);
  }

  listModels(): Promise<ModelAvailability[]> {
    return this.sdk.listModels();
  }

  /** Closes the SDK clients, then the emulator if this provider started it. */
  async close(): Promise<void> {
    await this.sdk.close();
    await this.server?.close();
  }
}
