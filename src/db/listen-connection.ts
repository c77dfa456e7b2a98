import { Client } from 'pg';
import type { Logger } from '../observability/logger';

/** A connection that LISTENs on one channel and comes back by itself after it is lost. */
export interface ListenConnection {
  /** NOTIFY on the channel; false when the connection is down (the caller decides what that means). */
  notify(payload: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface ListenOptions {
  databaseUrl: string;
  channel: string;
  onNotification(payload: string): void;
  /** Called after a lost connection is back: notifications sent meanwhile were missed. */
  onReconnect?(): void;
  logger?: Logger;
  /** For logs: what this connection is for. */
  label: string;
}

/**
 * Opens a LISTEN connection. When it is lost (error or end), it reconnects with backoff (0.5 s
 * doubling to 10 s) until it succeeds or is closed: a database unreachable for a while must not end
 * the relay for good.
 */
export async function openListenConnection(opts: ListenOptions): Promise<ListenConnection> {
  let client: Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new Client({ connectionString: opts.databaseUrl });
    c.on('notification', (msg) => {
      if (msg.channel === opts.channel && msg.payload) opts.onNotification(msg.payload);
    });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      if (closed) return;
      opts.logger?.warn({ err }, `${opts.label}: connection lost; reconnecting`);
      schedule(500);
    };
    c.on('error', onLost);
    c.on('end', () => onLost());
    try {
      await c.connect();
      await c.query(`LISTEN ${opts.channel}`);
    } catch (err) {
      lost = true;
      await c.end().catch(() => undefined);
      throw err;
    }
    client = c;
  };

  const schedule = (delayMs: number) => {
    clearTimeout(retry);
    retry = setTimeout(() => {
      connect().then(
        () => {
          opts.logger?.info(`${opts.label}: reconnected`);
          opts.onReconnect?.();
        },
        () => {
          if (!closed) schedule(Math.min(delayMs * 2, 10_000));
        },
      );
    }, delayMs);
    retry.unref();
  };

  await connect();
  return {
    async notify(payload) {
      if (!client) return false;
      await client.query('SELECT pg_notify($1, $2)', [opts.channel, payload]);
      return true;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
