import type { DataSource } from 'typeorm';
import { mulberry32 } from '../../../src/core/seeded-random';
import { parseSketchText } from '../../../src/analytics/latency-sketches';
import { SKETCH_COMPACT_SLACK, sketchArray, upsertLatencyRollupsStatement, type LatencyRollupDelta } from '../../../src/traces/trace-rollups';
import { startTestApp, type TestApp } from '../../helpers/test-app';

/** One hourly latency delta of `requests: 1` for (label or model) `dim` = `value`, with these bins. */
function latencyDelta(bucket: Date, dim: LatencyRollupDelta['dim'], value: string, latencyBins: Map<number, number>, ttftBins: Map<number, number>): LatencyRollupDelta {
  return { bucket, source: 'PRODUCTION', dim, value, dim2: '', value2: null, requests: 1, latencyCount: latencyBins.size, latencySum: 1, latencyBins, ttftBins };
}

/** The upsert's parameter: deltas as JSON, sketches as their pair arrays. */
function deltasJson(deltas: LatencyRollupDelta[]): string {
  return JSON.stringify(deltas, (_k, v: unknown) => (v instanceof Map ? sketchArray(v as Map<number, number>) : v));
}

describe('the SQL of the trace ingest', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());

  it('trace_sketch_merge, unused since the sketches became appended pairs, is gone (migration DropTraceSketchMerge)', async () => {
    const [row] = await ds.query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'trace_sketch_merge'`);
    expect(row.n).toBe(0);
  });

  it('trace_bins_compact keeps each key once, counts summed, sorted by key (negative keys, the zero bin, empty)', async () => {
    const rnd = mulberry32(22);
    const cases: Array<Array<[number, number]>> = [[], [[5, 1]]];
    for (const n of [2, 7, 40, 300]) {
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) pairs.push([rnd() < 0.05 ? -1_000_000 : Math.floor(rnd() * 60) - 20, 1 + Math.floor(rnd() * 1e9)]);
      cases.push(pairs);
    }
    for (const pairs of cases) {
      const text = `{${pairs.map(([k, n]) => `{${k},${n}}`).join(',')}}`;
      const [row] = await ds.query(`SELECT trace_bins_compact($1::int8[])::text AS b`, [text]);
      const want = new Map<number, number>();
      for (const [k, n] of pairs) want.set(k, (want.get(k) ?? 0) + n);
      const sorted = [...want].sort((a, b) => a[0] - b[0]);
      expect(row.b).toBe(`{${sorted.map(([k, n]) => `{${k},${n}}`).join(',')}}`);
    }
  });

  it("a rollup upsert appends a batch's sketch pairs and compacts the row only once its sketches more than doubled; the counts always add up", async () => {
    const rnd = mulberry32(7);
    const bucket = new Date('2026-03-01T10:00:00Z');
    const want = { l: new Map<number, number>(), t: new Map<number, number>() };
    const sql = upsertLatencyRollupsStatement('hourly');
    const seen = { appended: 0, compacted: 0 };
    let before = 0;
    let compactedAt = 0;
    for (let batch = 0; batch < 60; batch++) {
      const delta = (into: Map<number, number>) => {
        const bins = new Map<number, number>();
        for (let i = 0, n = Math.floor(rnd() * 6); i < n; i++) {
          const k = rnd() < 0.05 ? -1_000_000 : 150 + Math.floor(rnd() * 40);
          bins.set(k, (bins.get(k) ?? 0) + 1);
          into.set(k, (into.get(k) ?? 0) + 1);
        }
        return bins;
      };
      const l = delta(want.l);
      const t = delta(want.t);
      await ds.query(sql, [deltasJson([latencyDelta(bucket, 'model_id', 'm', l, t)])]);
      const [row] = await ds.query(
        `SELECT latency_bins::text AS l, ttft_bins::text AS t, cardinality(latency_bins) + cardinality(ttft_bins) AS len, bins_compacted AS c
         FROM trace_latency_rollups_hourly WHERE bucket = $1 AND dim = 'model_id' AND value = 'm' AND dim2 = ''`,
        [bucket],
      );
      const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);
      expect(parseSketchText(row.l)).toEqual(sorted(want.l));
      expect(parseSketchText(row.t)).toEqual(sorted(want.t));
      const len = Number(row.len);
      const added = 2 * (l.size + t.size);
      if (batch > 0 && len === before + added) seen.appended++;
      else if (batch > 0) {
        // Compacted: each key once in each column, recorded in bins_compacted.
        seen.compacted++;
        expect(len).toBe(2 * (want.l.size + want.t.size));
        expect(Number(row.c)).toBe(len);
        expect(before + added).toBeGreaterThan(2 * compactedAt + SKETCH_COMPACT_SLACK);
      }
      expect(len).toBeLessThanOrEqual(2 * Number(row.c) + SKETCH_COMPACT_SLACK);
      before = len;
      compactedAt = Number(row.c);
    }
    expect(seen.appended).toBeGreaterThan(40);
    expect(seen.compacted).toBeGreaterThan(0);
  });

  it('an upsert that compacts a row calls trace_bins_compact once a sketch column (not twice: the size recorded is that of the same results)', async () => {
    const bins = (from: number, n: number) => new Map(Array.from({ length: n }, (_, i) => [from + i, 1] as [number, number]));
    const at = new Date('2026-03-02T10:00:00Z');
    const json = (l: Map<number, number>, t: Map<number, number>) => deltasJson([latencyDelta(at, 'label', 'compact-once', l, t)]);
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      // Function calls of this transaction are counted (pg_stat_get_xact_function_calls) once tracked.
      await qr.query(`SET LOCAL track_functions = 'all'`);
      const sql = upsertLatencyRollupsStatement('hourly');
      await qr.query(sql, [json(bins(100, 50), bins(100, 50))]); // inserted: 200 elements, recorded compact
      await qr.query(sql, [json(bins(120, 100), bins(120, 100))]); // 200 + 400 > 2 * 200 + slack: compacted
      const [row] = await qr.query(
        `SELECT pg_stat_get_xact_function_calls('trace_bins_compact(int8[])'::regprocedure)::int AS calls, bins_compacted AS c,
           cardinality(latency_bins) + cardinality(ttft_bins) AS len FROM trace_latency_rollups_hourly WHERE dim = 'label' AND value = 'compact-once'`,
      );
      expect(Number(row.len)).toBe(2 * 2 * 120); // keys 100..219 once in each column
      expect(Number(row.c)).toBe(Number(row.len));
      expect(row.calls).toBe(2);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
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
