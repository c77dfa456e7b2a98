import type { DataSource } from 'typeorm';
import { EXACT_PERCENTILE_MAX_ROWS, planRange } from '../analytics/index';
import { sketchQuantile } from '../traces/index';
import type { Measurement, MetricSample } from './alert-condition';
import { windowMs, type MetricCondition, type ScheduledMetric } from './alert-rule.schemas';

/** The metrics measured from traces (drift and eval_score are measured elsewhere). */
export type TraceMetric = Exclude<ScheduledMetric, 'eval_score' | 'drift'>;

/** Where the trace metrics come from: the rollups (default) or a scan of the raw traces (the reference, and the bench's "before"). */
export type MetricSource = 'rollups' | 'raw';

/** Production traces only: eval cases and other sources never move a production alert. */
const TRACE_AGG: Record<TraceMetric, { value: string; samples: string; where?: string }> = {
  cost: { value: 'SUM(cost_micros)::float8 / 1000000', samples: 'COUNT(*)' },
  p95_latency: { value: 'percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)', samples: 'COUNT(latency_ms)', where: 'latency_ms IS NOT NULL' },
  error_rate: { value: "AVG(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END)::float8", samples: 'COUNT(*)' },
  guardrail_trigger_rate: { value: 'AVG(CASE WHEN jsonb_array_length(guardrail_events) > 0 THEN 1 ELSE 0 END)::float8', samples: 'COUNT(*)' },
};

/** One aggregate over [from, to) of the raw traces or eval results, optionally cut into slices of `sliceMs` counted back from `to`. */
function aggregateSql(metric: Exclude<ScheduledMetric, 'drift'>, sliced: boolean): string {
  if (metric === 'eval_score') {
    const slice = sliced ? `floor(extract(epoch FROM ($2::timestamptz - r.created_at)) * 1000 / $5)::int AS slice,` : '';
    return `SELECT ${slice} AVG(r.score)::float8 AS value, COUNT(*)::int AS samples
      FROM eval_results r JOIN eval_runs run ON run.id = r.run_id JOIN eval_sets s ON s.id = run.eval_set_id
      WHERE r.created_at >= $1 AND r.created_at < $2 AND ($3::text IS NULL OR run.prompt = $3) AND ($4::text IS NULL OR s.name = $4)
      ${sliced ? 'GROUP BY slice' : ''}`;
  }
  const a = TRACE_AGG[metric];
  const slice = sliced ? `floor(extract(epoch FROM ($2::timestamptz - created_at)) * 1000 / $4)::int AS slice,` : '';
  return `SELECT ${slice} ${a.value} AS value, ${a.samples}::int AS samples FROM traces
    WHERE created_at >= $1 AND created_at < $2 AND source = 'PRODUCTION' AND ($3::text IS NULL OR prompt = $3)
    ${a.where ? `AND ${a.where}` : ''} ${sliced ? 'GROUP BY slice' : ''}`;
}

type Row = { value: number | string | null; samples: number | string; slice?: number | string };

function sample(r: Row | undefined): MetricSample {
  const samples = Number(r?.samples ?? 0);
  return { value: samples > 0 && r?.value !== null && r?.value !== undefined ? Number(r.value) : samples > 0 ? 0 : null, samples };
}

/** The default trailing baseline: 24 windows, at most 30 days. */
export function baselineMs(c: { baselineWindow?: string }, ruleWindow: string): number {
  return c.baselineWindow ? windowMs(c.baselineWindow) : Math.min(24 * windowMs(ruleWindow), 30 * 86_400_000);
}

const HOUR_MS = 3_600_000;
const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);

/** A time range [from, to) measured as one value, tagged with its slice number. */
export interface Part {
  slice: number;
  from: Date;
  to: Date;
}

/** What one time range holds: the sums behind cost, error_rate and guardrail_trigger_rate. */
export interface RangeSums {
  requests: number;
  costMicros: number;
  failed: number;
  triggered: number;
}

/**
 * Measurements shared by the rules of one tick: each (range, prompt) is read once, however many rules
 * ask for it (rules of the same window usually share it). Pass a new one per tick.
 */
