import type { DataSource } from 'typeorm';
import type { Measurement, MetricSample } from './alert-condition';
import { windowMs, type MetricCondition, type ScheduledMetric } from './alert-rule.schemas';

/** Production traces only: eval cases and other sources never move a production alert. */
const TRACE_AGG: Record<Exclude<ScheduledMetric, 'eval_score'>, { value: string; samples: string; where?: string }> = {
  cost: { value: 'SUM(cost_micros)::float8 / 1000000', samples: 'COUNT(*)' },
  p95_latency: { value: 'percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)', samples: 'COUNT(latency_ms)', where: 'latency_ms IS NOT NULL' },
  error_rate: { value: "AVG(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END)::float8", samples: 'COUNT(*)' },
  guardrail_trigger_rate: { value: 'AVG(CASE WHEN jsonb_array_length(guardrail_events) > 0 THEN 1 ELSE 0 END)::float8', samples: 'COUNT(*)' },
};

/** One aggregate over [from, to), optionally cut into slices of `sliceMs` counted back from `to`. */
function aggregateSql(metric: ScheduledMetric, sliced: boolean): string {
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
export function baselineMs(c: MetricCondition, ruleWindow: string): number {
  return c.baselineWindow ? windowMs(c.baselineWindow) : Math.min(24 * windowMs(ruleWindow), 30 * 86_400_000);
}

/**
 * Measures a scheduled metric for a rule at `now`: the rule's window [now - window, now), and for
 * a deviation condition the trailing baseline [now - window - baseline, now - window), whole
 * (ratio) or in window-sized slices (z-score). Two queries at most, both on indexed time ranges.
 */
export async function measure(db: DataSource, metric: ScheduledMetric, c: MetricCondition, ruleWindow: string, now: Date): Promise<Measurement> {
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
  const n = Math.max(1, Math.floor(bMs / w));
  const bySlice = new Map(rows.map((r) => [Number(r.slice), r]));
  const slices: MetricSample[] = [];
  for (let k = n - 1; k >= 0; k--) {
    const s = sample(bySlice.get(k));
    // A window without traffic spent nothing: a real 0 for cost; for rates it has no value.
    slices.push(metric === 'cost' && s.samples === 0 ? { value: 0, samples: Math.max(c.minSamples ?? 1, 1) } : s);
  }
  out.slices = slices;
  return out;
}
