import type { DataSource } from 'typeorm';
import { mulberry32 } from '../../../src/core/seeded-random';
import { startTestApp, type TestApp } from '../../helpers/test-app';

/** The first `trace_sketch_merge` (migration TraceRollups): both sketches unnested, grouped and rebuilt. The reference. */
const REFERENCE_MERGE = `(SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb)
  FROM (SELECT k, sum(v::bigint) AS n FROM (SELECT * FROM jsonb_each_text($1::jsonb) UNION ALL SELECT * FROM jsonb_each_text($2::jsonb)) s(k, v) GROUP BY k) x)`;

describe('the SQL of the trace ingest', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());

  it('trace_sketch_merge adds the counts of every key of either sketch, as the first version did (small and compressed large sketches, empty ones)', async () => {
    const rnd = mulberry32(15);
    const sketch = (keys: number) => {
      const o: Record<string, number> = {};
      for (let i = 0; i < keys; i++) o[String(Math.floor(rnd() * 900) - 300)] = 1 + Math.floor(rnd() * 1e6);
      if (rnd() < 0.3) o['-1000000'] = 1 + Math.floor(rnd() * 5);
      return JSON.stringify(o);
    };
    const pairs: Array<[string, string]> = [
      ['{}', '{}'],
      ['{}', sketch(3)],
      [sketch(3), '{}'],
    ];
    for (const [na, nb] of [
      [1, 1],
      [3, 2],
      [40, 5],
      [300, 4],
      [300, 150],
      [5, 300],
    ]) {
      for (let i = 0; i < 4; i++) pairs.push([sketch(na!), sketch(nb!)]);
    }
    // Stored in a table, so a large sketch is compressed as in the rollup tables.
    await ds.query(`CREATE TEMP TABLE IF NOT EXISTS sketch_pairs (i int, a jsonb, b jsonb)`);
    for (const [i, [a, b]] of pairs.entries()) await ds.query(`INSERT INTO sketch_pairs VALUES ($1, $2::jsonb, $3::jsonb)`, [i, a, b]);
    const merged: Array<{ i: number; m: Record<string, number> }> = await ds.query(`SELECT i, trace_sketch_merge(a, b) AS m FROM sketch_pairs ORDER BY i`);
    expect(merged).toHaveLength(pairs.length);
    for (const { i, m } of merged) {
      const [a, b] = pairs[i]!;
      const [ref] = await ds.query(`SELECT ${REFERENCE_MERGE} AS m`, [a, b]);
      expect(m).toEqual(ref.m);
      // And by hand: every key of either, counts added.
      const want: Record<string, number> = { ...JSON.parse(a) };
      for (const [k, n] of Object.entries(JSON.parse(b) as Record<string, number>)) want[k] = (want[k] ?? 0) + n;
      expect(m).toEqual(want);
    }
  });

  it('eval_run_id and otel_trace_id are indexed only where not null, and those partial indexes serve the filters that read them', async () => {
    const defs: Array<{ name: string; def: string }> = await ds.query(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'traces' AND indexname IN ('ix_traces_eval_run_id', 'ix_traces_otel_trace_id') ORDER BY 1`,
    );
    expect(defs.map((d) => d.name)).toEqual(['ix_traces_eval_run_id', 'ix_traces_otel_trace_id']);
    for (const d of defs) expect(d.def).toMatch(/WHERE \(\w+ IS NOT NULL\)/);
    const plan = async (where: string, value: string) => {
      const rows: Array<Record<string, string>> = await ds.transaction(async (m) => {
        await m.query('SET LOCAL enable_seqscan = off');
        return m.query(`EXPLAIN SELECT * FROM traces t WHERE ${where} ORDER BY t.created_at DESC, t.id DESC LIMIT 51`, [value]);
      });
      return rows.map((r) => Object.values(r)[0]).join('\n');
    };
    expect(await plan(`t.eval_run_id = $1::uuid`, '00000000-0000-4000-8000-000000000001')).toMatch(/ix_traces_eval_run_id|traces_\w+_eval_run_id_idx/);
    expect(await plan(`t.otel_trace_id = $1`, '0123456789abcdef0123456789abcdef')).toMatch(/ix_traces_otel_trace_id|traces_\w+_otel_trace_id_idx/);
  });
});
