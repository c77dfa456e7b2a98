import type { DataSource } from 'typeorm';
import { TraceService, validateTraceRecord, writeTraceBatch, type TraceFilterData, type WrittenRecord } from '../../../src/traces';
import type { TraceRecord } from '../../../src/traces/trace-record';
import { AnalyticsService, Dimension } from '../../../src/analytics';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { syntheticTraces } from '../../../scripts/synthetic-traces';

/**
 * The indexes of `traces` that serve an equality or tag filter (`ix_traces_{prompt,model_id,api_key,user}_created_at`,
 * `ix_traces_tags`) are partial (migration 1797024000001): a row with no value, or no tag, is never found
 * through them, so it adds no entry (one entry fewer to write a trace); those four and `(created_at, id)` skip
 * deduplication (their keys hardly ever repeat). Checked by what the indexes hold, their options on a new week,
 * and the plans of the SQL the service sends for each filter.
 */
describe('the partial indexes of traces', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());

  const PARTIAL = ['prompt_created_at', 'model_id_created_at', 'api_key_created_at', 'user_created_at', 'tags'];
  const written = (records: TraceRecord[]): WrittenRecord[] =>
    records.map((r) => {
      const v = validateTraceRecord(r);
      if (!v.ok) throw new Error(v.error);
      return { record: v.value, at: new Date() };
    });
  /** Size in bytes of each index of the partial set on one partition, by index suffix. */
  const sizes = async (partition: string): Promise<Record<string, number>> => {
    const rows: Array<{ name: string; size: string }> = await ds.query(
      `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS size FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = $1::regclass`,
      [partition],
    );
    const out: Record<string, number> = {};
    for (const suffix of PARTIAL) {
      const row = rows.find((r) => r.name === `${partition}_${suffix}_idx`);
      if (!row) throw new Error(`no index ${partition}_${suffix}_idx among ${rows.map((r) => r.name).join(', ')}`);
      out[suffix] = Number(row.size);
    }
    return out;
  };

  it('rows without a prompt, model, API key, user or tag add no entry to those indexes', async () => {
    // Two empty weeks; one receives 600 traces with none of the five values, the other stays empty.
    await ds.query(`SELECT trace_partitions_ensure(ARRAY['2032-03-01T00:00:00Z', '2032-03-08T00:00:00Z']::timestamptz[])`);
    const bare = [...syntheticTraces(600, { seed: 3, start: new Date('2032-03-01T00:00:00Z'), end: new Date('2032-03-07T00:00:00Z') })].map((r): TraceRecord => ({
      ...r,
      prompt: null,
      modelId: null,
      apiKey: null,
      user: null,
      tags: [],
      request: { ...r.request, user: undefined, tags: undefined },
    }));
    expect(await writeTraceBatch(ds, written(bare))).toBe(600);
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM traces_w20320301 WHERE prompt IS NULL AND "user" IS NULL AND cardinality(tags) = 0`))[0].n)).toBe(600);
    // Every index of the five is as large as on the empty week: nothing was added (a full index of 600 rows has leaf pages).
    expect(await sizes('traces_w20320301')).toEqual(await sizes('traces_w20320308'));
    // The other indexes did take the rows (the comparison can tell).
    const [pk] = await ds.query(`SELECT pg_relation_size('traces_w20320301_created_at_id_idx')::int AS filled, pg_relation_size('traces_w20320308_created_at_id_idx')::int AS empty`);
    expect(pk.filled).toBeGreaterThan(pk.empty);
  });

  it('the indexes whose keys end with the creation time are built without deduplication, on partitions created later too', async () => {
    await ds.query(`SELECT trace_partitions_ensure(ARRAY['2032-05-03T00:00:00Z']::timestamptz[])`);
    const rows: Array<{ name: string; opts: string[] | string | null }> = await ds.query(
      `SELECT c.relname AS name, c.reloptions AS opts FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = 'traces_w20320503'::regclass ORDER BY 1`,
    );
    const off = rows.filter((r) => String(r.opts ?? '').includes('deduplicate_items=off')).map((r) => r.name);
    expect(off).toEqual(['created_at_id', 'model_id_created_at', 'prompt_created_at', 'user_created_at', 'api_key_created_at'].map((s) => `traces_w20320503_${s}_idx`).sort());
  });

  it('the filters of traces() and of the raw analytics read through those indexes', async () => {
    const from = new Date('2032-04-05T00:00:00Z');
    const to = new Date('2032-04-12T00:00:00Z');
    const records = [...syntheticTraces(1500, { seed: 4, start: from, end: to, users: 50 })];
    expect(await writeTraceBatch(ds, written(records))).toBe(1500);
    await ds.query('ANALYZE traces_w20320405');
    // The rarest value of each field (a filter the planner reads through its index rather than by time).
    const rarest = (of: (r: TraceRecord) => string | null | undefined): string => {
      const n = new Map<string, number>();
      for (const r of records) {
        const v = of(r);
        if (v != null) n.set(v, (n.get(v) ?? 0) + 1);
      }
      return [...n].sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))[0]![0];
    };
    const one = { tags: [rarest((r) => r.tags?.[0])], user: rarest((r) => r.user), prompt: rarest((r) => r.prompt), modelId: rarest((r) => r.modelId), apiKey: rarest((r) => r.apiKey) };

    // The SQL `TraceService.list` sends (its query builder's text and parameters), and the raw analytics' SQL.
    const sent: Array<{ sql: string; params: unknown[] }> = [];
    const recording = Object.create(ds) as DataSource;
    recording.getRepository = ((target: Parameters<DataSource['getRepository']>[0]) => {
      const repo = ds.getRepository(target);
      const r = Object.create(repo) as typeof repo;
      r.createQueryBuilder = ((alias?: string) => {
        const qb = repo.createQueryBuilder(alias);
        const getMany = qb.getMany.bind(qb);
        qb.getMany = async () => {
          const [sql, params] = qb.getQueryAndParameters();
          sent.push({ sql, params });
          return getMany();
        };
        return qb;
      }) as typeof repo.createQueryBuilder;
      return r;
    }) as DataSource['getRepository'];
    recording.query = (async (sql: string, params?: unknown[]) => {
      sent.push({ sql, params: params ?? [] });
      return ds.query(sql, params);
    }) as DataSource['query'];
    const list = (filter: TraceFilterData) => TraceService.prototype.list.call({ db: recording } as unknown as TraceService, filter, 50);

    /**
     * The indexes of traces_w20320405 the plans of the statements sent by `run` read. Sequential and plain index scans
     * are off, so the only way to read rows other than a sequential scan is a bitmap scan, which needs an index whose
     * condition or predicate the query implies (PGlite's PostgreSQL 17 may still keep a disabled index scan: counted too).
     */
    const indexesRead = async (run: () => Promise<unknown>): Promise<string[]> => {
      sent.length = 0;
      await run();
      expect(sent.length).toBeGreaterThan(0);
      const read = new Set<string>();
      await ds.transaction(async (m) => {
        await m.query('SET LOCAL enable_seqscan = off');
        await m.query('SET LOCAL enable_indexscan = off');
        for (const { sql, params } of sent) {
          const rows: Array<Record<string, string>> = await m.query(`EXPLAIN ${sql}`, params);
          for (const line of rows.map((r) => Object.values(r)[0]!)) {
            const hit = /(?:Bitmap Index Scan on|Index Scan (?:Backward )?using|Index Only Scan (?:Backward )?using) traces_w20320405_(\w+)_idx/.exec(line);
            if (hit) read.add(hit[1]!);
          }
        }
      });
      return [...read].sort();
    };

    expect(await indexesRead(() => list({ from, to, tags: one.tags }))).toContain('tags');
    expect(await indexesRead(() => list({ from, to, user: one.user }))).toContain('user_created_at');
    expect(await indexesRead(() => list({ from, to, prompt: one.prompt }))).toContain('prompt_created_at');
    expect(await indexesRead(() => list({ from, to, modelId: one.modelId }))).toContain('model_id_created_at');
    expect(await indexesRead(() => list({ from, to, apiKey: one.apiKey }))).toContain('api_key_created_at');
    // USER and TAG analytics read the raw traces with the same filter conditions.
    const a = new AnalyticsService(recording);
    expect(await indexesRead(() => a.costBreakdown({ from, to, tags: one.tags }, [Dimension.TAG]))).toContain('tags');
    expect(await indexesRead(() => a.costBreakdown({ from, to, user: one.user }, [Dimension.USER]))).toContain('user_created_at');
  });
});
