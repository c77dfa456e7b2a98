import type { DriftCondition, MetricCondition, ScheduledMetric } from './alert-rule.schemas';

/** A metric computed over one time range. `value` is null when the range had no samples. */
export interface MetricSample {
  value: number | null;
  samples: number;
}

/** What the scheduler measured for a rule at one tick. */
export interface Measurement {
  /** The rule's window. */
  current: MetricSample;
  /** The whole trailing baseline window (ratio conditions); cost is scaled to one window's length. */
  baseline?: MetricSample;
  /** The baseline window cut into window-sized slices (z-score conditions), oldest first. */
  slices?: MetricSample[];
}

/** The verdict of one rule at one tick. */
export type Verdict =
  | { state: 'firing'; value: number; baseline: number | null; message: string; details: Record<string, unknown> }
  | { state: 'ok'; value: number | null; baseline: number | null }
  /** Too few samples to judge: the rule keeps its previous state. */
  | { state: 'unknown'; reason: string };

type ValueMetric = Exclude<ScheduledMetric, 'drift'>;

const UNITS: Record<ValueMetric, (v: number) => string> = {
  cost: (v) => `$${v.toFixed(v < 1 ? 4 : 2)}`,
  p95_latency: (v) => `${Math.round(v)} ms`,
  error_rate: (v) => `${(v * 100).toFixed(1)}%`,
  guardrail_trigger_rate: (v) => `${(v * 100).toFixed(1)}%`,
  eval_score: (v) => v.toFixed(3),
};

const LABELS: Record<ValueMetric, string> = {
  cost: 'spend',
  p95_latency: 'p95 latency',
  error_rate: 'error rate',
  guardrail_trigger_rate: 'guardrail trigger rate',
  eval_score: 'mean eval score',
};

/** The mean and (sample) standard deviation of some numbers. */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * Judges a rule's condition against a measurement: a pure function of the numbers (no clock, no
 * database), so each kind of condition is unit-tested alone. Fewer than `minSamples` samples in
 * the window (or, for deviations, no usable baseline) is `unknown`, never a guess.
 */
export function judge(metric: ValueMetric, c: MetricCondition, window: string, scope: string, m: Measurement): Verdict {
  const minSamples = c.minSamples ?? 1;
  const fmt = UNITS[metric];
  const what = `${LABELS[metric]}${scope} over the last ${window}`;
  const v = m.current.value;
  if (m.current.samples < minSamples || v === null) {
    return { state: 'unknown', reason: `${m.current.samples} sample(s) in the window, fewer than ${minSamples}` };
  }
  const details: Record<string, unknown> = { samples: m.current.samples, window };

  if (c.above !== undefined || c.below !== undefined) {
    const bound = (c.above ?? c.below)!;
    const hit = c.above !== undefined ? v > c.above : v < bound;
    if (!hit) return { state: 'ok', value: v, baseline: bound };
    const message = `${what} is ${fmt(v)}, ${c.above !== undefined ? 'above' : 'below'} the bound ${fmt(bound)} (${m.current.samples} samples)`;
    return { state: 'firing', value: v, baseline: bound, message, details: { ...details, bound } };
  }

  const up = (c.direction ?? 'up') === 'up';
  if (c.ratio !== undefined) {
    const b = m.baseline;
    if (!b || b.value === null || b.samples < minSamples) return { state: 'unknown', reason: 'too few samples in the baseline window' };
    // A zero baseline: any positive value is an infinite ratio up; nothing can fall below zero.
    const hit = up ? v >= c.ratio * b.value && v > b.value : v <= b.value / c.ratio && v < b.value;
    if (!hit) return { state: 'ok', value: v, baseline: b.value };
    const times = b.value > 0 ? v / b.value : Infinity;
    const message =
      `${what} is ${fmt(v)}, ${Number.isFinite(times) ? `${times.toFixed(1)}x` : 'up from 0, i.e. infinitely above'} its baseline ${fmt(b.value)} ` +
      `(the ${c.baselineWindow ?? 'trailing window'} before; rule: ${up ? 'at least' : 'at most 1/'}${c.ratio}x)`;
    return { state: 'firing', value: v, baseline: b.value, message, details: { ...details, method: 'ratio', ratio: c.ratio, baselineSamples: b.samples } };
  }

  if (c.zScore !== undefined) {
    const usable = (m.slices ?? []).filter((s): s is { value: number; samples: number } => s.value !== null && s.samples >= minSamples);
    if (usable.length < 2) return { state: 'unknown', reason: `${usable.length} baseline slice(s) with at least ${minSamples} sample(s), fewer than 2` };
    const { mean, sd } = meanSd(usable.map((s) => s.value));
    // A flat baseline (sd 0): any move away from it is an unbounded z-score in that direction.
    const z = sd > 0 ? (v - mean) / sd : v === mean ? 0 : v > mean ? Infinity : -Infinity;
    const hit = up ? z >= c.zScore : z <= -c.zScore;
    if (!hit) return { state: 'ok', value: v, baseline: mean };
    const message =
      `${what} is ${fmt(v)} against a baseline of ${fmt(mean)} ± ${fmt(sd)} over ${usable.length} earlier windows ` +
      `(z = ${Number.isFinite(z) ? z.toFixed(2) : z > 0 ? '+inf' : '-inf'}, rule: ${up ? '>=' : '<= -'}${c.zScore})`;
    return {
      state: 'firing',
      value: v,
      baseline: mean,
      message,
      details: { ...details, method: 'zscore', z: Number.isFinite(z) ? z : null, sd, slices: usable.length },
    };
  }
  return { state: 'unknown', reason: 'no condition' };
}

