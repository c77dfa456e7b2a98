import { pgliteSnapshot } from '../../helpers/database-snapshot';
import { startTestApp } from '../../helpers/test-app';

/**
 * Test apps start from the run's migrated snapshot (jest global setup, test/helpers/database-snapshot.ts):
 * it must hold every migration and exactly what the entities describe, as migrating from scratch does
 * (migrations.test.ts), or every other test would run on a stale schema.
 */
describe('the migrated database snapshot test apps start from', () => {
  it(`exists for this run and leaves no migration pending and nothing for the entities to change on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, async () => {
    expect(await pgliteSnapshot()).toBeInstanceOf(Blob);
    if (process.env.DATABASE_URL) expect(process.env.TEST_PG_TEMPLATE_URL).toMatch(/^postgres/);
    const t = await startTestApp();
    try {
      const ds = t.app.dataSource;
      expect(await ds.showMigrations()).toBe(false);
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM migrations`);
      expect(n).toBe(ds.migrations.length);
    } finally {
      await t.close();
    }
  });
});
