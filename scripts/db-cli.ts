import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import pino from 'pino';
import { createDataSource } from '../src/data-source';

/** Opens the service's database (DATABASE_URL, else PGlite in DATA_DIR) and applies pending migrations, as the service does at start-up. */
export async function openDatabase(): Promise<DataSource> {
  const ds = createDataSource({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? './.data', logger: pino({ level: 'warn' }) });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}