export class TickMemo {
  readonly sums = new Map<string, Promise<RangeSums>>();
  readonly p95 = new Map<string, Promise<MetricSample>>();
}

/**
 * The port through which the trace metrics (cost, p95_latency, error_rate, guardrail_trigger_rate)
 * read the trace store: production traffic of the prompt (null: every prompt) in each part, parts
 * without traffic absent. `PostgresTraceMetricReader` (the default) reads PostgreSQL's rollups and
 * raw edges; `ClickHouseTraceMetricReader` (src/alerts/clickhouse, chosen by the app when
 * CLICKHOUSE_URL is set) reads ClickHouse, with the same answers.
 */
export interface TraceMetricReader {
  /** Requests, cost (micros), failed and guardrail-triggered traces of each part. */
  sums(parts: Part[], prompt: string | null): Promise<Map<number, RangeSums>>;
  /** The p95 latency of each part: exact while the parts hold at most EXACT_PERCENTILE_MAX_ROWS traces (`total`), else from the DDSketch bins (within 1%). */
  p95(parts: Part[], prompt: string | null, total: number): Promise<Map<number, MetricSample>>;
}

/** The trace metrics from PostgreSQL: whole hours and days from the rollups, partial hours from the raw traces. */
export class PostgresTraceMetricReader implements TraceMetricReader {
  constructor(private readonly db: DataSource) {}
  sums(parts: Part[], prompt: string | null): Promise<Map<number, RangeSums>> {
    return loadSums(this.db, parts, prompt);
  }
  p95(parts: Part[], prompt: string | null, total: number): Promise<Map<number, MetricSample>> {
    return loadP95(this.db, parts, prompt, total);
  }
}

const EMPTY_SUMS: RangeSums = { requests: 0, costMicros: 0, failed: 0, triggered: 0 };

const rangeKey = (p: Part, prompt: string | null) => `${p.from.toISOString()}|${p.to.toISOString()}|${prompt ?? ''}`;

/** Memoized per (range, prompt): the uncached parts are read in one query, then each is remembered. */
function memoized<T>(cache: Map<string, Promise<T>>, parts: Part[], prompt: string | null, load: (missing: Part[]) => Promise<Map<number, T>>, empty: T): Promise<Map<number, T>> {
  const missing = parts.filter((p) => !cache.has(rangeKey(p, prompt)));
  if (missing.length) {
    const loaded = load(missing);
    for (const p of missing)
      cache.set(
        rangeKey(p, prompt),
        loaded.then((m) => m.get(p.slice) ?? empty),
      );
  }
  return Promise.all(parts.map(async (p) => [p.slice, await cache.get(rangeKey(p, prompt))!] as const)).then((e) => new Map(e));
}

/** Requests, cost, failures (rollups + raw edges) and guardrail-triggered traces (partial index) of each part. */
async function loadSums(db: DataSource, parts: Part[], prompt: string | null): Promise<Map<number, RangeSums>> {
  const params: unknown[] = [];
  const add = (v: unknown) => (params.push(v), `$${params.length}`);
  const selects = planParts(
    parts,
    prompt,
    `sum(r.requests) AS requests, sum(r.cost_micros) AS cost, sum(r.requests) FILTER (WHERE r.status = 'FAILED') AS failed, 0 AS triggered`,
    `count(*) AS requests, sum(t.cost_micros) AS cost, count(*) FILTER (WHERE t.status = 'FAILED') AS failed, 0 AS triggered`,
    params,
  );
  // The guardrail rollups count per (policy, kind, direction), so a trace can count twice there; the
  // traces with any guardrail event are counted instead through the partial index ix_traces_guardrail_triggered
  // (same predicate), which holds only those.
  // One scan of the partial index over the span of all parts (which are disjoint), each row given its part.
  const from = new Date(Math.min(...parts.map((p) => p.from.getTime())));
  const to = new Date(Math.max(...parts.map((p) => p.to.getTime())));
  const sliceOf = `CASE ${parts.map((p) => `WHEN t.created_at >= ${add(p.from)} AND t.created_at < ${add(p.to)} THEN ${p.slice}`).join(' ')} END`;
  selects.push(
    `SELECT slice, 0 AS requests, 0 AS cost, 0 AS failed, count(*) AS triggered FROM (
       SELECT ${sliceOf} AS slice FROM traces t WHERE t.created_at >= ${add(from)} AND t.created_at < ${add(to)} AND jsonb_array_length(t.guardrail_events) > 0
       AND t.source = 'PRODUCTION'${prompt === null ? '' : ` AND t.prompt = ${add(prompt)}`}) g WHERE slice IS NOT NULL GROUP BY slice`,
  );
  const rows: Array<Record<string, string | number | null>> = await db.query(
    `SELECT slice, sum(requests) AS requests, sum(cost) AS cost, sum(failed) AS failed, sum(triggered) AS triggered FROM (${selects.join(' UNION ALL ')}) u GROUP BY slice`,
    params,
  );
  // An aggregate over no rows gives null sums.
  return new Map(rows.map((r) => [Number(r.slice), { requests: Number(r.requests ?? 0), costMicros: Number(r.cost ?? 0), failed: Number(r.failed ?? 0), triggered: Number(r.triggered ?? 0) }]));
}

