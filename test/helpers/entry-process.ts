import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataSource } from '../../src/data-source';
import { createFreshDatabase } from './fresh-database';
import { seedPGliteDataDir } from './database-snapshot';
import { ADMIN_SECRET } from './test-app';

/**
 * Where an entry-point process keeps its data: a fresh PostgreSQL database when DATABASE_URL is set
 * (named after `name`), else a PGlite data folder of its own; either starts migrated (database-snapshot.ts). `drop` removes it.
 */
export interface EntryStore {
  databaseUrl?: string;
  dataDir?: string;
  drop(): Promise<void>;
}

export async function createEntryStore(name: string): Promise<EntryStore> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const fresh = await createFreshDatabase(server, name);
    return { databaseUrl: fresh.url, drop: fresh.drop };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name.replace(/_/g, '-')}-`));
  seedPGliteDataDir(dataDir);
  return { dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

/** Runs `fn` on a DataSource of the store (after the process stopped, to read what it wrote). */
export async function withStoreDataSource<T>(store: EntryStore, fn: (query: (sql: string, params?: unknown[]) => Promise<any>) => Promise<T>): Promise<T> {
  const ds = createDataSource({ databaseUrl: store.databaseUrl, dataDir: store.dataDir ?? 'memory://' });
  await ds.initialize();
  try {
    return await fn((sql, params) => ds.query(sql, params));
  } finally {
    await ds.destroy();
  }
}

export interface EntryProcess {
  child: ChildProcess;
  port: number;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Everything the process printed so far (stdout and stderr). */
  out(): string;
  /** POSTs a GraphQL operation with the admin key. */
  gql(query: string): Promise<{ data?: any; errors?: unknown[] }>;
}

/**
 * `npm start`'s entry point (src/index.ts) in its own process, on `store`, with the emulator and the
 * admin key; resolves once it logs "GraphQL ready" (rejects with its output if it exits first).
 * NODE_ENV is production as under `npm start` (jest's NODE_ENV=test changes Apollo's signal handling).
 */
export async function startEntryProcess(store: EntryStore, env: Record<string, string> = {}): Promise<EntryProcess> {
  const child = fork(path.join(__dirname, '../../src/index.ts'), [], {
    execArgv: ['-r', require.resolve('./swc-register.js')],
    silent: true,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: ADMIN_SECRET,
      MODEL_PROVIDER: 'emulator',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      ...env,
      // Empty means unset: without a URL the child runs on PGlite in the data folder.
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : { DATA_DIR: store.dataDir!, DATABASE_URL: '' }),
    },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"port":(\d+)[^\n]*GraphQL ready/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`exited ${code} before it was ready:\n${out}`));
    });
  });
  const gql = async (query: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_SECRET}` },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: any; errors?: unknown[] };
  };
  return { child, port, exited, out: () => out, gql };
}
