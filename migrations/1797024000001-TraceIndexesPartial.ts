import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Five indexes of `traces` leave out the rows none of their readers can ask for (issue 15, ingest:
 * every index entry is paid on every insert). Their readers only ever test equality with a value
 * (`TraceFilter.prompt`, `.modelId`, `.apiKey`, `.user`: `col = $n`, which implies `col IS NOT NULL`)
 * or overlap with a non-empty tag list (`tags && $n`, written with the `cardinality(tags) > 0` that
 * it implies, so the planner can prove the predicate): a row with no user, no prompt, no model (a
 * blocked or cached request), no API key or no tag is never found through them. Same columns, same
 * order, so every plan that used them still does (EXPLAIN before and after: docs/analytics-at-scale.md).
 *
 * Those four and `ix_traces_created_at_id` are also built without deduplication: their keys end with the
 * creation time (and the id), so a key almost never repeats, and deduplication only cost a pass over each
 * full leaf page before it splits (~5 % of a trace's COPY instructions, callgrind). Indexes whose keys do
 * repeat (eval run, OpenTelemetry trace id, the guardrail index's time) keep it. Partitions created later
 * inherit both (an index on the partitioned table is cloned with its options and predicate).
 * Rebuilt on every partition of `traces` (a lock on `traces` for the time of the build).
 */
export class TraceIndexesPartial1797024000001 implements MigrationInterface {
  name = 'TraceIndexesPartial1797024000001';

  public async up(q: QueryRunner): Promise<void> {
    for (const [name, col] of BTREES) {
      await q.query(`DROP INDEX "public"."${name}"`);
      await q.query(`CREATE INDEX "${name}" ON "traces" ("${col}", "created_at") WITH (deduplicate_items = off) WHERE "${col}" IS NOT NULL`);
    }
    await q.query(`DROP INDEX "public"."ix_traces_created_at_id"`);
    await q.query(`CREATE INDEX "ix_traces_created_at_id" ON "traces" ("created_at", "id") WITH (deduplicate_items = off)`);
    await q.query(`DROP INDEX "public"."ix_traces_tags"`);
    await q.query(`CREATE INDEX "ix_traces_tags" ON "traces" USING gin ("tags") WHERE cardinality("tags") > 0`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."ix_traces_tags"`);
    await q.query(`CREATE INDEX "ix_traces_tags" ON "traces" USING gin ("tags")`);
    await q.query(`DROP INDEX "public"."ix_traces_created_at_id"`);
    await q.query(`CREATE INDEX "ix_traces_created_at_id" ON "traces" ("created_at", "id")`);
    for (const [name, col] of [...BTREES].reverse()) {
      await q.query(`DROP INDEX "public"."${name}"`);
      await q.query(`CREATE INDEX "${name}" ON "traces" ("${col}", "created_at")`);
    }
  }
}

const BTREES: ReadonlyArray<readonly [string, string]> = [
  ['ix_traces_prompt_created_at', 'prompt'],
  ['ix_traces_model_id_created_at', 'model_id'],
  ['ix_traces_api_key_created_at', 'api_key'],
  ['ix_traces_user_created_at', 'user'],
];