/**
 * The p95 latency of each part: exact (percentile_cont over the raw latencies, as before) while the
 * parts hold at most EXACT_PERCENTILE_MAX_ROWS traces (`total`, from the sums already read), else from the DDSketch bins of the rollups
 * and of the raw edges, merged (within 1%, as latencyStats).
 */
async function loadP95(db: DataSource, parts: Part[], prompt: string | null, total: number): Promise<Map<number, MetricSample>> {
  const out = new Map<number, MetricSample>();
  if (total <= EXACT_PERCENTILE_MAX_ROWS) {
    const p: unknown[] = [];
    const add = (v: unknown) => (p.push(v), `$${p.length}`);
    const sql = parts
      .map(
        (part) => `SELECT ${part.slice} AS slice, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS value, count(*) AS samples FROM traces
        WHERE created_at >= ${add(part.from)} AND created_at < ${add(part.to)} AND source = 'PRODUCTION' AND latency_ms IS NOT NULL${prompt === null ? '' : ` AND prompt = ${add(prompt)}`}`,
      )
      .join(' UNION ALL ');
    for (const r of (await db.query(sql, p)) as Row[]) if (Number(r.samples) > 0) out.set(Number(r.slice), sample(r));
    return out;
  }
  const bp: unknown[] = [];
  const bins = planParts(parts, prompt, 'r.latency_bins[e.i][1]::int AS k, sum(r.latency_bins[e.i][2]) AS n', 'trace_sketch_key(t.latency_ms) AS k, count(*) AS n', bp, {
    // The stored {key, count} pairs (a key may repeat until the row is compacted: summed by the GROUP BY).
    rollupJoin: ', generate_subscripts(r.latency_bins, 1) AS e(i)',
    rawWhere: 't.latency_ms IS NOT NULL',
    groupBy: 'k',
  });
  const binRows: Array<{ slice: number; k: number; n: string | number }> = await db.query(`SELECT slice, k, sum(n) AS n FROM (${bins.join(' UNION ALL ')}) u GROUP BY slice, k ORDER BY slice, k`, bp);
  const bySlice = new Map<number, Array<[number, number]>>();
  for (const r of binRows) {
    const list = bySlice.get(Number(r.slice)) ?? [];
    list.push([Number(r.k), Number(r.n)]);
    bySlice.set(Number(r.slice), list);
  }
  for (const [slice, list] of bySlice) out.set(slice, { value: sketchQuantile(list, 0.95), samples: list.reduce((a, [, n]) => a + n, 0) });
  return out;
}

/**
 * SELECTs of `slice, <select>` over each part: whole UTC hours and days from the rollups, the partial
 * hours at the edges from the raw traces (the analytics planner's split), production traffic of the
 * prompt. Each select aggregates its own rows (a plain aggregate per range is much cheaper than
 * grouping the union of all rows), the caller sums the few rows they give.
 */
