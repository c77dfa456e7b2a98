import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { createApp, type App } from '../../src/app';
import { createFreshDatabase } from './fresh-database';
import { pgliteSnapshot, seedPGliteDataDir } from './database-snapshot';
import { ClickHouseTraceStore } from '../../src/traces';
import { loadConfig } from '../../src/config/config';
import { createLogger, type Logger } from '../../src/observability/logger';

export const ADMIN_SECRET = 'test-admin-secret-0123456789abcdef';

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string; [k: string]: unknown } }>;
  extensions?: Record<string, unknown>;
}

export interface TestApp {
  app: App;
  url: string;
  wsUrl: string;
  /** Which database this app runs on. */
  database: 'pglite' | 'postgresql';
  /** Where the trace API and analytics read traces: ClickHouse when CLICKHOUSE_URL is set. */
  traceStore: 'database' | 'clickhouse';
  /** POSTs a GraphQL operation over real HTTP with `Authorization: Bearer <key>` (default: the admin key). */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GqlResult<T>>;
  /** `gql` with the admin key that returns `data`, throwing with the errors when there are any (for a test's setup). */
  mustGql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Creates an API key with a role and returns its secret. */
  keyFor(role: 'APP' | 'ADMIN' | 'ANALYST' | 'CI', name?: string): Promise<string>;
  /**
   * A real graphql-ws client authenticated with `key`. By default it connects per operation;
   * `{ keepOpen: true }` connects at once and keeps one socket until `close()` (an "open connection").
   */
  ws(key?: string | null, opts?: { keepOpen?: boolean; connectionParams?: Record<string, unknown> }): WsClient;
  close(): Promise<void>;
}

/**
 * Starts the real server on a random port. With DATABASE_URL set, each test app gets a fresh
 * PostgreSQL database on that server (dropped on close); otherwise a throwaway in-memory PGlite.
 * Either starts from the run's migrated snapshot (database-snapshot.ts), as does an empty DATA_DIR.
 */
export async function startTestApp(env: Record<string, string> = {}, opts: { logger?: Logger } = {}): Promise<TestApp> {
  const serverUrl = process.env.DATABASE_URL;
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (serverUrl) {
    const fresh = await createFreshDatabase(serverUrl);
    databaseUrl = fresh.url;
    dropDatabase = fresh.drop;
  }
  // With CLICKHOUSE_URL set, each test app gets its own ClickHouse database too (dropped on close).
  // A test that passes its own CLICKHOUSE_URL owns that database.
  const ownClickhouse = !env.CLICKHOUSE_URL && process.env.CLICKHOUSE_URL ? `${process.env.CLICKHOUSE_URL.replace(/\/+$/, '')}/t_${randomUUID().replace(/-/g, '')}` : undefined;
  const clickhouseUrl = env.CLICKHOUSE_URL ?? ownClickhouse;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: 'memory://',
    ADMIN_API_KEY: ADMIN_SECRET,
    MODEL_PROVIDER: 'emulator',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(clickhouseUrl ? { CLICKHOUSE_URL: clickhouseUrl } : {}),
    ...env,
  });
  let snapshot: Blob | undefined;
  if (!config.databaseUrl && config.dataDir.startsWith('memory://')) snapshot = await pgliteSnapshot();
  else if (!config.databaseUrl) seedPGliteDataDir(config.dataDir);
  const app = await createApp(config, opts.logger ?? createLogger(config.logLevel), { pgliteSnapshot: snapshot });
  const port = await app.start();
  const url = `http://127.0.0.1:${port}/graphql`;
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  const wsClients: WsClient[] = [];
  let counter = 0;

  const gql: TestApp['gql'] = async (query, variables, key = ADMIN_SECRET) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult<any>;
  };

  return {
    app,
    url,
    wsUrl,
    database: databaseUrl ? 'postgresql' : 'pglite',
    traceStore: clickhouseUrl ? 'clickhouse' : 'database',
    gql,
    async mustGql(query, variables) {
      const r = await gql<any>(query, variables);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data!;
    },
    async keyFor(role, name) {
      const r = await gql<{ createApiKey: { secret: string } }>('mutation($n: String!, $r: ApiRole!) { createApiKey(name: $n, role: $r) { secret } }', {
        n: name ?? `${role.toLowerCase()}-key-${++counter}`,
        r: role,
      });
      if (!r.data) throw new Error(JSON.stringify(r.errors));
      return r.data.createApiKey.secret;
    },
    ws(key = ADMIN_SECRET, opts = {}) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...opts.connectionParams },
        retryAttempts: 0,
        // No lazy-close timer: one left behind after dispose() keeps jest alive for its duration.
        lazy: !opts.keepOpen,
      });
      wsClients.push(client);
      return client;
    },
    async close() {
      await Promise.all(wsClients.map((c) => c.dispose()));
      await app.stop();
      await dropDatabase?.();
      if (ownClickhouse) await dropClickHouseDatabase(ownClickhouse);
    },
  };
}

/** Runs one operation over graphql-ws and collects every result until it completes. */
export function wsCollect<T = Record<string, any>>(client: WsClient, query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): Promise<GqlResult<T>[]> {
  return new Promise((resolve, reject) => {
    const results: GqlResult<T>[] = [];
    client.subscribe<T>(
      { query, variables, ...(extensions ? { extensions } : {}) },
      {
        next: (r) => results.push(r as GqlResult<T>),
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => resolve(results),
      },
    );
  });
}

async function dropClickHouseDatabase(url: string): Promise<void> {
  const store = new ClickHouseTraceStore({ url });
  try {
    await store.dropDatabase();
  } finally {
    await store.close();
  }
}
