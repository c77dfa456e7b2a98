import { MigrationInterface, QueryRunner } from 'typeorm';
import { ENSURE_FUNCTION } from './1796615000100-TracePartitions';

/**
 * `trace_partitions_ensure()` failed with "relation traces_w… already exists" when two writers
 * (two instances, or `seed:traces` with two writers) needed the same new week at once: the second
 * waited on the advisory lock while the first created the week, then its `to_regclass` check still
 * answered from a catalog cache that had not seen the first one's commit. The batch failed and was
 * retried. Now a week created by someone else in the meantime is taken as there (`duplicate_table`
 * caught around the creation, in its own subtransaction so a half-done move of default-partition
 * rows is undone with it).
 */
export class TracePartitionsEnsureRace1796650000000 implements MigrationInterface {
  name = 'TracePartitionsEnsureRace1796650000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
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
        BEGIN
          IF EXISTS (SELECT 1 FROM traces_default WHERE created_at >= w AND created_at < w + interval '168 hours') THEN
            EXECUTE format('CREATE TABLE %I (LIKE traces INCLUDING DEFAULTS)', part);
            EXECUTE format('WITH moved AS (DELETE FROM traces_default WHERE created_at >= %L AND created_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
              w, w + interval '168 hours', part);
            EXECUTE format('ALTER TABLE traces ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, w, w + interval '168 hours');
          ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF traces FOR VALUES FROM (%L) TO (%L)', part, w, w + interval '168 hours');
          END IF;
          created := created + 1;
        EXCEPTION WHEN duplicate_table THEN
          -- Created by another writer while this one waited for the lock.
          NULL;
        END;
      END IF;
    END LOOP;
    RETURN created;
  END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(ENSURE_FUNCTION);
  }
}