function planParts(
  parts: Part[],
  prompt: string | null,
  rollupSelect: string,
  rawSelect: string,
  params: unknown[],
  opts: { rollupJoin?: string; rawWhere?: string; groupBy?: string } = {},
): string[] {
  const group = opts.groupBy ? ` GROUP BY ${opts.groupBy}` : '';
  const add = (v: unknown) => (params.push(v), `$${params.length}`);
  const promptCond = (alias: string) => (prompt === null ? '' : ` AND ${alias}.prompt = ${add(prompt)}`);
  const out: string[] = [];
  for (const part of parts) {
    const plan = planRange(part.from, part.to);
    for (const r of plan.rollups) {
      out.push(
        `SELECT ${part.slice} AS slice, ${rollupSelect} FROM trace_rollups_${r.level} r${opts.rollupJoin ?? ''}
         WHERE r.bucket >= ${add(r.from)} AND r.bucket < ${add(r.to)} AND r.source = 'PRODUCTION'${promptCond('r')}${group}`,
      );
    }
    for (const r of plan.raw) {
      out.push(
        `SELECT ${part.slice} AS slice, ${rawSelect} FROM traces t
         WHERE t.created_at >= ${add(r.from)} AND t.created_at < ${add(r.to)} AND t.source = 'PRODUCTION'${promptCond('t')}${opts.rawWhere ? ` AND ${opts.rawWhere}` : ''}${group}`,
      );
    }
  }
  return out;
}

/** Each part's value and sample count; parts without traffic are absent. */
async function measureParts(reader: TraceMetricReader, metric: TraceMetric, parts: Part[], prompt: string | null, memo: TickMemo): Promise<Map<number, MetricSample>> {
  if (metric === 'p95_latency') {
    const m = await memoized(
      memo.p95,
      parts,
      prompt,
      async (missing) => {
        const sums = await memoized(memo.sums, missing, prompt, (m2) => reader.sums(m2, prompt), EMPTY_SUMS);
        return reader.p95(
          missing,
          prompt,
          [...sums.values()].reduce((a, x) => a + x.requests, 0),
        );
      },
      { value: null, samples: 0 },
    );
    for (const [k, v] of m) if (v.samples === 0) m.delete(k);
    return m;
  }
  const sums = await memoized(memo.sums, parts, prompt, (missing) => reader.sums(missing, prompt), EMPTY_SUMS);
  const out = new Map<number, MetricSample>();
  for (const [slice, s] of sums) {
    if (s.requests === 0) continue;
    const v = metric === 'cost' ? s.costMicros / 1_000_000 : metric === 'error_rate' ? s.failed / s.requests : s.triggered / s.requests;
    out.set(slice, { value: v, samples: s.requests });
  }
  return out;
}

/**
 * Measures a scheduled metric for a rule at `now`: the rule's window [now - window, now), and for
 * a deviation condition the trailing baseline [now - window - baseline, now - window), whole
 * (ratio) or in window-sized slices (z-score). Trace metrics read the rollups (whole hours and days)
 * plus the raw traces of the partial hours at the edges, unless `source` is `raw`; a range already
 * read this tick (`memo`) is not read again. From the rollups, a baseline of whole hours (ratio) and
 * baseline slices of whole hours (z-score) end at the start of the hour the window starts in, not at
 * the window's start: the same trailing baseline, shifted by less than an hour, read without a scan.
 * `reader` is the trace store those ranges are read from (PostgreSQL unless given; `source: 'raw'`,
 * the reference, and eval_score always read PostgreSQL).
 */
