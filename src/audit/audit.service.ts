import type { DataSource, EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';
import { BadUserInputError } from '../graphql/errors';
import { decodeCursor, encodeCursor, type Page } from '../graphql/paging';

export interface AuditRecord {
  actor: string;
  action: string;
  entityType: string;
  entityId?: string | null;
  entityName?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Plain JSON copy of an entity for the audit trail (dates as ISO strings, secrets never included). */
export function snapshot(entity: object | null | undefined): unknown {
  if (!entity) return null;
  return JSON.parse(JSON.stringify(entity, (k, v) => (k === 'secretHash' ? undefined : typeof v === 'bigint' ? v.toString() : v)));
}

export class AuditService {
  constructor(private readonly db: DataSource) {}

  /** Records a change inside the caller's transaction, so the change and its record commit together. */
  async record(manager: EntityManager, rec: AuditRecord): Promise<void> {
    await manager.insert(AuditEntry, {
      actor: rec.actor,
      action: rec.action,
      entityType: rec.entityType,
      entityId: rec.entityId ?? null,
      entityName: rec.entityName ?? null,
      before: snapshot(rec.before as object) as object,
      after: snapshot(rec.after as object) as object,
    });
  }

  /** Newest first; the cursor is the (at, id) of the last entry seen. */
  async list(first = 50, after?: string): Promise<Page<AuditEntry>> {
    if (!Number.isInteger(first) || first < 0) throw new BadUserInputError('first', 'must be a non-negative number');
    const take = Math.min(first, 500);
    // Cursors carry milliseconds while `at` has microseconds: order and compare at the cursor's
    // precision, so entries written within one millisecond are neither skipped nor repeated.
    const atMs = "date_trunc('milliseconds', a.at)";
    const qb = this.db
      .getRepository(AuditEntry)
      .createQueryBuilder('a')
      .orderBy(atMs, 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(take + 1);
    if (after) {
      const c = decodeCursor(after, 'after');
      qb.where(`(${atMs}, a.id) < (:at, :id)`, { at: c.at, id: c.id });
    }
    const rows = await qb.getMany();
    return { nodes: rows.slice(0, take), hasNextPage: rows.length > take, cursorOf: (e) => encodeCursor(e.at, e.id) };
  }
}
