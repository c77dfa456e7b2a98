import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import type { Logger } from '../observability/logger';

/**
 * Tells every cache that a kind of config changed. In one process it is an event emitter; on
 * PostgreSQL it also sends and listens on a NOTIFY channel so that other instances drop their
 * caches too. Publish only after the change committed.
 */
export interface ChangeBus {
  publish(topic: string): Promise<void>;
  subscribe(listener: (topic: string) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'config_changed';

export function createLocalChangeBus(): ChangeBus {
  const emitter = new EventEmitter().setMaxListeners(0);
  return {
    async publish(topic) {
      emitter.emit('change', topic);
    },
    subscribe(listener) {
      emitter.on('change', listener);
      return () => emitter.off('change', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** A bus over LISTEN/NOTIFY on its own connection, reconnecting if that connection drops. */
export async function createPostgresChangeBus(databaseUrl: string, logger: Logger): Promise<ChangeBus> {
  const local = createLocalChangeBus();
  let client: Client | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    const c = new Client({ connectionString: databaseUrl });
    c.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) void local.publish(msg.payload);
    });
    c.on('error', (err) => {
      logger.warn({ err }, 'change bus connection lost; reconnecting');
      client = undefined;
      if (!closed) setTimeout(() => void connect().catch(() => undefined), 500).unref();
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    client = c;
  };
  await connect();
  return {
    async publish(topic) {
      await local.publish(topic);
      if (client) await client.query('SELECT pg_notify($1, $2)', [CHANNEL, topic]);
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      await local.close();
      await client?.end().catch(() => undefined);
    },
  };
}

/**
 * An in-process cache of one kind of config, loaded on first use and dropped when its topic is
 * published, so the hot path never reads config from the database.
 */
export class CachedConfig<T> {
  private value: Promise<T> | undefined;
  private generation = 0;

  constructor(
    readonly topic: string,
    private readonly load: () => Promise<T>,
    bus: ChangeBus,
  ) {
    bus.subscribe((t) => {
      if (t === topic) this.invalidate();
    });
  }

  get(): Promise<T> {
    if (this.value) return this.value;
    const gen = this.generation;
    const p = this.load().catch((err) => {
      if (this.value === p) this.value = undefined;
      throw err;
    });
    // A change published while loading must not leave the stale result cached.
    if (gen === this.generation) this.value = p;
    return p;
  }

  invalidate(): void {
    this.generation++;
    this.value = undefined;
  }
}
