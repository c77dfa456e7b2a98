import path from 'node:path';
import fs from 'node:fs';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { createPGliteDriver } from './pglite-pool';
import { TypeOrmLogger } from './typeorm-logger';
import type { Logger } from '../observability/logger';

/** Entity classes, as TypeORM takes them. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the type TypeORM accepts
export type EntityList = Function[];

export interface DatabaseOptions {
  /** PostgreSQL connection string; unset means embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data folder, or `memory://` for a throwaway database. */
  dataDir: string;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
  /** TypeORM's errors, slow queries and migrations go here; without one, TypeORM prints to the console. */
  logger?: Logger;
  /**
   * PGlite only: start the database from this archive of a data folder (PGlite's `dumpDataDir`)
   * instead of creating an empty one. The tests start each app from one migrated archive made once
   * per run, which skips PGlite's initdb and the migrations (about 6.5 s of CPU per app, 1.2–2 s from the archive).
   */
  pgliteSnapshot?: Blob;
}

/** Migrations live in `migrations/` at the project root (compiled to `dist/migrations` by the build). */
const migrationsGlob = path.join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/**
 * The one data source definition over the entities it is given (`src/data-source.ts` passes every
 * feature's), shared by the app, the tests and the TypeORM CLI (`ormconfig.ts`).
 * `synchronize` is off: the schema only changes through reviewed migrations, which run at start-up.
 */
export function buildDataSource(opts: DatabaseOptions, entities: EntityList): DataSource {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations: [migrationsGlob],
    migrationsTableName: 'migrations',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+ and PGlite; neither needs an extension.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
    logging: ['error', 'warn', 'migration'] as Array<'error' | 'warn' | 'migration'>,
    maxQueryExecutionTime: 5000,
    ...(opts.logger ? { logger: new TypeOrmLogger(opts.logger) } : {}),
  };
  if (opts.databaseUrl) {
    return new DataSource({ ...common, url: opts.databaseUrl, poolSize: opts.poolSize ?? 10 } as unknown as DataSourceOptions);
  }
  const dataDir = opts.dataDir;
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const driver = createPGliteDriver({ dataDir, ...(opts.pgliteSnapshot ? { loadDataDir: opts.pgliteSnapshot } : {}) });
  return new DataSource({ ...common, driver } as unknown as DataSourceOptions);
}

/** True when the data source talks to a real PostgreSQL server (LISTEN/NOTIFY, several processes). */
export function isPostgresServer(opts: DatabaseOptions): boolean {
  return Boolean(opts.databaseUrl);
}
