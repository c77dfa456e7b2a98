import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AuditService } from '../../audit/audit.service';
import { ALL_TOPICS, CachedConfig, type ChangeBus } from '../../db/change-bus';
import { NotFoundError } from '../../graphql/errors';
import { parseInput } from '../../graphql/validation';
import type { Logger } from '../../observability/logger';
import { createPriceBook, listModels as catalogModels, resolveModel, type ModelInfo, type PriceBook, type Prices } from '../catalog';
import { costByStageMicros, tokensCostMicros, type StageCostMicros, type StageTokens } from '../cost';
import type { ModelProvider } from '../provider';
import { ModelPriceOverride } from './model-price-override.entity';
import type { ModelPriceInput } from './model-price.inputs';
import type { ModelInfoType } from './models.types';

/** Change-bus topic of the price overrides. */
export const MODEL_PRICES_TOPIC = 'model_price_overrides';

/** How long a provider's model listing (`available`) is reused. */
const AVAILABILITY_TTL_MS = 60_000;

const price = z
  .number()
  .finite()
  .nonnegative('must not be negative')
  .max(1_000_000, 'must be at most 1000000')
  // cost.ts works in pico-USD per token: a price with more than 6 decimals would be rounded.
  .refine((v) => Math.abs(Math.round(v * 1e6) - v * 1e6) < 1e-6, 'must have at most 6 decimals');

const priceInputSchema = z.strictObject({
  input: price,
  output: price,
  cacheRead: price.nullish(),
  cacheWrite: price.nullish(),
});

/** What the pricing service needs to keep overrides in the database; without it, catalog prices only. */
export interface PricingStore {
  dataSource: DataSource;
  audit: AuditService;
  bus: ChangeBus;
}

function overridePrices(o: ModelPriceOverride): Partial<Prices> {
  return {
    input: o.input,
    output: o.output,
    ...(o.cacheRead !== null ? { cacheRead: o.cacheRead } : {}),
    ...(o.cacheWrite !== null ? { cacheWrite: o.cacheWrite } : {}),
  };
}

/**
 * Model prices: the catalog (`prices.json`) with admin overrides on top. Overrides live in a
 * CachedConfig and a synchronous snapshot, so `pricesFor` / `modelInfo` / `costByStage` never touch
 * the database; the snapshot reloads when the topic is published (on every instance).
 */
export class PricingService {
  private readonly cached?: CachedConfig<Map<string, ModelPriceOverride>>;
  private overrides = new Map<string, ModelPriceOverride>();
  private book: PriceBook = createPriceBook({});
  private availability?: { at: number; ids: Promise<Map<string, Listed>> };

  constructor(
    private readonly provider: ModelProvider,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly store?: PricingStore,
  ) {
    if (store) {
      this.cached = new CachedConfig(MODEL_PRICES_TOPIC, async () => new Map((await store.dataSource.getRepository(ModelPriceOverride).find()).map((o) => [o.modelId, o])), store.bus);
      // Subscribed after the CachedConfig, so its cache is dropped before this reload runs.
      store.bus.subscribe((topic) => {
        if (topic === MODEL_PRICES_TOPIC || topic === ALL_TOPICS) void this.load().catch((err: unknown) => this.logger.warn({ err }, 'could not reload model price overrides'));
      });
    }
  }

  /** Loads the overrides into the synchronous snapshot. Call once at start-up (createModelRuntime does). */
  async load(): Promise<void> {
    if (!this.cached) return;
    const map = await this.cached.get();
    this.overrides = map;
    this.book = createPriceBook(Object.fromEntries([...map].map(([id, o]) => [id, overridePrices(o)])));
  }

  /** Prices (USD per 1M tokens) for a model id as sent to Bedrock, overrides applied; undefined for an unknown model. */
  pricesFor(modelId: string): Prices | undefined {
    return this.book.pricesFor(modelId);
  }

  /** The catalog entry for a model id (base, profile or ARN) with override prices; undefined for an unknown model. */
  modelInfo(modelId: string): ModelInfo | undefined {
    const info = resolveModel(modelId);
    if (!info) return undefined;
    const prices = this.book.pricesFor(modelId);
    return prices ? { ...info, prices } : info;
  }

  /** Cost per stage in integer micro-USD (stages add up to `total`); undefined for an unknown model. */
  costByStage(modelId: string, tokens: StageTokens): StageCostMicros | undefined {
    const prices = this.pricesFor(modelId);
    return prices ? costByStageMicros(tokens, prices) : undefined;
  }

  /**
   * Worst-case cost in micro-USD of a call (all input uncached, `maxOutputTokens` generated), for
   * budget reservations; undefined for an unknown model.
   */
  worstCaseMicros(modelId: string, inputTokens: number, maxOutputTokens: number): number | undefined {
    const prices = this.pricesFor(modelId);
    if (!prices) return undefined;
    // A cache write can cost more than plain input (Claude: 1.25×): reserve at the higher price.
    const inputPrice = Math.max(prices.input, prices.cacheWrite ?? 0);
    return tokensCostMicros(inputTokens, inputPrice) + tokensCostMicros(maxOutputTokens, prices.output);
  }

