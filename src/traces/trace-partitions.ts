import type { DataSource } from 'typeorm';
import type { Logger } from '../observability/logger';

/** Knobs of the weekly trace partitions (README "Traces"). */
export interface TracePartitionOptions {
  /** `TRACE_RETENTION_DAYS`: weeks wholly older than this many days are dropped. Unset: kept forever. */
  retentionDays?: number | null;
  /** Weeks created ahead of the current one. Default 4. */
  weeksAhead?: number;
  /** How often the maintenance runs while the service is up. Default 1 hour. */
  intervalMs?: number;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Monday 00:00 UTC (the Unix epoch was a Thursday). */
const MONDAY_OFFSET_MS = 4 * DAY_MS;
/** The start (ms) of the UTC week (Monday 00:00) holding `t`: the partition a trace created at `t` lands in. */
export const weekStart = (t: number) => Math.floor((t - MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS + MONDAY_OFFSET_MS;

/**
 * Per database: the weeks (start, ms) whose partitions this process has seen exist (a committed
 * `trace_partitions_ensure` of a batch), so the trace writer can leave that statement out (one of
 * five round trips of a batch; at concurrency 1 nearly every batch is one or two traces). Only weeks
 * that have not ended count: the retention drops a week only once it has ended (`retentionDays` is
 * never negative), so no process can drop a partition while it stays trusted here. A maintenance
 * pass of this process that drops anything forgets them all (a test may pass a `now` ahead of time).
 */
const knownWeeks = new WeakMap<DataSource, Set<number>>();

/** True when every week of `weeks` (starts, ms) is known to have its partition and has not ended at `now`. */
export function partitionsKnown(db: DataSource, weeks: readonly number[], now = Date.now()): boolean {
  const known = knownWeeks.get(db);
  if (!known) return false;
  for (const w of weeks) if (!known.has(w) || w + WEEK_MS <= now) return false;
  return true;
}

/** Notes that the partitions of `weeks` exist (call once the transaction that ensured them has committed). */
export function notePartitionsExist(db: DataSource, weeks: readonly number[], now = Date.now()): void {
  let known = knownWeeks.get(db);
  if (!known) knownWeeks.set(db, (known = new Set()));
  // Ended weeks are never trusted; a long-running process sheds them here rather than keep them all.
  if (known.size > 64) for (const w of known) if (w + WEEK_MS <= now) known.delete(w);
  for (const w of weeks) if (w + WEEK_MS > now) known.add(w);
}

/** Forgets every week known for `db` (the next batch ensures its partitions again). */
export function forgetKnownPartitions(db: DataSource): void {
  knownWeeks.delete(db);
}

/**
 * The tables whose buckets follow the traces out when their weeks are dropped (the rollups must keep
 * equalling the raw rows; a stored percentile must not outlive its row, or a bucket refilled later to
 * the same count would be answered with it).
 */
const ROLLUP_TABLES = ['trace_rollups', 'trace_guardrail_rollups', 'trace_latency_rollups', 'trace_latency_percentiles'].flatMap((t) => [`${t}_hourly`, `${t}_daily`]);

/** What one maintenance pass did. */
export interface PartitionMaintenance {
  /** Partitions created (this week and the weeks ahead). */
  created: number;
  /** Partitions dropped by the retention, by name (`traces_wYYYYMMDD`). */
  dropped: string[];
}

/**
 * One maintenance pass, in one transaction: creates the partitions of this week and `weeksAhead`
 * weeks ahead, and with a retention drops every partition whose week ended `retentionDays` or more
 * before `now` (a whole table: no DELETE, no vacuum debt), with the rollup buckets before the end of
 * the last dropped week, so the rollups keep equalling a GROUP BY over the rows that are left.
 */
export async function maintainTracePartitions(db: DataSource, options: TracePartitionOptions = {}, now = new Date()): Promise<PartitionMaintenance> {
  const ahead = Array.from({ length: (options.weeksAhead ?? 4) + 1 }, (_, i) => new Date(weekStart(now.getTime()) + i * WEEK_MS).toISOString());
  const done = await db.transaction(async (m) => {
    const [row] = await m.query('SELECT trace_partitions_ensure($1::timestamptz[]) AS n', [ahead]);
    const dropped: string[] = [];
    if (options.retentionDays != null) {
      const cutoff = now.getTime() - options.retentionDays * DAY_MS;
      const parts: Array<{ name: string }> = await m.query(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'traces'::regclass AND c.relkind = 'r' ORDER BY 1`,
      );
      let bound = 0;
      for (const { name } of parts) {
        const match = /^traces_w(\d{4})(\d{2})(\d{2})$/.exec(name);
        if (!match) continue;
        const end = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) + WEEK_MS;
        if (end > cutoff) continue;
        await m.query(`DROP TABLE "${name}"`);
        dropped.push(name);
        bound = Math.max(bound, end);
      }
      if (bound) {
        await m.query(`DELETE FROM traces_default WHERE created_at < $1`, [new Date(bound).toISOString()]);
        for (const table of ROLLUP_TABLES) await m.query(`DELETE FROM ${table} WHERE bucket < $1`, [new Date(bound).toISOString()]);
      }
    }
    return { created: Number(row?.n ?? 0), dropped };
  });
  if (done.dropped.length) forgetKnownPartitions(db);
  return done;
}

/** Runs `maintainTracePartitions` at start and then every `intervalMs`, logging what it did. */
export class TracePartitionMaintainer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly options: TracePartitionOptions = {},
  ) {}

  /** Runs a pass now and schedules the next ones. */
  async start(): Promise<void> {
    await this.runOnce();
    this.timer ??= setInterval(() => void this.runOnce(), this.options.intervalMs ?? 3_600_000).unref();
  }

  /** One pass; a failure is logged (the next pass retries), never thrown. */
  async runOnce(): Promise<PartitionMaintenance | null> {
    const pass = maintainTracePartitions(this.db, this.options).then(
      (r) => {
        if (r.created || r.dropped.length) this.logger.info({ created: r.created, dropped: r.dropped }, 'trace partitions maintained');
        return r;
      },
      (err: unknown) => {
        this.logger.error({ err }, 'trace partition maintenance failed');
        return null;
      },
    );
    this.running = pass;
    return pass;
  }

  /** Stops the schedule and waits for a pass in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
