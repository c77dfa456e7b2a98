import { Client } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source';

/**
 * Runs `fn` on a migrated database of its own (`<name>`, made anew on the server `serverUrl`
 * points at) and drops it afterwards, whatever `fn` does.
 */
export async function withBenchDatabase(serverUrl: string, name: string, poolSize: number, fn: (ds: DataSource) => Promise<void>): Promise<void> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const ds = createDataSource({ databaseUrl: u.toString(), dataDir: 'memory://', poolSize, logger: pino({ level: 'error' }) });
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await fn(ds);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}
