import { randomBytes } from 'node:crypto';
import { migratedTemplateFor, onServer } from './database-snapshot';

/** A database of its own on a PostgreSQL server, for one test app or suite. */
export interface FreshDatabase {
  /** Connection string of the new database. */
  url: string;
  /** Drops it (connections still open are ended). */
  drop(): Promise<void>;
}

/**
 * Creates a database named `<prefix>_<random>` on the server `serverUrl` points at: a copy of the
 * run's migrated template database when there is one on that server (database-snapshot.ts), else
 * empty (the app migrates it at start). `{ empty: true }` always starts empty.
 */
export async function createFreshDatabase(serverUrl: string, prefix = 'gcp_test', opts: { empty?: boolean } = {}): Promise<FreshDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = opts.empty ? undefined : migratedTemplateFor(serverUrl);
  await onServer(serverUrl, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
