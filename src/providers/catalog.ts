import { z } from 'zod';
import pricesFile from './prices.json';

/** USD per 1M tokens (equivalently micro-USD per token). `null`: the model has no prompt caching. */
export interface Prices {
  input: number;
  output: number;
  cacheRead: number | null;
  cacheWrite: number | null;
}

/** Prompt-caching limits of a model (BEDROCK.md section 6). */
export interface PromptCachingInfo {
  /** A checkpoint whose cumulative prefix is shorter than this is silently ignored. */
  minTokens: number;
  /** Cache points allowed per request; more is a ValidationException. */
  maxCheckpoints: number;
}

/** One Bedrock model as the control plane knows it: identity, limits and prices. */
export interface ModelInfo {
  /** The base (foundation-model) id, e.g. `anthropic.claude-sonnet-4-20250514-v1:0`. */
  modelId: string;
  /** The id that was resolved: a base id, an inference-profile id (`us.…`) or an ARN. */
  requestedModelId: string;
  /** The inference-profile geography (`us`, `eu`, `global`, …) or null for a base id. */
  profilePrefix: string | null;
  name: string;
  /** The model's vendor (`Anthropic`, `Amazon`, ...). */
  provider: string;
  /** The registered model provider that serves it (`bedrock` unless the catalog says otherwise). */
  providerId: string;
  kind: 'chat' | 'embedding';
  /** Prices for `requestedModelId`, the regional premium already applied. */
  prices: Prices;
  maxOutputTokens: number;
  contextWindow: number;
  promptCaching: PromptCachingInfo | null;
  /** True when on-demand calls need an inference profile (the base id is rejected). */
  profileOnly: boolean;
  /** Multiplier on geographic (not `global.`) profiles; 1.1 for Claude 4.5 and later. */
  regionalPremium: number;
}

const pricesSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative().nullable(),
  cacheWrite: z.number().nonnegative().nullable(),
});

/** The provider id of a catalog entry that names none: every model of `prices.json` is served through Bedrock's API. */
export const DEFAULT_PROVIDER_ID = 'bedrock';

const catalogSchema = z.object({
  models: z.array(
    z.object({
      modelId: z.string().min(1),
      name: z.string(),
      provider: z.string(),
      providerId: z.string().min(1).default(DEFAULT_PROVIDER_ID),
      kind: z.enum(['chat', 'embedding']),
      prices: pricesSchema,
      maxOutputTokens: z.number().int().nonnegative(),
      contextWindow: z.number().int().positive(),
      promptCaching: z.object({ minTokens: z.number().int().positive(), maxCheckpoints: z.number().int().positive() }).nullable(),
      profileOnly: z.boolean(),
      regionalPremium: z.number().min(1),
    }),
  ),
});

type CatalogEntry = z.infer<typeof catalogSchema>['models'][number];

// Validated once at load so a bad edit of prices.json fails at start-up, not at billing time.
const ENTRIES: ReadonlyMap<string, CatalogEntry> = new Map(catalogSchema.parse(pricesFile).models.map((m) => [m.modelId, m]));

/** Inference-profile prefixes; `us-gov` before `us` so the longer one wins. */
export const PROFILE_PREFIXES = ['us-gov', 'us', 'eu', 'apac', 'jp', 'au', 'ca', 'global'] as const;

const ARN_PATTERN = /^arn:aws[\w-]*:bedrock:[^:]*:[^:]*:(?:inference-profile|foundation-model)\/(.+)$/;
const PREFIX_PATTERN = new RegExp(`^(${PROFILE_PREFIXES.join('|')})\\.(.+)$`);

/** Splits a model id, profile id or ARN into its base id and profile prefix (no catalog lookup). */
export function parseModelId(modelId: string): { baseModelId: string; profilePrefix: string | null } {
  const arn = ARN_PATTERN.exec(modelId);
  const id = arn ? arn[1] : modelId;
  const prefixed = PREFIX_PATTERN.exec(id);
  if (prefixed && !ENTRIES.has(id)) return { baseModelId: prefixed[2], profilePrefix: prefixed[1] };
  return { baseModelId: id, profilePrefix: null };
}

/** Multiplies a price, keeping 6 decimals (the precision cost.ts works in) so 3 × 1.1 is 3.3. */
function scalePrice(price: number, factor: number): number {
  return factor === 1 ? price : Math.round(price * factor * 1e6) / 1e6;
}

