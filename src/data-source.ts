import type { DataSource } from 'typeorm';
import { buildDataSource, type DatabaseOptions } from './db/data-source';
import { entities } from './features';

/** The app's data source: every feature's entities (`src/features.ts`), on PGlite or PostgreSQL. */
export function createDataSource(opts: DatabaseOptions): DataSource {
  return buildDataSource(opts, entities);
}
