import { createFreshDatabase } from '../../helpers/fresh-database';
import { createDataSource } from '../../../src/data-source';

/** The migrations, run on an empty database of this run's kind, produce exactly what the entities describe. */
describe('migrations', () => {
  it(`run on an empty ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'} database and leave nothing for the entities to change`, async () => {
    let url: string | undefined;
    let drop = async () => undefined as void;
    if (process.env.DATABASE_URL) {
      const fresh = await createFreshDatabase(process.env.DATABASE_URL, 'gcp_mig', { empty: true });
      url = fresh.url;
      drop = fresh.drop;
    }
    const ds = createDataSource({ databaseUrl: url, dataDir: 'memory://' });
    await ds.initialize();
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      expect(ran.length).toBeGreaterThan(0);
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      // And they roll back cleanly.
      for (let i = 0; i < ran.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      const tables = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`);
      expect(tables).toEqual([]);
    } finally {
      await ds.destroy();
      await drop();
    }
  });
});
