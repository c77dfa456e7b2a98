import { PGlite } from '@electric-sql/pglite';
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

  it('PGlite starts from the trimmed archive (no template folders, one WAL segment cut after its last page) and writes well past the cut', async () => {
    const blob = await pgliteSnapshot();
    expect(blob).toBeInstanceOf(Blob);
    // The archive leaves out ~32 MB: the template databases' files and all but the last page of WAL.
    expect(blob!.size).toBeLessThan(16 * 1024 * 1024);
    const db = await PGlite.create({ loadDataDir: blob! });
    try {
      const names = await db.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1');
      expect(names.rows.map((r) => r.datname)).toEqual(['postgres', 'template0', 'template1']);
      // ~24 MB of WAL: past the trimmed end of the first segment and into new ones, then a checkpoint and reads back.
      await db.exec(`CREATE TABLE wal_fill AS SELECT g AS id, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 60000) g`);
      await db.exec(`UPDATE wal_fill SET pad = upper(pad)`);
      await db.exec('CHECKPOINT');
      const [{ n }] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM wal_fill WHERE pad = upper(pad)`)).rows;
      expect(n).toBe(60000);
      const wal = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      expect(parseInt(wal.rows[0].lsn.split('/')[1], 16) + parseInt(wal.rows[0].lsn.split('/')[0], 16) * 2 ** 32).toBeGreaterThan(16 * 1024 * 1024);
    } finally {
      await db.close();
    }
  });
});
