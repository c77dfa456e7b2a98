import { DDSketch } from '@datadog/sketches-js';
import type { ValidTraceRecord } from './trace-record';

/**
 * Rollups: per UTC hour (and per UTC day) and per combination of the low-cardinality dimensions, the sums every
 * analytics query needs, plus DDSketch bins of latency and time-to-first-token. They are written in
 * the same transaction as the traces they count (see `PostgresTraceStore`), from exactly the rows that
 * INSERT reported as new, so a replayed batch never counts twice.
 *
 * High-cardinality dimensions (user, tags) are not rolled up; queries on them read the raw table
 * (bounded, see the analytics service).
 */

/** Relative accuracy of the latency sketches: a percentile is within 1% of a true latency of its rank. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** DDSketch's logarithmic key mapping (Datadog's @datadog/sketches-js): bins of width 2% around each value. */
export const sketchMapping = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY }).mapping;

/** Bin for zero (and sub-nanosecond) latencies, which the logarithm cannot place; sorts before every other bin. */
export const SKETCH_ZERO_KEY = -1_000_000;
const SKETCH_MIN_VALUE = 1e-6;

/**
 * The mapping's key is ceil(log2(v) * m) with m = ln 2 / ln(gamma). The SQL function
 * `trace_sketch_key()` (migration RollupsHourly) uses this same constant, so raw rows (read at the
 * edges of a time range) and rolled-up rows land in the same bins; a test checks they agree.
 */
export const SKETCH_MULTIPLIER = Math.LN2 / Math.log1p((2 * SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY));

/** The sketch bin of a latency. */
export function sketchKey(value: number): number {
  return value < SKETCH_MIN_VALUE ? SKETCH_ZERO_KEY : sketchMapping.key(value);
}

/** The value a bin stands for (within the relative accuracy of every value in the bin). */
export function sketchValue(key: number): number {
  return key === SKETCH_ZERO_KEY ? 0 : sketchMapping.value(key);
}

/** Bins of a sketch: key -> count. JSON-shaped so PostgreSQL stores it as jsonb. */
export type SketchBins = Record<string, number>;

/**
 * The DDSketch quantile (as the library computes it): the value of the first bin whose cumulative
 * count exceeds `q * (n - 1)`. `bins` must be sorted by key.
 */
export function sketchQuantile(bins: Array<[key: number, count: number]>, q: number): number | null {
  const total = bins.reduce((a, [, c]) => a + c, 0);
  if (!total) return null;
  const rank = q * (total - 1);
  let cum = 0;
  for (const [k, c] of bins) {
    cum += c;
    if (cum > rank) return sketchValue(k);
  }
  return sketchValue(bins[bins.length - 1]![0]);
}

/** The rolled-up dimensions, in key order; each is a `traces` column of the same name. */
export const ROLLUP_KEY_COLUMNS = ['bucket', 'prompt', 'prompt_version', 'label', 'model_id', 'route_rule', 'api_key', 'status', 'cached', 'source'] as const;

/** The rolled-up dimensions of a rollup row (`ROLLUP_KEY_COLUMNS`). */
export interface RollupDims {
  bucket: Date;
  prompt: string | null;
  promptVersion: number | null;
  label: string | null;
  modelId: string | null;
  routeRule: string | null;
  apiKey: string | null;
  status: string;
  cached: boolean;
  source: string;
}

/** One row of `trace_rollups_hourly`, as a delta to add. */
export interface RollupDelta extends RollupDims {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costMicros: number;
  costSystemMicros: number;
  costContextMicros: number;
  costHistoryMicros: number;
  costInputMicros: number;
  costOutputMicros: number;
  costCacheReadMicros: number;
  costCacheWriteMicros: number;
  savedMicros: number;
  latencyCount: number;
  latencySum: number;
  latencyBins: SketchBins;
  ttftBins: SketchBins;
}

/** One row of `trace_guardrail_rollups_hourly`: requests that triggered (policy, kind, direction). */
export interface GuardrailRollupDelta extends RollupDims {
  policy: string;
  kind: string | null;
  direction: string;
  triggered: number;
  blocked: number;
  anonymized: number;
}

/** A record as written: its stored `created_at` is `createdAt` or the enqueue time. */
export interface WrittenRecord {
  record: ValidTraceRecord;
  at: Date;
}

/** The two rollup levels: `trace_rollups_<level>` and `trace_guardrail_rollups_<level>`, buckets of this many ms (UTC). */
export const ROLLUP_LEVELS = { hourly: 3_600_000, daily: 86_400_000 } as const;
export type RollupLevel = keyof typeof ROLLUP_LEVELS;

function dimsOf(w: WrittenRecord, size: number): RollupDims {
  const r = w.record;
  return {
    bucket: new Date(Math.floor((r.createdAt ?? w.at).getTime() / size) * size),
    prompt: r.prompt,
    promptVersion: r.promptVersion,
    label: r.label,
    modelId: r.modelId,
    routeRule: r.routeRule ?? null,
    apiKey: r.apiKey,
    status: r.status,
    cached: r.cached,
    source: r.source,
  };
}

