import { randomUUID } from 'node:crypto';
import { openListenConnection } from '../db/listen-connection';
import { EventEmitter } from 'node:events';
import type { PubSub } from 'type-graphql';
import type { Logger } from '../observability/logger';

/**
 * The PubSub behind `@Subscription({ topics })` (type-graphql 2's interface), plus `close()`.
 * `publish(topic, payload)` or `publish(topic, id, payload)` reaches `subscribe(topic)` or
 * `subscribe(topic, id)` respectively.
 */
export interface AppPubSub extends PubSub {
  publish(routingKey: string, ...args: unknown[]): void;
  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown>;
  /** Ends every open subscription and, on PostgreSQL, the LISTEN connection. */
  close(): Promise<void>;
}

export interface PubSubOptions {
  /**
   * PostgreSQL connection string. When set, payloads of `relayTopics` are also sent with NOTIFY and
   * delivered to subscribers in every other process listening on the same database.
   */
  databaseUrl?: string;
  /** Topics relayed across processes (default none). Payloads must be JSON and under ~7.9 kB (NOTIFY's limit). */
  relayTopics?: readonly string[];
  /** NOTIFY channel (default `graphql_pubsub`). */
  channel?: string;
  logger?: Logger;
  /** Events buffered per subscriber that has not read yet; older ones are dropped beyond this (default 1000). */
  maxBuffered?: number;
}

const DEFAULT_CHANNEL = 'graphql_pubsub';
const NOTIFY_MAX_BYTES = 7900;

function keyOf(routingKey: string, dynamicId?: unknown): string {
  return dynamicId === undefined || dynamicId === null ? routingKey : `${routingKey}:${String(dynamicId)}`;
}

/** An in-process PubSub over an EventEmitter (PGlite, tests, and the schema emitter). */
export function createLocalPubSub(opts: Pick<PubSubOptions, 'maxBuffered'> = {}): AppPubSub & { deliver(key: string, payload: unknown): void } {
  const emitter = new EventEmitter().setMaxListeners(0);
  const maxBuffered = opts.maxBuffered ?? 1000;
  const closers = new Set<() => void>();

  const subscribe = (routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> => ({
    [Symbol.asyncIterator](): AsyncIterator<unknown> {
      const key = keyOf(routingKey, dynamicId);
      const queue: unknown[] = [];
      let waiting: ((r: IteratorResult<unknown>) => void) | undefined;
      let done = false;
      const listener = (payload: unknown) => {
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          w({ value: payload, done: false });
        } else {
          queue.push(payload);
          if (queue.length > maxBuffered) queue.shift();
        }
      };
      const finish = () => {
        if (done) return;
        done = true;
        emitter.off(key, listener);
        closers.delete(finish);
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
      };
      // Listen at once (not on first next()) so nothing published after subscribe() is missed.
      emitter.on(key, listener);
      closers.add(finish);
      return {
        next: () => {
          if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => (waiting = resolve));
        },
        return: () => {
          finish();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  });

  const deliver = (key: string, payload: unknown) => {
    emitter.emit(key, payload);
  };

  return {
    publish(routingKey, ...args) {
      if (args.length >= 2) deliver(keyOf(routingKey, args[0]), args[1]);
      else deliver(routingKey, args[0]);
    },
    subscribe,
    deliver,
    async close() {
      for (const finish of [...closers]) finish();
      emitter.removeAllListeners();
    },
  };
}

/**
 * The app's PubSub: local delivery always; with `databaseUrl`, the topics in `relayTopics` are also
 * relayed over LISTEN/NOTIFY on a dedicated connection (reconnecting if it drops), so a subscriber
 * on one server process sees what another published. A process skips its own notifications: it
 * has already delivered them locally.
 */
export async function createPubSub(opts: PubSubOptions = {}): Promise<AppPubSub> {
  const local = createLocalPubSub(opts);
  const relayTopics = new Set(opts.relayTopics ?? []);
  if (!opts.databaseUrl || relayTopics.size === 0) return local;

  const channel = opts.channel ?? DEFAULT_CHANNEL;
  const origin = randomUUID();
  const databaseUrl = opts.databaseUrl;
  const listen = await openListenConnection({
    databaseUrl,
    channel,
    label: 'pubsub',
    logger: opts.logger,
    onNotification(payload) {
      try {
        const m = JSON.parse(payload) as { o: string; k: string; p: unknown };
        if (m.o !== origin) local.deliver(m.k, m.p);
      } catch (err) {
        opts.logger?.warn({ err }, 'pubsub: unreadable notification');
      }
    },
  });

  const relay = (key: string, payload: unknown) => {
    const text = JSON.stringify({ o: origin, k: key, p: payload });
    if (Buffer.byteLength(text) > NOTIFY_MAX_BYTES) {
      opts.logger?.warn({ key, bytes: Buffer.byteLength(text) }, 'pubsub: payload too large to relay; delivered locally only');
      return;
    }
    void listen.notify(text).then(
      (sent) => sent || opts.logger?.warn({ key }, 'pubsub: not relayed while the database connection is down'),
      (err) => opts.logger?.warn({ err }, 'pubsub: relay failed'),
    );
  };

  return {
    publish(routingKey, ...args) {
      local.publish(routingKey, ...args);
      if (!relayTopics.has(routingKey)) return;
      if (args.length >= 2) relay(keyOf(routingKey, args[0]), args[1]);
      else relay(routingKey, args[0]);
    },
    subscribe: local.subscribe,
    async close() {
      await local.close();
      await listen.close();
    },
  };
}
