import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { ApiKey, ApiRole } from './api-key.entity';
import type { AuditService } from '../audit/audit.service';
import { ALL_TOPICS, CachedConfig, type ChangeBus } from '../db/change-bus';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { nameSchema, parseInput, parseId } from '../graphql/validation';
import type { Logger } from '../observability/logger';

const TOPIC = 'api_keys';
/** lastUsedAt is written at most this often per key, off the request path. */
const TOUCH_INTERVAL_MS = 60_000;
/**
 * How long a verified secret is remembered (at most): a request with a recently verified secret skips
 * the SHA-256 and the constant-time compare (~3.3 us). Any key change (create, revoke, from this
 * process or another through the change bus) forgets them all at once, so the TTL only bounds how
 * long a secret stays in memory after its last use.
 */
const VERIFIED_TTL_MS = 5_000;
const VERIFIED_MAX = 1024;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(): string {
  return `gcp_${randomBytes(32).toString('base64url')}`;
}

export class ApiKeyService {
  private readonly byHash: CachedConfig<Map<string, ApiKey>>;
  private readonly touched = new Map<string, number>();
  /** Live keys by the secrets recently verified for them (only successes: unknown secrets are never kept). */
  private readonly verified = new LRUCache<string, ApiKey>({ max: VERIFIED_MAX, ttl: VERIFIED_TTL_MS });
  /** Bumped on every key change: a verification that started before a change is not remembered. */
  private generation = 0;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly bus: ChangeBus,
    private readonly logger: Logger,
  ) {
    this.byHash = new CachedConfig(
      TOPIC,
      async () => {
        const keys = await db.getRepository(ApiKey).find();
        return new Map(keys.map((k) => [k.secretHash, k]));
      },
      bus,
    );
    bus.subscribe((t) => {
      if (t === TOPIC || t === ALL_TOPICS) this.forgetVerified();
    });
  }

  private forgetVerified(): void {
    this.generation++;
    this.verified.clear();
  }

  /**
   * Calls `listener` after keys changed on any instance (a revoke, through the change bus), once the
   * cache has been dropped: open connections re-check their key. Returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    return this.bus.subscribe((t) => {
      if (t === TOPIC || t === ALL_TOPICS) listener();
    });
  }

  /** The live (not revoked) key for a bearer secret, or null. Served from the cache. */
  async authenticate(secret: string): Promise<ApiKey | null> {
    const remembered = this.verified.get(secret);
    if (remembered) {
      this.touch(remembered);
      return remembered;
    }
    const generation = this.generation;
    const hash = hashSecret(secret);
    const key = (await this.byHash.get()).get(hash);
    if (!key || key.revokedAt) return null;
    // The map lookup already matched; compare again in constant time for good measure.
    if (!timingSafeEqual(Buffer.from(key.secretHash), Buffer.from(hash))) return null;
    if (generation === this.generation) this.verified.set(secret, key);
    this.touch(key);
    return key;
  }

  private touch(key: ApiKey): void {
    const now = Date.now();
    if (now - (this.touched.get(key.id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.touched.set(key.id, now);
    key.lastUsedAt = new Date(now);
    void this.db
      .getRepository(ApiKey)
      .update({ id: key.id }, { lastUsedAt: key.lastUsedAt })
      .catch((err) => this.logger.warn({ err }, 'could not record lastUsedAt'));
  }

  list(): Promise<ApiKey[]> {
    return this.db.getRepository(ApiKey).find({ order: { createdAt: 'ASC' } });
  }

  async create(input: { name: string; role: ApiRole }, actor: string, secret = newSecret()): Promise<{ apiKey: ApiKey; secret: string }> {
    const name = parseInput(nameSchema, input.name, 'name');
    const apiKey = await this.db.transaction(async (m) => {
      if (await m.findOneBy(ApiKey, { name })) throw new ConflictError(`an API key named "${name}" already exists`);
      const saved = await m.save(m.create(ApiKey, { name, role: input.role, secretHash: hashSecret(secret), lastUsedAt: null, revokedAt: null }));
      await this.audit.record(m, { actor, action: 'create', entityType: 'ApiKey', entityId: saved.id, entityName: name, after: saved });
      return saved;
    });
    await this.bus.publish(TOPIC);
    return { apiKey, secret };
  }

  async revoke(id: string, actor: string): Promise<boolean> {
    parseId(id);
    await this.db.transaction(async (m) => {
      // Locked: concurrent revokes of one key record one revocation.
      const key = await m.findOne(ApiKey, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw new NotFoundError('ApiKey', id);
      if (key.revokedAt) return;
      const before = { ...key };
      key.revokedAt = new Date();
      await m.save(key);
      await this.audit.record(m, { actor, action: 'revoke', entityType: 'ApiKey', entityId: id, entityName: key.name, before, after: key });
    });
    // Refused in this process from now on, whatever the bus's delivery does.
    this.forgetVerified();
    this.byHash.invalidate();
    await this.bus.publish(TOPIC);
    return true;
  }

  /**
   * Start-up bootstrap: with ADMIN_API_KEY, make sure an ADMIN key with exactly that secret exists
   * (idempotent). Without it and with no key at all, create one and return its secret to print once.
   */
  async bootstrap(adminSecret: string | undefined): Promise<{ created: boolean; secret?: string }> {
    const repo = this.db.getRepository(ApiKey);
    if (adminSecret) {
      const existing = await repo.findOneBy({ secretHash: hashSecret(adminSecret) });
      if (existing && !existing.revokedAt && existing.role === ApiRole.ADMIN) return { created: false };
      if (existing) throw new BadUserInputError('ADMIN_API_KEY', 'this secret belongs to a revoked or non-ADMIN key');
      let name = 'bootstrap-admin';
      for (let i = 2; await repo.findOneBy({ name }); i++) name = `bootstrap-admin-${i}`;
      await this.create({ name, role: ApiRole.ADMIN }, 'system', adminSecret);
      return { created: true };
    }
    if ((await repo.count()) > 0) return { created: false };
    const { secret } = await this.create({ name: 'bootstrap-admin', role: ApiRole.ADMIN }, 'system');
    return { created: true, secret };
  }
}
