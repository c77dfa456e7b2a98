import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../config/config';
import type { Logger } from '../observability/logger';
import { BedrockProvider } from './bedrock/bedrock.provider';
import { EmulatorProvider } from './emulator/emulator.provider';
import { PricingService, type PricingStore } from './pricing/pricing.service';
import type { ModelProvider } from './provider';
import { ProviderRegistry } from './registry';
import { DEFAULT_PROVIDER_ID } from './catalog';

/** The model side of the app: which provider serves, its prices, and how to stop it. */
export interface ModelRuntime {
  /** `emulator` when calls go to the Bedrock emulator (in-process or at BEDROCK_ENDPOINT). */
  mode: 'bedrock' | 'emulator';
  /** Every registered provider, answering as one: the provider a model's catalog entry names serves it. */
  provider: ProviderRegistry;
  /** The emulator's URL in emulator mode. */
  emulatorUrl?: string;
  pricing: PricingService;
  /** Closes the SDK clients, then the in-process emulator if one was started. */
  close(): Promise<void>;
}

/** Options of {@link createModelRuntime}, mostly for tests. */
export interface ModelRuntimeOptions {
  /** Replaces the AWS credential and region detection used by `MODEL_PROVIDER=auto`. */
  detectAws?: (config: AppConfig) => Promise<AwsDetection>;
}

/** What `MODEL_PROVIDER=auto` found. */
export interface AwsDetection {
  credentials: boolean;
  /** The region to use, or undefined when none is configured. */
  region?: string;
}

/** Reads `region` of a profile from the shared config file (`~/.aws/config` or AWS_CONFIG_FILE). */
function sharedConfigRegion(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.AWS_CONFIG_FILE ?? path.join(os.homedir(), '.aws', 'config');
  const profile = env.AWS_PROFILE ?? 'default';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]/.exec(line);
    if (section) {
      current = section[1];
      continue;
    }
    const kv = /^\s*region\s*=\s*(\S+)/.exec(line);
    if (kv && current === profile) return kv[1];
  }
  return undefined;
}

/** Environment and shared-file check, used when the SDK's credential chain cannot be loaded. */
function staticCredentialCheck(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_BEARER_TOKEN_BEDROCK) return true;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(os.homedir(), '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? path.join(os.homedir(), '.aws', 'config')];
  return files.some((f) => {
    try {
      return /aws_access_key_id|credential_process|sso_start_url|sso_session|role_arn/.test(fs.readFileSync(f, 'utf8'));
    } catch {
      return false;
    }
  });
}

/**
 * Looks for AWS credentials the way the SDK will: the default provider chain of
 * `@aws-sdk/credential-provider-node` (env, SSO, shared files, process, web identity, ECS/EC2
 * metadata), bounded in time; without that package, an env-and-files check. Bedrock API keys
 * (AWS_BEARER_TOKEN_BEDROCK) count as credentials.
 */
export async function detectAws(config: AppConfig, env: NodeJS.ProcessEnv = process.env, timeoutMs = 3_000): Promise<AwsDetection> {
  const region = config.awsRegionConfigured ? config.awsRegion : sharedConfigRegion(env);
  if (env.AWS_BEARER_TOKEN_BEDROCK) return { credentials: true, region };
  let credentials: boolean;
  try {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    const resolve = defaultProvider({ timeout: 1_000, maxRetries: 0 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), timeoutMs);
      timer.unref();
    });
    const creds = await Promise.race([resolve().catch(() => undefined), timeout]);
    clearTimeout(timer);
    credentials = Boolean(creds?.accessKeyId);
  } catch {
    credentials = staticCredentialCheck(env);
  }
  return { credentials, region };
}

/**
 * Chooses and builds the model provider from the config (README "Model providers"):
 * - `MODEL_PROVIDER=bedrock`: AWS Bedrock in `AWS_REGION` (through BEDROCK_ENDPOINT when set).
 * - `MODEL_PROVIDER=emulator`: the emulator at BEDROCK_ENDPOINT when set, else one started in-process
 *   on an ephemeral port.
 * - `MODEL_PROVIDER=auto`: bedrock when AWS credentials and a region are found, else as `emulator`.
 * Either way calls go through the real AWS SDK ({@link BedrockProvider}, or {@link EmulatorProvider}
 * over it); only endpoint, credentials and HTTP handler differ. The provider is registered in a
 * {@link ProviderRegistry} as `bedrock`, the provider id of every catalog model. Logs one start-up line saying which it chose and why.
 * With `store`, price overrides are loaded from (and saved to) the database.
 */
export async function createModelRuntime(config: AppConfig, logger: Logger, store?: PricingStore, opts: ModelRuntimeOptions = {}): Promise<ModelRuntime> {
  let mode: 'bedrock' | 'emulator';
  let region = config.awsRegion;
  let reason: string;
  if (config.modelProvider === 'bedrock') {
    mode = 'bedrock';
    reason = 'MODEL_PROVIDER=bedrock';
  } else if (config.modelProvider === 'emulator') {
    mode = 'emulator';
    reason = 'MODEL_PROVIDER=emulator';
  } else {
    const found = await (opts.detectAws ?? detectAws)(config);
    if (found.credentials && found.region) {
      mode = 'bedrock';
      region = found.region;
      reason = 'AWS credentials found';
    } else {
      mode = 'emulator';
      reason = found.credentials ? 'AWS credentials found but no region' : 'no AWS credentials found';
    }
  }

  let served: ModelProvider;
  let emulatorUrl: string | undefined;
  if (mode === 'bedrock') {
    served = new BedrockProvider({ mode, region, endpoint: config.bedrockEndpoint });
    logger.info({ modelProvider: mode, region, endpoint: config.bedrockEndpoint }, `model provider: AWS Bedrock in ${region}${config.bedrockEndpoint ? ` via ${config.bedrockEndpoint}` : ''}`);
  } else {
    const emulator = await EmulatorProvider.start({ region, endpoint: config.bedrockEndpoint, logger });
    served = emulator;
    emulatorUrl = emulator.url;
    const where = config.bedrockEndpoint ? `BEDROCK_ENDPOINT, ${reason}` : reason;
    logger.info({ modelProvider: mode, endpoint: emulator.url }, `model provider: emulator at ${emulator.url} (${where})`);
  }
  // The catalog's models are served through Bedrock's API: by Bedrock, or by the emulator standing in for it.
  const provider = new ProviderRegistry(new Map([[DEFAULT_PROVIDER_ID, served]]));

  const pricing = new PricingService(provider, logger, store);
  try {
    await pricing.load();
  } catch (err) {
    await provider.close();
    throw err;
  }
  return {
    mode,
    provider,
    ...(emulatorUrl ? { emulatorUrl } : {}),
    pricing,
    close: () => provider.close(),
  };
}