function scalePrices(p: Prices, factor: number): Prices {
  return {
    input: scalePrice(p.input, factor),
    output: scalePrice(p.output, factor),
    cacheRead: p.cacheRead === null ? null : scalePrice(p.cacheRead, factor),
    cacheWrite: p.cacheWrite === null ? null : scalePrice(p.cacheWrite, factor),
  };
}

function toModelInfo(entry: CatalogEntry, requestedModelId: string, profilePrefix: string | null): ModelInfo {
  const premium = profilePrefix !== null && profilePrefix !== 'global' ? entry.regionalPremium : 1;
  return {
    modelId: entry.modelId,
    requestedModelId,
    profilePrefix,
    name: entry.name,
    provider: entry.provider,
    providerId: entry.providerId,
    kind: entry.kind,
    prices: scalePrices(entry.prices, premium),
    maxOutputTokens: entry.maxOutputTokens,
    contextWindow: entry.contextWindow,
    promptCaching: entry.promptCaching ? { ...entry.promptCaching } : null,
    profileOnly: entry.profileOnly,
    regionalPremium: entry.regionalPremium,
  };
}

/**
 * Why a model id cannot be used as is in a prompt version, routing rule or budget: unknown, or the
 * base id of a model Bedrock serves only through inference profiles. Undefined when it can.
 */
export function modelIdProblem(modelId: string): string | undefined {
  const info = resolveModel(modelId);
  if (!info) return `unknown model "${modelId}" (see the models query)`;
  if (info.profileOnly && info.profilePrefix === null) {
    return `"${modelId}" can only be called through an inference profile: use a profile id such as "us.${info.modelId}" or "global.${info.modelId}" (the models query lists its profileIds)`;
  }
  return undefined;
}

/**
 * Resolves a base id, an inference-profile id (`us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`,
 * `us-gov.`, `global.`) or an `inference-profile/` / `foundation-model/` ARN to its catalog model.
 * Prices include the regional premium for geographic prefixes. Undefined for unknown models.
 */
export function resolveModel(modelId: string): ModelInfo | undefined {
  const { baseModelId, profilePrefix } = parseModelId(modelId);
  const entry = ENTRIES.get(baseModelId);
  return entry ? toModelInfo(entry, modelId, profilePrefix) : undefined;
}

/** Every base model of the catalog. */
export function listModels(): ModelInfo[] {
  return [...ENTRIES.values()].map((e) => toModelInfo(e, e.modelId, null));
}

/** Prices with admin overrides applied; see {@link createPriceBook}. */
export interface PriceBook {
  /** Prices for a model id as sent to Bedrock; undefined when neither the catalog nor an override knows it. */
  pricesFor(modelId: string): Prices | undefined;
}

/**
 * Builds a price book where admin overrides win over prices.json.
 * - An override keyed by the exact id (e.g. `us.anthropic.…`) is applied to that id's prices as-is.
 * - An override keyed by the base id replaces the base price; geographic profiles still get the premium.
 * - An override for a model the catalog does not know is used when it names `input` and `output`.
 */
export function createPriceBook(overrides: Record<string, Partial<Prices>>): PriceBook {
  const own = (id: string): Partial<Prices> | undefined => (Object.prototype.hasOwnProperty.call(overrides, id) ? overrides[id] : undefined);
  return {
    pricesFor(modelId) {
      const { baseModelId, profilePrefix } = parseModelId(modelId);
      // An ARN is priced as the id it names: `…:inference-profile/us.x` as `us.x`, `…:foundation-model/x` as `x`.
      const canonical = profilePrefix ? `${profilePrefix}.${baseModelId}` : baseModelId;
      const exact = own(modelId) ?? own(canonical);
      const entry = ENTRIES.get(baseModelId);
      if (!entry) {
        if (exact && exact.input !== undefined && exact.output !== undefined) {
          return { input: exact.input, output: exact.output, cacheRead: exact.cacheRead ?? null, cacheWrite: exact.cacheWrite ?? null };
        }
        return undefined;
      }
      const premium = profilePrefix !== null && profilePrefix !== 'global' ? entry.regionalPremium : 1;
      const base = own(baseModelId);
      const prices = scalePrices({ ...entry.prices, ...(base !== exact ? base : undefined) }, premium);
      return exact ? { ...prices, ...exact } : prices;
    },
  };
}
