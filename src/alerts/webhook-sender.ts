import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { AlertDelivery } from './alert-delivery.entity';
import type { AlertEvent } from './alert-event.entity';
import type { Logger } from '../observability/logger';

/** Webhook delivery settings (README "Configuration"). */
export interface WebhookOptions {
  /** Every event is also POSTed here (ALERT_WEBHOOK_URL), besides its rule's own webhook. */
  globalUrl?: string | null;
  /** The global webhook's HMAC key (ALERT_WEBHOOK_SECRET). */
  globalSecret?: string | null;
  /** Attempts per event and URL, the first included (default 5). */
  maxAttempts?: number;
  /** The wait before the 2nd attempt; doubled before each next one (default 1000 ms). */
  backoffMs?: number;
  /** One attempt's time limit (default 5000 ms). */
  timeoutMs?: number;
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`: the X-Signature-256 header of a webhook POST. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The JSON body of a webhook POST. */
export function webhookBody(event: AlertEvent): string {
  const r = event.rule;
  return JSON.stringify({
    id: event.id,
    firedAt: event.firedAt,
    value: event.value,
    baseline: event.baseline,
    message: event.message,
    details: event.details,
    rule: { id: r.id, name: r.name, metric: r.metric, condition: r.condition, window: r.window },
  });
}

/** 5xx, 429 and no answer at all are worth another try; other 4xx are the receiver's final word. */
function retryable(status: number | null): boolean {
  return status === null || status >= 500 || status === 429;
}

/**
 * POSTs alert events to webhooks off the caller's path: each delivery retries with exponential
 * backoff and records every attempt (`alert_deliveries`). `close()` stops waiting retries and
 * waits for attempts in flight, so shutdown does not hang on an unreachable receiver.
 */
export class WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: DataSource,
    private readonly opts: WebhookOptions = {},
    private readonly logger?: Logger,
  ) {}

  /** Starts delivering an event to its rule's webhook and the global one (if any); returns at once. */
  deliver(event: AlertEvent): void {
    const targets: Array<{ url: string; secret: string | null }> = [];
    if (event.rule.webhookUrl) targets.push({ url: event.rule.webhookUrl, secret: event.rule.webhookSecret ?? null });
    if (this.opts.globalUrl) targets.push({ url: this.opts.globalUrl, secret: this.opts.globalSecret ?? null });
    if (!targets.length || this.stopping.signal.aborted) return;
    const body = webhookBody(event);
    for (const t of targets) {
      const p = this.deliverTo(event, t.url, t.secret, body).catch((err: unknown) => this.logger?.warn({ err, url: t.url }, 'webhook delivery failed'));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
  }

  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private async deliverTo(event: AlertEvent, url: string, secret: string | null, body: string): Promise<void> {
    const maxAttempts = this.opts.maxAttempts ?? 5;
    const backoffMs = this.opts.backoffMs ?? 1000;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'genai-cp-alerts', 'x-alert-event-id': event.id };
    if (secret) headers['x-signature-256'] = signBody(body, secret);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const t0 = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs ?? 5000), this.stopping.signal]),
        });
        status = res.status;
        await res.body?.cancel();
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (err) {
        error = (err as Error).message || String(err);
      }
      const ok = error === null;
      await this.db.getRepository(AlertDelivery).insert({
        eventId: event.id,
        ruleId: event.ruleId,
        url,
        attempt,
        ok,
        statusCode: status,
        error,
        durationMs: performance.now() - t0,
        attemptedAt: new Date(),
      });
      if (ok || !retryable(status) || attempt === maxAttempts) return;
      const wait = backoffMs * 2 ** (attempt - 1);
      const stopped = await new Promise<boolean>((resolve) => {
        if (this.stopping.signal.aborted) return resolve(true);
        const timer = setTimeout(() => resolve(false), wait);
        this.stopping.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), { once: true });
      });
      if (stopped) return;
    }
  }
}
