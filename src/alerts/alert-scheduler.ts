import type { DataSource } from 'typeorm';
import { In } from 'typeorm';
import { judge, judgeDrift, type DriftReading, type Verdict } from './alert-condition';
import { baselineMs, measure, TickMemo, type MetricSource, type TraceMetricReader } from './alert-metrics.queries';
import { AlertRule } from './alert-rule.entity';
import { SCHEDULED_METRICS, windowMs, type DriftCondition, type MetricCondition, type ScheduledMetric } from './alert-rule.schemas';
import type { AlertService } from './alert.service';
import type { AlertEvent } from './alert-event.entity';
import type { Logger } from '../observability/logger';

/** What one tick did. */
export interface TickReport {
  /** Rules this process claimed and measured. */
  evaluated: number;
  fired: AlertEvent[];
  cleared: string[];
  /** Rules whose window had too few samples (state kept). */
  unknown: number;
}

export interface AlertSchedulerOptions {
  /** ALERT_EVAL_INTERVAL_SECONDS in ms. */
  intervalMs: number;
  logger?: Logger;
  now?: () => Date;
  /** Where cost, p95_latency, error_rate and guardrail_trigger_rate come from: `rollups` (default) or `raw` traces. */
  source?: MetricSource;
  /** The trace store those metrics read (the app passes the ClickHouse reader with CLICKHOUSE_URL); PostgreSQL when unset. */
  traceMetrics?: TraceMetricReader;
  /** Drift of production traffic (of one prompt) in `window` against `baseline`; `drift` rules stay unevaluated without it. */
  drift?: DriftMeasurer;
}

/** The drift report a `drift` rule is judged on (the drift service's `drift`, wired by the app). */
export type DriftMeasurer = (prompt: string | null, window: { from: Date; to: Date }, baseline: { from: Date; to: Date }) => Promise<DriftReading>;

/**
 * Evaluates every enabled rule of a scheduled metric each interval. Exactly-once across processes
 * (PostgreSQL with several instances) rests on two compare-and-set updates of the rule's row, not
 * on a lock held while measuring: a process first claims the rule for this interval
 * (`evaluated_at` older than half an interval), and a firing is recorded only by the process whose
 * `UPDATE ... SET firing = true WHERE firing = false` returned the row, in the same transaction as
 * the event. So a rule fires once when its condition starts to hold, and again only after a tick
 * found it clear.
 */
export class AlertScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly alerts: AlertService,
    private readonly opts: AlertSchedulerOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return; // a slow tick is never overlapped by the next
      this.running = this.tick()
        .catch((err: unknown) => this.opts.logger?.warn({ err }, 'alert tick failed'))
        .finally(() => (this.running = null));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One evaluation of every enabled scheduled rule at `now`. */
  async tick(now: Date = this.opts.now?.() ?? new Date()): Promise<TickReport> {
    const report: TickReport = { evaluated: 0, fired: [], cleared: [], unknown: 0 };
    const rules = await this.db.getRepository(AlertRule).find({ where: { enabled: true, metric: In([...SCHEDULED_METRICS]) }, order: { name: 'ASC' } });
    const claimGapMs = Math.floor(this.opts.intervalMs / 2);
    const memo = new TickMemo();
    for (const rule of rules) {
      const claimed: unknown[] = await this.db.query(`UPDATE alert_rules SET evaluated_at = $2 WHERE id = $1 AND enabled AND (evaluated_at IS NULL OR evaluated_at <= $3) RETURNING id`, [
        rule.id,
        now.toISOString(),
        new Date(now.getTime() - claimGapMs).toISOString(),
      ]);
      if (!rowCount(claimed)) continue;
      report.evaluated++;
      let verdict: Verdict;
      try {
        const metric = rule.metric as ScheduledMetric;
        if (metric === 'drift') {
          verdict = await this.judgeDrift(rule, now);
        } else {
          const cond = rule.condition as MetricCondition;
          const scope = [cond.prompt ? ` of prompt "${cond.prompt}"` : '', cond.evalSet ? ` on eval set "${cond.evalSet}"` : ''].join('');
          verdict = judge(metric, cond, rule.window, scope, await measure(this.db, metric, cond, rule.window, now, this.opts.source, memo, this.opts.traceMetrics));
        }
      } catch (err) {
        this.opts.logger?.warn({ err, rule: rule.name }, 'could not evaluate alert rule');
        continue;
      }
      if (verdict.state === 'unknown') {
        report.unknown++;
        continue;
      }
      if (verdict.state === 'ok') {
        const cleared: unknown[] = await this.db.query(`UPDATE alert_rules SET firing = false WHERE id = $1 AND firing RETURNING id`, [rule.id]);
        if (rowCount(cleared)) {
          report.cleared.push(rule.name);
          this.opts.logger?.info({ rule: rule.name, value: verdict.value }, 'alert cleared');
        }
        continue;
      }
      const firing = verdict;
      const event = await this.db.transaction(async (m) => {
        const won: unknown[] = await m.query(`UPDATE alert_rules SET firing = true WHERE id = $1 AND NOT firing AND enabled RETURNING id`, [rule.id]);
        if (!rowCount(won)) return null;
        return this.alerts.record(m, { rule, value: firing.value, baseline: firing.baseline, message: firing.message, details: firing.details, firedAt: now });
      });
      if (event) {
        report.fired.push(event);
        this.alerts.publish(event);
      }
    }
    return report;
  }

  /** A drift rule: the drift report of its window [now - window, now) against [now - window - baseline, now - window). */
  private async judgeDrift(rule: AlertRule, now: Date): Promise<Verdict> {
    if (!this.opts.drift) return { state: 'unknown', reason: 'no drift service' };
    const c = rule.condition as DriftCondition;
    const w = windowMs(rule.window);
    const bMs = baselineMs(c, rule.window);
    const from = new Date(now.getTime() - w);
    const reading = await this.opts.drift(c.prompt ?? null, { from, to: now }, { from: new Date(from.getTime() - bMs), to: from });
    const scope = c.prompt ? ` of prompt "${c.prompt}"` : '';
    return judgeDrift(c, rule.window, c.baselineWindow ?? `${formatSpan(bMs)}`, scope, reading);
  }
}

/** "2h", "1d", "90m": a span in the largest whole unit. */
function formatSpan(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round(ms / 60_000)}m`;
}

/** Rows an `UPDATE ... RETURNING` gave back (the pg driver answers [rows, count], PGlite rows). */
function rowCount(result: unknown[]): number {
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[1];
  return result.length;
}