export async function measure(
  db: DataSource,
  metric: Exclude<ScheduledMetric, 'drift'>,
  c: MetricCondition,
  ruleWindow: string,
  now: Date,
  source: MetricSource = 'rollups',
  memo: TickMemo = new TickMemo(),
  reader: TraceMetricReader = new PostgresTraceMetricReader(db),
): Promise<Measurement> {
  if (metric !== 'eval_score' && source === 'rollups') return measureFromRollups(reader, metric, c, ruleWindow, now, memo);
  const w = windowMs(ruleWindow);
  const from = new Date(now.getTime() - w);
  const params = (a: Date, b: Date): unknown[] =>
    metric === 'eval_score' ? [a.toISOString(), b.toISOString(), c.prompt ?? null, c.evalSet ?? null] : [a.toISOString(), b.toISOString(), c.prompt ?? null];
  const [cur] = (await db.query(aggregateSql(metric, false), params(from, now))) as Row[];
  const out: Measurement = { current: sample(cur) };
  if (c.ratio === undefined && c.zScore === undefined) return out;

  const bMs = baselineMs(c, ruleWindow);
  const bFrom = new Date(from.getTime() - bMs);
  if (c.ratio !== undefined) {
    const [b] = (await db.query(aggregateSql(metric, false), params(bFrom, from))) as Row[];
    const s = sample(b);
    // Spend grows with time: compare one window's worth of the baseline's spend.
    if (metric === 'cost' && s.value !== null) s.value = (s.value * w) / bMs;
    out.baseline = s;
    return out;
  }
  const rows = (await db.query(aggregateSql(metric, true), [...params(bFrom, from), w])) as Row[];
  return { ...out, slices: slicesOf(metric, c, bMs, w, new Map(rows.map((r) => [Number(r.slice), sample(r)]))) };
}

/** The baseline's window-sized slices, oldest first (slice k is the k-th window before the rule's). */
function slicesOf(metric: Exclude<ScheduledMetric, 'drift'>, c: MetricCondition, bMs: number, w: number, bySlice: Map<number, MetricSample>): MetricSample[] {
  const n = Math.max(1, Math.floor(bMs / w));
  const slices: MetricSample[] = [];
  for (let k = n - 1; k >= 0; k--) {
    const s = bySlice.get(k) ?? { value: null, samples: 0 };
    // A window without traffic spent nothing: a real 0 for cost; for rates it has no value.
    slices.push(metric === 'cost' && s.samples === 0 ? { value: 0, samples: Math.max(c.minSamples ?? 1, 1) } : s);
  }
  return slices;
}

async function measureFromRollups(reader: TraceMetricReader, metric: TraceMetric, c: MetricCondition, ruleWindow: string, now: Date, memo: TickMemo): Promise<Measurement> {
  const w = windowMs(ruleWindow);
  const from = new Date(now.getTime() - w);
  const prompt = c.prompt ?? null;
  const none: MetricSample = { value: null, samples: 0 };
  const current = (m: Map<number, MetricSample>) => m.get(-1) ?? none;
  if (c.ratio === undefined && c.zScore === undefined) return { current: current(await measureParts(reader, metric, [{ slice: -1, from, to: now }], prompt, memo)) };
  const bMs = baselineMs(c, ruleWindow);
  if (c.ratio !== undefined) {
    // A baseline of whole hours ends at the hour the window starts in, so that it is read from the rollups alone.
    const bTo = bMs % HOUR_MS === 0 ? floorHour(from) : from;
    const m = await measureParts(
      reader,
      metric,
      [
        { slice: -1, from, to: now },
        { slice: 0, from: new Date(bTo.getTime() - bMs), to: bTo },
      ],
      prompt,
      memo,
    );
    const b = m.get(0) ?? none;
    // Spend grows with time: compare one window's worth of the baseline's spend.
    if (metric === 'cost' && b.value !== null) b.value = (b.value * w) / bMs;
    return { current: current(m), baseline: b };
  }
  const n = Math.max(1, Math.floor(bMs / w));
  // Slices of whole hours are aligned to the hour the window starts in: each is then read from the rollups alone.
  const sTo = w % HOUR_MS === 0 ? floorHour(from) : from;
  const parts: Part[] = [{ slice: -1, from, to: now }];
  for (let k = 0; k < n; k++) parts.push({ slice: k, from: new Date(sTo.getTime() - (k + 1) * w), to: new Date(sTo.getTime() - k * w) });
  const m = await measureParts(reader, metric, parts, prompt, memo);
  return { current: current(m), slices: slicesOf(metric, c, bMs, w, m) };
}
