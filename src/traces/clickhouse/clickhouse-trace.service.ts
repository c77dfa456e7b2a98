import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { TraceService } from '../trace.service';
import { writeTraceBatch, type TraceWriterOptions } from '../trace-writer';
import type { Trace } from '../trace.entity';
import type { TracePartitionOptions } from '../trace-partitions';
import type { TraceFilterData } from '../trace-filter.inputs';
import { decodeCursor, encodeCursor, type Page } from '../../graphql/paging';
import { parseInput, idSchema } from '../../graphql/validation';
import type { Logger } from '../../observability/logger';
import { clickHouseFilterConditions, clickHouseSeconds } from './clickhouse-filter';
import { literal, traceFromDoc, type ClickHouseTraceStore } from './clickhouse-trace-store';

const firstSchema = z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500');

/**
 * The trace service with ClickHouse as the trace store (`CLICKHOUSE_URL`). Each batch the writer
 * drains from the durable spool is written to PostgreSQL (the features that join traces in SQL: drift
 * samples, alert metrics, the review queue, eval runs) and then to ClickHouse; a batch either is in
 * both or is retried from the spool (both writes are idempotent), so ClickHouse being down loses
 * nothing. `trace(id)` and `traces(...)` read ClickHouse.
 */
export class ClickHouseTraceService extends TraceService {
  constructor(
    db: DataSource,
    logger: Logger,
    readonly store: ClickHouseTraceStore,
    writerOptions: TraceWriterOptions = {},
    partitionOptions?: TracePartitionOptions,
  ) {
    const pg = writerOptions.writeBatch ?? writeTraceBatch;
    super(
      db,
      logger,
      {
        ...writerOptions,
        writeBatch: async (d, rows) => {
          await pg(d, rows);
          return store.writeBatch(rows);
        },
      },
      partitionOptions,
    );
  }

  override async get(id: string): Promise<Trace | null> {
    parseInput(idSchema, id, 'id');
    return this.store.get(id.toLowerCase());
  }

  /** Newest first, keyset-paged on (created_ms, id) as the PostgreSQL store pages on (created_at, id). */
  override async list(filter: TraceFilterData | null | undefined, first = 50, after?: string | null): Promise<Page<Trace>> {
    const take = parseInput(firstSchema, first, 'first');
    const conditions = clickHouseFilterConditions(filter, 'filter', null);
    if (after) {
      const c = decodeCursor(after, 'after');
      const ms = c.at.getTime();
      conditions.push(`created_at <= ${clickHouseSeconds(ms)}`, `(created_ms < ${ms} OR (created_ms = ${ms} AND id < ${literal(c.id.toLowerCase())}))`);
    }
    // Two steps: the page's keys first (sort key and filter columns only), then the documents of
    // those rows; ClickHouse would otherwise read the large `doc` of every matching row before the LIMIT.
    // ClickHouse 18.16 cannot stop reading at the LIMIT of an ORDER BY on the sort key, so the keys
    // are looked for in a window below the upper bound that grows ×8 (1 h, 8 h, 64 h, ...) until the
    // page is full or the window reaches the filter's `from` (the last step has no lower bound).
    // Without `to` or a cursor the window is anchored now (traces stamped later still match: no upper bound is added).
    const upper = after ? decodeCursor(after, 'after').at.getTime() : (filter?.to?.getTime() ?? Date.now());
    const floor = filter?.from?.getTime() ?? null;
    let keys: Array<{ created_at: string; id: string }> = [];
    for (let hours = 1; ; hours *= 8) {
      const lo = upper - hours * 3_600_000;
      const bounded = (floor === null || lo > floor) && hours <= 8 ** 6;
      const window = bounded ? [`created_at >= ${clickHouseSeconds(lo)}`, `created_ms >= ${lo}`] : [];
      const where = [...conditions, ...window];
      keys = await this.store.query<{ created_at: string; id: string }>(
        `SELECT toUInt32(created_at) AS created_at, created_ms, id FROM traces FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, created_ms DESC, id DESC LIMIT ${take + 1}`,
      );
      if (!bounded || keys.length > take) break;
    }
    const page = keys.slice(0, take);
    const docs = new Map<string, string>();
    if (page.length) {
      const secs = page.map((k) => Number(k.created_at));
      const rows = await this.store.query<{ id: string; doc: string }>(
        `SELECT id, any(doc) AS doc FROM traces WHERE created_at >= toDateTime(${Math.min(...secs)}) AND created_at <= toDateTime(${Math.max(...secs)})
         AND id IN (${page.map((k) => literal(k.id)).join(', ')}) GROUP BY id`,
      );
      for (const r of rows) docs.set(r.id, r.doc);
    }
    const nodes = page.map((k) => traceFromDoc(docs.get(k.id)!));
    return { nodes, hasNextPage: keys.length > take, cursorOf: (t) => encodeCursor(t.createdAt, t.id) };
  }

  override async close(): Promise<void> {
    await super.close();
    await this.store.close();
  }
}
