import { EventEmitter } from 'node:events';
import { openListenConnection } from './listen-connection';
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

/** Published locally when change notifications may have been missed: every cache drops its value. */
export const ALL_TOPICS = '*';

/**
 * A bus over LISTEN/NOTIFY on its own connection, reconnecting (with backoff) when that connection
 * drops. Changes made by other instances while it was down were missed, so after a reconnect every
 * cache is dropped.
 */
export async function createPostgresChangeBus(databaseUrl: string, logger: Logger): Promise<ChangeBus> {
  const local = createLocalChangeBus();
  const listen = await openListenConnection({
    databaseUrl,
    channel: CHANNEL,
    label: 'change bus',
    logger,
    onNotification: (topic) => void local.publish(topic),
    onReconnect: () => void local.publish(ALL_TOPICS),
  });
  return {
    async publish(topic) {
      await local.publish(topic);
      await listen.notify(topic);
    },
    subscribe: local.subscribe,
    async close() {
      await local.close();
      await listen.close();
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
      if (t === topic || t === ALL_TOPICS) this.invalidate();
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
