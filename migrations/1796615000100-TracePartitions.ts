import { DefaultNamingStrategy, MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `traces` becomes a table partitioned by week (issue 15): native PostgreSQL declarative range
 * partitions on `created_at`, one per UTC week (Monday 00:00 to Monday 00:00), named
 * `traces_wYYYYMMDD`. Old weeks are dropped whole by `TRACE_RETENTION_DAYS`; the service creates
 * partitions ahead, and the writer creates the partition of any week a batch needs
 * (`trace_partitions_ensure()`). Rows inserted by plain SQL into a week without a partition land in
 * `traces_default`, and move into their week's partition when it is created. The primary key becomes (id, created_at): a partitioned table's
 * unique keys must hold the partition key.
 *
 * Existing rows are moved in this migration's transaction (all or nothing): the old table is renamed,
 * the new one created LIKE it (so columns other migrations added come along), every index of the old
 * table (whoever made it) recreated on the new one from its definition, the rows copied, the old
 * table dropped.
 */
export class TracePartitions1796615000100 implements MigrationInterface {
  name = 'TracePartitions1796615000100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(ENSURE_FUNCTION);
    const indexes = await indexesOf(q);
    await q.query(`ALTER TABLE "traces" RENAME TO "traces_unpartitioned"`);
    for (const { name } of indexes) await q.query(`ALTER INDEX "${name}" RENAME TO "${name}_old"`);
    await q.query(`ALTER TABLE "traces_unpartitioned" RENAME CONSTRAINT "${OLD_PK}" TO "${OLD_PK}_old"`);
    await q.query(`CREATE TABLE "traces" (LIKE "traces_unpartitioned" INCLUDING DEFAULTS) PARTITION BY RANGE ("created_at")`);
    await q.query(`ALTER TABLE "traces" ADD CONSTRAINT "${NEW_PK}" PRIMARY KEY ("id", "created_at")`);
    // Rows inserted by SQL for a week without a partition land here until their week is created.
    await q.query(`CREATE TABLE "traces_default" PARTITION OF "traces" DEFAULT`);
    // Every week that holds a row, and this week and the four ahead.
    await q.query(`SELECT trace_partitions_ensure(ARRAY(
      SELECT DISTINCT date_trunc('week', created_at, 'UTC') FROM "traces_unpartitioned"
      UNION SELECT date_trunc('week', now(), 'UTC') + make_interval(hours => 168 * n) FROM generate_series(0, 4) AS n))`);
    await q.query(`INSERT INTO "traces" SELECT * FROM "traces_unpartitioned"`);
    // Indexes after the copy (faster); defined on the parent, so every partition (also later ones) gets them.
    for (const { def } of indexes) await q.query(def);
    await q.query(`DROP TABLE "traces_unpartitioned"`);
  }

  public async down(q: QueryRunner): Promise<void> {
    const indexes = await indexesOf(q);
    await q.query(`ALTER TABLE "traces" RENAME TO "traces_partitioned"`);
    for (const { name } of indexes) await q.query(`ALTER INDEX "${name}" RENAME TO "${name}_old"`);
    await q.query(`ALTER TABLE "traces_partitioned" RENAME CONSTRAINT "${NEW_PK}" TO "${NEW_PK}_old"`);
    await q.query(`CREATE TABLE "traces" (LIKE "traces_partitioned" INCLUDING DEFAULTS)`);
    await q.query(`INSERT INTO "traces" SELECT * FROM "traces_partitioned"`);
    await q.query(`ALTER TABLE "traces" ADD CONSTRAINT "${OLD_PK}" PRIMARY KEY ("id")`);
    for (const { def } of indexes) await q.query(def.replace(/\bON ONLY\b/, 'ON'));
    await q.query(`DROP TABLE "traces_partitioned"`);
    await q.query(`DROP FUNCTION trace_partitions_ensure(timestamptz[])`);
  }
}

const naming = new DefaultNamingStrategy();
const OLD_PK = naming.primaryKeyName('traces', ['id']);
const NEW_PK = naming.primaryKeyName('traces', ['id', 'created_at']);

/** The indexes of `traces` other than its primary key: name and definition. */
async function indexesOf(q: QueryRunner): Promise<Array<{ name: string; def: string }>> {
  const rows: Array<{ name: string; def: string }> = await q.query(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'traces'::regclass AND NOT x.indisprimary ORDER BY i.relname`,
  );
  return rows;
}

/**
 * Creates the weekly partitions of the given week starts that do not exist yet; returns how many it
 * created. Serialized by an advisory lock held to the end of the transaction, so two writers needing
 * the same new week do not both create it.
 */
export const ENSURE_FUNCTION = `
  CREATE OR REPLACE FUNCTION trace_partitions_ensure(weeks timestamptz[]) RETURNS integer LANGUAGE plpgsql AS $$
  DECLARE
    w timestamptz;
    part text;
    created integer := 0;
  BEGIN
    FOREACH w IN ARRAY weeks LOOP
      w := date_trunc('week', w, 'UTC');
      part := 'traces_w' || to_char(w AT TIME ZONE 'UTC', 'YYYYMMDD');
      IF to_regclass(part) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('trace_partitions'));
        IF to_regclass(part) IS NULL THEN
          IF EXISTS (SELECT 1 FROM traces_default WHERE created_at >= w AND created_at < w + interval '168 hours') THEN
            -- Rows written straight into traces (not through the writer) wait in the default
            -- partition: they move into their week's partition, which is then attached.
            EXECUTE format('CREATE TABLE %I (LIKE traces INCLUDING DEFAULTS)', part);
            EXECUTE format('WITH moved AS (DELETE FROM traces_default WHERE created_at >= %L AND created_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
              w, w + interval '168 hours', part);
            EXECUTE format('ALTER TABLE traces ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, w, w + interval '168 hours');
          ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF traces FOR VALUES FROM (%L) TO (%L)', part, w, w + interval '168 hours');
          END IF;
          created := created + 1;
        END IF;
      END IF;
    END LOOP;
    RETURN created;
  END $$`;
