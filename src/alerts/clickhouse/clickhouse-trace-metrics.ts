import { EXACT_PERCENTILE_MAX_ROWS } from '../../analytics/index';
import { clickHouseSeconds, literal, sketchQuantile, type ClickHouseTraceStore } from '../../traces/index';
import type { MetricSample } from '../alert-condition';
import type { Part, RangeSums, TraceMetricReader } from '../alert-metrics.queries';
import { percentileCont } from '../../core/percentile-cont';

/** Parts per query: keeps the multiIf (and the query text) well under ClickHouse's max_query_size. */
const PARTS_PER_QUERY = 500;
/** The slice of a row in none of the parts (parts are disjoint; slice numbers are ≥ -1). */
const NO_SLICE = -2147483648;

/**
 * The alert scheduler's trace metrics read from the ClickHouse trace store (CLICKHOUSE_URL), with
 * the PostgreSQL reader's answers: one scan of `traces FINAL` over the span of the parts, each row
 * given its part (`created_ms`, so millisecond bounds as on PostgreSQL), production traffic of the
 * prompt. A trace counts as guardrail-triggered when its stored `guardrailEvents` is not empty (the
 * PostgreSQL predicate `jsonb_array_length(guardrail_events) > 0`, read from the row's document, so
 * events with action NONE count as there). The p95 is exact (percentile_cont) while the parts hold at
 * most EXACT_PERCENTILE_MAX_ROWS traces, else from the DDSketch keys stored per row (within 1%).
 * Runs on ClickHouse 18.16 (no query parameters: values are literals).
 */
export class ClickHouseTraceMetricReader implements TraceMetricReader {
  constructor(private readonly store: ClickHouseTraceStore) {}

  async sums(parts: Part[], prompt: string | null): Promise<Map<number, RangeSums>> {
    const out = new Map<number, RangeSums>();
    for (const chunk of chunks(parts)) {
      const rows = await this.store.query<Record<string, string | number>>(
        `SELECT slice, count() AS requests, sum(cost_micros) AS cost, countIf(status = 'FAILED') AS failed, countIf(triggered) AS triggered
         FROM (SELECT ${sliceOf(chunk)} AS slice, cost_micros, status, visitParamExtractRaw(doc, 'guardrailEvents') NOT IN ('', '[]') AS triggered
           FROM traces FINAL WHERE ${spanWhere(chunk, prompt)})
         WHERE slice != ${NO_SLICE} GROUP BY slice`,
      );
      for (const r of rows) out.set(Number(r.slice), { requests: Number(r.requests), costMicros: Number(r.cost), failed: Number(r.failed), triggered: Number(r.triggered) });
    }
    return out;
  }

  async p95(parts: Part[], prompt: string | null, total: number): Promise<Map<number, MetricSample>> {
    const out = new Map<number, MetricSample>();
    for (const chunk of chunks(parts)) {
      const inner = `SELECT ${sliceOf(chunk)} AS slice, latency_ms, latency_key FROM traces FINAL WHERE ${spanWhere(chunk, prompt)} AND isNotNull(latency_ms)`;
      if (total <= EXACT_PERCENTILE_MAX_ROWS) {
        const rows = await this.store.query<{ slice: number | string; v: number[] }>(
          `SELECT slice, groupArray(assumeNotNull(latency_ms)) AS v FROM (${inner}) WHERE slice != ${NO_SLICE} GROUP BY slice`,
        );
        for (const r of rows) {
          const sorted = r.v.map(Number).sort((a, b) => a - b);
          if (sorted.length) out.set(Number(r.slice), { value: percentileCont(sorted, 0.95), samples: sorted.length });
        }
        continue;
      }
      const rows = await this.store.query<{ slice: number | string; k: number | string; n: number | string }>(
        `SELECT slice, latency_key[1] AS k, count() AS n FROM (${inner}) WHERE slice != ${NO_SLICE} AND notEmpty(latency_key) GROUP BY slice, k ORDER BY slice, k`,
      );
      const bySlice = new Map<number, Array<[number, number]>>();
      for (const r of rows) {
        const list = bySlice.get(Number(r.slice)) ?? [];
        list.push([Number(r.k), Number(r.n)]);
        bySlice.set(Number(r.slice), list);
      }
      for (const [slice, list] of bySlice) out.set(slice, { value: sketchQuantile(list, 0.95), samples: list.reduce((a, [, n]) => a + n, 0) });
    }
    return out;
  }
}

function chunks(parts: Part[]): Part[][] {
  const out: Part[][] = [];
  for (let i = 0; i < parts.length; i += PARTS_PER_QUERY) out.push(parts.slice(i, i + PARTS_PER_QUERY));
  return out;
}

/** The part a row falls in (by `created_ms`), NO_SLICE for none. */
function sliceOf(parts: Part[]): string {
  const branches = parts.map((p) => `created_ms >= ${p.from.getTime()} AND created_ms < ${p.to.getTime()}, ${p.slice}`);
  return `toInt32(multiIf(${branches.join(', ')}, ${NO_SLICE}))`;
}

/** Production rows of the prompt over the span of the parts (bounds also on the sort key `created_at`, so granules are skipped). */
function spanWhere(parts: Part[], prompt: string | null): string {
  const from = Math.min(...parts.map((p) => p.from.getTime()));
  const to = Math.max(...parts.map((p) => p.to.getTime()));
  const c = [`created_at >= ${clickHouseSeconds(from)}`, `created_at <= ${clickHouseSeconds(to)}`, `created_ms >= ${from}`, `created_ms < ${to}`, `source = 'PRODUCTION'`];
  if (prompt !== null) c.push(`prompt = ${literal(prompt)}`);
  return c.join(' AND ');
}