  /** Every catalog model, plus inference-profile ids that carry their own override, for the `models` query. */
  async list(): Promise<ModelInfoType[]> {
    await this.load();
    const available = await this.availableIds();
    const ids = [...catalogModels().map((m) => m.modelId), ...[...this.overrides.keys()].filter((id) => resolveModel(id)?.modelId !== id)];
    return ids.map((id) => this.describe(id, available)).filter((m): m is ModelInfoType => m !== undefined);
  }

  /** Sets an admin price for a model id (ADMIN, audited). */
  async setPrice(modelId: string, input: ModelPriceInput, actor: string): Promise<ModelInfoType> {
    const store = this.requireStore();
    const prices = parseInput(priceInputSchema, { ...input }, 'input');
    if (!resolveModel(modelId)) throw new NotFoundError('Model', modelId);
    await store.dataSource.transaction(async (m) => {
      await lockModelPrice(m, modelId);
      const existing = await m.findOneBy(ModelPriceOverride, { modelId });
      const before = existing ? { ...existing } : null;
      const row = existing ?? m.create(ModelPriceOverride, { modelId });
      Object.assign(row, { input: prices.input, output: prices.output, cacheRead: prices.cacheRead ?? null, cacheWrite: prices.cacheWrite ?? null, updatedBy: actor });
      const saved = await m.save(row);
      await store.audit.record(m, { actor, action: existing ? 'update' : 'create', entityType: 'ModelPrice', entityId: saved.id, entityName: modelId, before, after: saved });
    });
    await store.bus.publish(MODEL_PRICES_TOPIC);
    await this.load();
    return this.describe(modelId, await this.availableIds())!;
  }

  /** Removes a model's admin price, back to the catalog (ADMIN, audited; a no-op when none is set). */
  async clearPrice(modelId: string, actor: string): Promise<ModelInfoType> {
    const store = this.requireStore();
    if (!resolveModel(modelId)) throw new NotFoundError('Model', modelId);
    const removed = await store.dataSource.transaction(async (m) => {
      await lockModelPrice(m, modelId);
      const existing = await m.findOneBy(ModelPriceOverride, { modelId });
      if (!existing) return false;
      await m.delete(ModelPriceOverride, { id: existing.id });
      await store.audit.record(m, { actor, action: 'delete', entityType: 'ModelPrice', entityId: existing.id, entityName: modelId, before: existing, after: null });
      return true;
    });
    if (removed) await store.bus.publish(MODEL_PRICES_TOPIC);
    await this.load();
    return this.describe(modelId, await this.availableIds())!;
  }

  private requireStore(): PricingStore {
    if (!this.store) throw new Error('PricingService was built without a database: price overrides are read-only');
    return this.store;
  }

  private describe(modelId: string, available: Map<string, Listed>): ModelInfoType | undefined {
    const info = resolveModel(modelId);
    if (!info) return undefined;
    const override = this.overrides.get(modelId);
    return {
      id: modelId,
      name: info.profilePrefix ? `${info.name} (${info.profilePrefix}.)` : info.name,
      provider: info.provider,
      kind: info.kind,
      prices: this.book.pricesFor(modelId) ?? info.prices,
      catalogPrices: info.prices,
      priceOverridden: override !== undefined,
      priceUpdatedAt: override?.updatedAt ?? null,
      priceUpdatedBy: override?.updatedBy ?? null,
      maxOutputTokens: info.maxOutputTokens,
      contextWindow: info.contextWindow,
      supportsPromptCaching: info.promptCaching !== null,
      promptCacheMinTokens: info.promptCaching?.minTokens ?? null,
      profileOnly: info.profileOnly,
      ...availabilityOf(modelId, info.modelId, available),
    };
  }

  /** What the provider lists per base id, reused for a minute; empty when the listing fails. */
  private availableIds(): Promise<Map<string, Listed>> {
    const now = Date.now();
    if (this.availability && now - this.availability.at < AVAILABILITY_TTL_MS) return this.availability.ids;
    const ids = this.provider.listModels().then(
      (models) => new Map(models.map((m) => [m.modelId, { available: m.available, profileIds: m.profileIds }])),
      (err: unknown) => {
        this.logger.warn({ err }, 'could not list models from the provider; reporting none available');
        this.availability = undefined;
        return new Map<string, Listed>();
      },
    );
    this.availability = { at: now, ids };
    return ids;
  }
}

interface Listed {
  available: boolean;
  profileIds: string[];
}

/**
 * A base id is available when callable as is; a profile-only model's base id is not, and lists the
 * profile ids to call it through. A profile id is available when the provider lists it.
 */
function availabilityOf(modelId: string, baseModelId: string, listed: Map<string, Listed>): { available: boolean; profileIds: string[] } {
  const entry = listed.get(baseModelId);
  if (!entry) return { available: false, profileIds: [] };
  if (modelId === baseModelId) return { available: entry.available, profileIds: entry.profileIds };
  return { available: entry.profileIds.includes(modelId) || entry.available, profileIds: [] };
}

/**
 * Serializes price changes of one model id for the rest of the transaction, so concurrent
 * setModelPrice calls upsert one after the other instead of racing to insert the same row.
 */
async function lockModelPrice(m: EntityManager, modelId: string): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`model_price:${modelId}`]);
}