const keyOf = (d: RollupDims) => JSON.stringify([d.bucket.getTime(), d.prompt, d.promptVersion, d.label, d.modelId, d.routeRule, d.apiKey, d.status, d.cached, d.source]);

const addBin = (bins: SketchBins, value: number) => {
  const k = String(sketchKey(value));
  bins[k] = (bins[k] ?? 0) + 1;
};

/**
 * The guardrail triggers of one trace: per (policy, finding kind, direction), whether it triggered,
 * blocked, anonymized. A finding's own action decides; an intervention without findings counts with
 * its event action and kind null. Each trace counts at most once per triple (as `count(DISTINCT id)`).
 */
export function guardrailTriggers(r: ValidTraceRecord): Map<string, { policy: string; kind: string | null; direction: string; blocked: boolean; anonymized: boolean }> {
  const out = new Map<string, { policy: string; kind: string | null; direction: string; blocked: boolean; anonymized: boolean }>();
  for (const e of r.guardrailEvents) {
    const pairs: Array<{ kind: string | null; action: string }> = e.findings.length ? e.findings.map((f) => ({ kind: f.kind, action: f.action })) : [{ kind: null, action: e.action }];
    for (const { kind, action } of pairs) {
      if (action === 'NONE') continue;
      const k = JSON.stringify([e.policy, kind, e.direction]);
      const t = out.get(k) ?? { policy: e.policy, kind, direction: e.direction, blocked: false, anonymized: false };
      if (action === 'BLOCKED') t.blocked = true;
      if (action === 'ANONYMIZED') t.anonymized = true;
      out.set(k, t);
    }
  }
  return out;
}

/** Folds written records into rollup deltas (pure; one delta per distinct hour × dimensions). */
export function rollupDeltas(rows: WrittenRecord[], level: RollupLevel = 'hourly'): { rollups: RollupDelta[]; guardrails: GuardrailRollupDelta[] } {
  const size = ROLLUP_LEVELS[level];
  const rollups = new Map<string, RollupDelta>();
  const guardrails = new Map<string, GuardrailRollupDelta>();
  for (const w of rows) {
    const r = w.record;
    const dims = dimsOf(w, size);
    const key = keyOf(dims);
    let d = rollups.get(key);
    if (!d) {
      d = {
        ...dims,
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costMicros: 0,
        costSystemMicros: 0,
        costContextMicros: 0,
        costHistoryMicros: 0,
        costInputMicros: 0,
        costOutputMicros: 0,
        costCacheReadMicros: 0,
        costCacheWriteMicros: 0,
        savedMicros: 0,
        latencyCount: 0,
        latencySum: 0,
        latencyBins: {},
        ttftBins: {},
      };
      rollups.set(key, d);
    }
    d.requests++;
    d.inputTokens += r.usage?.inputTokens ?? 0;
    d.outputTokens += r.usage?.outputTokens ?? 0;
    d.cacheReadTokens += r.usage?.cacheReadTokens ?? 0;
    d.cacheWriteTokens += r.usage?.cacheWriteTokens ?? 0;
    d.costMicros += r.costMicros;
    const s = r.costByStage;
    if (s) {
      d.costSystemMicros += s.system;
      d.costContextMicros += s.context;
      d.costHistoryMicros += s.history;
      d.costInputMicros += s.input;
      d.costOutputMicros += s.output;
      d.costCacheReadMicros += s.cacheRead;
      d.costCacheWriteMicros += s.cacheWrite;
    }
    d.savedMicros += r.savedMicros;
    if (r.latencyMs !== null) {
      d.latencyCount++;
      d.latencySum += r.latencyMs;
      addBin(d.latencyBins, r.latencyMs);
    }
    if (r.ttftMs !== null) addBin(d.ttftBins, r.ttftMs);
    for (const [tk, t] of guardrailTriggers(r)) {
      const gk = `${key}|${tk}`;
      let g = guardrails.get(gk);
      if (!g) {
        g = { ...dims, policy: t.policy, kind: t.kind, direction: t.direction, triggered: 0, blocked: 0, anonymized: 0 };
        guardrails.set(gk, g);
      }
      g.triggered++;
      if (t.blocked) g.blocked++;
      if (t.anonymized) g.anonymized++;
    }
  }
  // Sorted by key: concurrent writers then lock the rows they share in the same order (no deadlock).
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { rollups: sorted(rollups), guardrails: sorted(guardrails) };
}

