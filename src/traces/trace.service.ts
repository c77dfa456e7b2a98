import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { Trace } from './trace.entity';
import { traceFilterConditions, type TraceFilterData } from './trace-filter.inputs';
import { TraceWriter, type TraceWriterOptions } from './trace-writer';
import { TracePartitionMaintainer, type TracePartitionOptions } from './trace-partitions';
import type { TraceRecord } from './trace-record';
import { decodeCursor, encodeCursor, type Page } from '../graphql/paging';
import { parseInput, idSchema } from '../graphql/validation';
import type { Logger } from '../observability/logger';

const firstSchema = z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500');

/** Stores traces (through the batching writer) and reads them back for the API. */
export class TraceService {
  /** The pipeline calls `writer.enqueue(record)`; app.stop() calls `close()` before the database closes. */
  readonly writer: TraceWriter;
  /** Creates the weekly partitions ahead and applies `TRACE_RETENTION_DAYS`; `app.start()` starts it. */
  readonly partitions: TracePartitionMaintainer;

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    writerOptions?: TraceWriterOptions,
    partitionOptions?: TracePartitionOptions,
  ) {
    this.writer = new TraceWriter(db, logger, writerOptions);
    this.partitions = new TracePartitionMaintainer(db, logger, partitionOptions);
  }

  private readonly observers: Array<(record: TraceRecord) => void> = [];

  /**
   * Stores a finished generation's trace (queued for the batch writer) and hands it to the
   * observers (metrics, OpenTelemetry export) on a later turn, off the client's path.
   */
  record(record: TraceRecord): void {
    this.writer.enqueue(record);
    if (!this.observers.length) return;
    setImmediate(() => {
      for (const observe of this.observers) {
        try {
          observe(record);
        } catch (err) {
          this.logger.error({ err, traceId: record.id }, 'trace observer failed');
        }
      }
    });
  }

  /** Calls `observer` with every trace recorded from now on (after it is queued for writing). */
  onRecorded(observer: (record: TraceRecord) => void): void {
    this.observers.push(observer);
  }

  /** Writes everything queued so far; then refuses further records. Stops the partition maintenance. */
  async close(): Promise<void> {
    await this.partitions.stop();
    return this.writer.close();
  }

  /** A trace by id, or null when unknown. A malformed id is BAD_USER_INPUT (`id`). */
  async get(id: string): Promise<Trace | null> {
    parseInput(idSchema, id, 'id');
    return this.db.getRepository(Trace).findOneBy({ id });
  }

  /** Newest first; the cursor is the (createdAt, id) of the last trace seen. */
  async list(filter: TraceFilterData | null | undefined, first = 50, after?: string | null): Promise<Page<Trace>> {
    const take = parseInput(firstSchema, first, 'first');
    const params: Record<string, unknown> = {};
    const param = (v: unknown) => {
      const name = `f${Object.keys(params).length}`;
      params[name] = v;
      return `:${name}`;
    };
    const conditions = traceFilterConditions(filter, 't', param, 'filter', null);
    if (after) {
      const c = decodeCursor(after, 'after');
      conditions.push(`(t.created_at, t.id) < (${param(c.at)}, ${param(c.id)})`);
    }
    const qb = this.db
      .getRepository(Trace)
      .createQueryBuilder('t')
      .orderBy('t.createdAt', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(take + 1);
    if (conditions.length) qb.where(conditions.join(' AND '), params);
    const rows = await qb.getMany();
    return { nodes: rows.slice(0, take), hasNextPage: rows.length > take, cursorOf: (t) => encodeCursor(t.createdAt, t.id) };
  }
}
