import 'reflect-metadata';
import { createDataSource } from './src/data-source';

/**
 * The data source for the TypeORM CLI (`npm run migration:generate -- migrations/Name`), built from the
 * same definition the app uses. Generate migrations against PostgreSQL: set DATABASE_URL.
 */
export default createDataSource({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? './.data' });