const DIM_CELLS: Array<[string, (d: RollupDelta | GuardrailRollupDelta) => unknown, string]> = [
  ['bucket', (d) => d.bucket, 'timestamptz'],
  ['prompt', (d) => d.prompt, 'text'],
  ['prompt_version', (d) => d.promptVersion, 'int'],
  ['label', (d) => d.label, 'text'],
  ['model_id', (d) => d.modelId, 'text'],
  ['route_rule', (d) => d.routeRule, 'text'],
  ['api_key', (d) => d.apiKey, 'text'],
  ['status', (d) => d.status, 'text'],
  ['cached', (d) => d.cached, 'boolean'],
  ['source', (d) => d.source, 'text'],
];

const SUM_CELLS: Array<[string, (d: RollupDelta) => unknown, string]> = [
  ['requests', (d) => d.requests, 'bigint'],
  ['input_tokens', (d) => d.inputTokens, 'bigint'],
  ['output_tokens', (d) => d.outputTokens, 'bigint'],
  ['cache_read_tokens', (d) => d.cacheReadTokens, 'bigint'],
  ['cache_write_tokens', (d) => d.cacheWriteTokens, 'bigint'],
  ['cost_micros', (d) => d.costMicros, 'bigint'],
  ['cost_system_micros', (d) => d.costSystemMicros, 'bigint'],
  ['cost_context_micros', (d) => d.costContextMicros, 'bigint'],
  ['cost_history_micros', (d) => d.costHistoryMicros, 'bigint'],
  ['cost_input_micros', (d) => d.costInputMicros, 'bigint'],
  ['cost_output_micros', (d) => d.costOutputMicros, 'bigint'],
  ['cost_cache_read_micros', (d) => d.costCacheReadMicros, 'bigint'],
  ['cost_cache_write_micros', (d) => d.costCacheWriteMicros, 'bigint'],
  ['saved_micros', (d) => d.savedMicros, 'bigint'],
  ['latency_count', (d) => d.latencyCount, 'bigint'],
  ['latency_sum', (d) => d.latencySum, 'float8'],
];

const BIN_CELLS: Array<[string, (d: RollupDelta) => unknown, string]> = [
  ['latency_bins', (d) => JSON.stringify(d.latencyBins), 'jsonb'],
  ['ttft_bins', (d) => JSON.stringify(d.ttftBins), 'jsonb'],
];

const GUARDRAIL_CELLS: Array<[string, (d: GuardrailRollupDelta) => unknown, string]> = [
  ['policy', (d) => d.policy, 'text'],
  ['kind', (d) => d.kind, 'text'],
  ['direction', (d) => d.direction, 'text'],
  ['triggered', (d) => d.triggered, 'bigint'],
  ['blocked', (d) => d.blocked, 'bigint'],
  ['anonymized', (d) => d.anonymized, 'bigint'],
];

function valuesSql<T>(rows: T[], cells: Array<[string, (d: T) => unknown, string]>): { tuples: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${cells.map(([, v, cast]) => (params.push(v(row)), `$${params.length}::${cast}`)).join(', ')})`).join(', ');
  return { tuples, params };
}

const DIM_LIST = ROLLUP_KEY_COLUMNS.join(', ');

/** The upsert adding deltas to `trace_rollups_<level>` (sums added, sketch bins merged). */
export function upsertRollupsSql(rows: RollupDelta[], level: RollupLevel = 'hourly'): { sql: string; params: unknown[] } {
  const cells = [...DIM_CELLS, ...SUM_CELLS, ...BIN_CELLS] as Array<[string, (d: RollupDelta) => unknown, string]>;
  const { tuples, params } = valuesSql(rows, cells);
  const sums = SUM_CELLS.map(([c]) => `${c} = r.${c} + EXCLUDED.${c}`);
  const bins = BIN_CELLS.map(([c]) => `${c} = trace_sketch_merge(r.${c}, EXCLUDED.${c})`);
  const sql = `INSERT INTO trace_rollups_${level} AS r (${cells.map(([c]) => c).join(', ')}) VALUES ${tuples}
    ON CONFLICT (${DIM_LIST}) DO UPDATE SET ${[...sums, ...bins].join(', ')}`;
  return { sql, params };
}

/** The upsert adding deltas to `trace_guardrail_rollups_<level>`. */
export function upsertGuardrailRollupsSql(rows: GuardrailRollupDelta[], level: RollupLevel = 'hourly'): { sql: string; params: unknown[] } {
  const cells = [...DIM_CELLS, ...GUARDRAIL_CELLS] as Array<[string, (d: GuardrailRollupDelta) => unknown, string]>;
  const { tuples, params } = valuesSql(rows, cells);
  const sql = `INSERT INTO trace_guardrail_rollups_${level} AS r (${cells.map(([c]) => c).join(', ')}) VALUES ${tuples}
    ON CONFLICT (${DIM_LIST}, policy, kind, direction) DO UPDATE SET
      triggered = r.triggered + EXCLUDED.triggered, blocked = r.blocked + EXCLUDED.blocked, anonymized = r.anonymized + EXCLUDED.anonymized`;
  return { sql, params };
}