/** One signal of a drift report, as the drift service answers it. */
export interface DriftSignal {
  name: string;
  statistic: number | null;
  method: string;
  threshold: number | null;
  drifted: boolean;
  insufficientData: boolean;
  note: string | null;
}

/** A drift report of the rule's window against its trailing baseline. */
export interface DriftReading {
  windowCount: number;
  baselineCount: number;
  features: DriftSignal[];
}

const fmtStat = (x: number | null) => (x === null ? 'n/a' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3));

/**
 * Judges a `drift` rule (see DriftCondition) against a drift report, pure. A window with fewer than
 * `minSamples` traces, a named signal without a verdict (too few samples), or a report where no
 * signal could be judged is `unknown`: the rule keeps its state.
 */
export function judgeDrift(c: DriftCondition, window: string, baselineWindow: string, scope: string, r: DriftReading): Verdict {
  const minSamples = c.minSamples ?? 1;
  if (r.windowCount < minSamples) return { state: 'unknown', reason: `${r.windowCount} trace(s) in the window, fewer than ${minSamples}` };
  const span = `over the last ${window}${scope} against the ${baselineWindow} before`;
  const details: Record<string, unknown> = { window, baselineWindow, windowCount: r.windowCount, baselineCount: r.baselineCount };
  const describe = (f: DriftSignal) => `${f.name} (${f.method} ${fmtStat(f.statistic)}, threshold ${fmtStat(f.threshold)})`;
  if (c.feature !== undefined) {
    const f = r.features.find((x) => x.name === c.feature);
    if (!f) return { state: 'unknown', reason: `the drift report has no signal ${c.feature}` };
    if (f.insufficientData) return { state: 'unknown', reason: f.note ?? 'too few samples' };
    const value = f.statistic ?? (f.drifted ? 1 : 0);
    const hit = c.above !== undefined ? f.statistic !== null && Math.abs(f.statistic) > c.above : f.drifted;
    const bound = c.above ?? f.threshold;
    if (!hit) return { state: 'ok', value, baseline: bound };
    const message =
      `drift of ${f.name} ${span}: ${f.method} ${fmtStat(f.statistic)}, ${c.above !== undefined ? `above the bound ${fmtStat(c.above)}` : `past its threshold ${fmtStat(f.threshold)}`}` +
      ` (${r.windowCount} traces against ${r.baselineCount})${f.note ? `; ${f.note}` : ''}`;
    return { state: 'firing', value, baseline: bound, message, details: { ...details, feature: f.name, method: f.method, statistic: f.statistic, threshold: f.threshold } };
  }
  const judged = r.features.filter((f) => !f.insufficientData);
  if (!judged.length) return { state: 'unknown', reason: 'no drift signal had enough samples' };
  const drifted = judged.filter((f) => f.drifted);
  const bound = c.above ?? 0;
  if (drifted.length <= bound) return { state: 'ok', value: drifted.length, baseline: bound };
  const message = `${drifted.length} of ${judged.length} drift signals drifted ${span}: ${drifted.map(describe).join(', ')} (${r.windowCount} traces against ${r.baselineCount})`;
  return {
    state: 'firing',
    value: drifted.length,
    baseline: bound,
    message,
    details: { ...details, drifted: drifted.map((f) => ({ name: f.name, method: f.method, statistic: f.statistic, threshold: f.threshold })) },
  };
}
