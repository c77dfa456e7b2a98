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

/**
 * Bins of a sketch: key -> count. A Map, not an object: integer-like keys would make V8 allocate an
 * array as long as the largest key for every sketch. Sent to PostgreSQL as `sketchArray`.
 */
export type SketchBins = Map<number, number>;

/**
 * A sketch as PostgreSQL stores it: a two-dimensional `int8[]` of `{key, count}` pairs (`{{285,3},{-1000000,1}}`;
 * `{}` when empty). A stored sketch may hold a key more than once: the rollup upserts append a batch's
 * pairs (`||`, no per-key work) and compact only now and then (`trace_bins_compact`); every reader
 * sums the counts of a key.
 */
export function sketchArray(bins: SketchBins): string {
  let out = '';
  for (const [k, n] of bins) out += `${out ? ',' : ''}{${k},${n}}`;
  return `{${out}}`;
}

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

/**
 * The dimensions of `trace_latency_rollups_<level>`: every rolled-up dimension alone, and '' (all
 * traffic). A latency query grouping by at most one of them, without other filters than the time
 * range and source, reads these rows: one per (bucket, value) instead of one per combination of
 * every dimension, so percentiles over long ranges merge far fewer sketches.
 */
export const LATENCY_DIMS = ['', 'prompt', 'prompt_version', 'label', 'model_id', 'route_rule', 'api_key'] as const;
export type LatencyDim = (typeof LATENCY_DIMS)[number];

/**
 * The pairs of dimensions that `trace_latency_rollups_<level>` also keeps (`dim`, `dim2`, each pair
 * once, in `LATENCY_DIMS` order): every pair of the six rolled-up dimensions. A latency query whose
 * grouping and filters name two of them reads one row per (bucket, value, value2).
 */
export const LATENCY_PAIRS: ReadonlyArray<readonly [LatencyDim, LatencyDim]> = LATENCY_DIMS.slice(1).flatMap((a, i) => LATENCY_DIMS.slice(i + 2).map((b) => [a, b] as const));

/** One row of `trace_latency_rollups_<level>`, as a delta to add. */
export interface LatencyRollupDelta {
  bucket: Date;
  source: string;
  dim: LatencyDim;
  /** The dimension's value as text (null for '' and for a null value). */
  value: string | null;
  /** The second dimension of a pair row; '' on a single-dimension row. */
  dim2: LatencyDim;
  /** The second dimension's value as text (null on a single-dimension row and for a null value). */
  value2: string | null;
  requests: number;
  latencyCount: number;
  latencySum: number;
  latencyBins: SketchBins;
  ttftBins: SketchBins;
}

/** The deltas of one batch at one level, each list in key order. */
export interface RollupDeltas {
  rollups: RollupDelta[];
  guardrails: GuardrailRollupDelta[];
  latency: LatencyRollupDelta[];
}

/** A record as written: its stored `created_at` is `createdAt` or the enqueue time. */
export interface WrittenRecord {
  record: ValidTraceRecord;
  at: Date;
}

/** The two rollup levels: `trace_rollups_<level>` and `trace_guardrail_rollups_<level>`, buckets of this many ms (UTC). */
export const ROLLUP_LEVELS = { hourly: 3_600_000, daily: 86_400_000 } as const;
export type RollupLevel = keyof typeof ROLLUP_LEVELS;

/** Field separator of a rollup key; a string holding it (or the escape) is escaped, so keys never collide. */
const SEP = '\u0001';
const ESCAPES = /[\u0001\u0002]/;
const part = (v: string | null): string => (v === null ? '\u0002n' : ESCAPES.test(v) ? v.replace(/[\u0001\u0002]/g, (c) => (c === SEP ? '\u0002a' : '\u0002b')) : v);

/** The rolled-up dimensions of a record (every key column but the bucket), as one collision-free string. */
function dimsKey(r: ValidTraceRecord): string {
  return (
    part(r.prompt) +
    SEP +
    (r.promptVersion === null ? '\u0002n' : String(r.promptVersion)) +
    SEP +
    part(r.label) +
    SEP +
    part(r.modelId) +
    SEP +
    part(r.routeRule ?? null) +
    SEP +
    part(r.apiKey) +
    SEP +
    r.status +
    SEP +
    (r.cached ? 't' : 'f') +
    SEP +
    r.source
  );
}

function dimsOf(r: ValidTraceRecord, bucket: number): RollupDims {
  return {
    bucket: new Date(bucket),
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

const addBin = (bins: SketchBins, value: number) => {
  const k = sketchKey(value);
  bins.set(k, (bins.get(k) ?? 0) + 1);
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

/** A delta with the key it sorts by (bucket, then the dimensions: `${bucket}${SEP}${dimsKey}`). */
interface Keyed<T> {
  key: string;
  /** The rolled-up dimensions as one string (`dimsKey`), shared by a record's deltas at every level. */
  dims: string;
  delta: T;
}

/**
 * A delta of these dimensions with zero sums. Written out field by field: V8 (Node 20) copies a
 * spread of a many-field object (`{ ...dims, requests: 0, ... }`) tens of µs at a time, which was
 * most of the writer's CPU per trace.
 */
const emptySums = (dims: RollupDims): RollupDelta => ({
  bucket: dims.bucket,
  prompt: dims.prompt,
  promptVersion: dims.promptVersion,
  label: dims.label,
  modelId: dims.modelId,
  routeRule: dims.routeRule,
  apiKey: dims.apiKey,
  status: dims.status,
  cached: dims.cached,
  source: dims.source,
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
  latencyBins: new Map(),
  ttftBins: new Map(),
});

/** A guardrail delta of these dimensions and trigger, with zero counts (field by field: see `emptySums`). */
const guardrailDelta = (d: RollupDims, policy: string, kind: string | null, direction: string): GuardrailRollupDelta => ({
  bucket: d.bucket,
  prompt: d.prompt,
  promptVersion: d.promptVersion,
  label: d.label,
  modelId: d.modelId,
  routeRule: d.routeRule,
  apiKey: d.apiKey,
  status: d.status,
  cached: d.cached,
  source: d.source,
  policy,
  kind,
  direction,
  triggered: 0,
  blocked: 0,
  anonymized: 0,
});

/** Adds the counts of `from` to `into` (keys new to `into` appended in `from`'s order: `sketchArray` writes them in that order). */
const mergeBins = (into: SketchBins, from: SketchBins) => {
  if (!into.size) {
    for (const [k, n] of from) into.set(k, n);
    return;
  }
  for (const [k, n] of from) {
    const had = into.get(k);
    into.set(k, had === undefined ? n : had + n);
  }
};

/** Adds the sums and bins of `d` to `into` (a delta of the same dimensions, at a coarser bucket). */
function addDelta(into: RollupDelta, d: RollupDelta): void {
  into.requests += d.requests;
  into.inputTokens += d.inputTokens;
  into.outputTokens += d.outputTokens;
  into.cacheReadTokens += d.cacheReadTokens;
  into.cacheWriteTokens += d.cacheWriteTokens;
  into.costMicros += d.costMicros;
  into.costSystemMicros += d.costSystemMicros;
  into.costContextMicros += d.costContextMicros;
  into.costHistoryMicros += d.costHistoryMicros;
  into.costInputMicros += d.costInputMicros;
  into.costOutputMicros += d.costOutputMicros;
  into.costCacheReadMicros += d.costCacheReadMicros;
  into.costCacheWriteMicros += d.costCacheWriteMicros;
  into.savedMicros += d.savedMicros;
  into.latencyCount += d.latencyCount;
  into.latencySum += d.latencySum;
  mergeBins(into.latencyBins, d.latencyBins);
  mergeBins(into.ttftBins, d.ttftBins);
}

/** The null value of a latency key part (`part(null)`). */
const NULL_PART = part(null);

/**
 * Per single dimension (`LATENCY_DIMS` order) of a rollup delta: `[dim, value as text, dim + SEP +
 * part(value)]`, the last being that dimension's piece of a latency key, built once a delta and shared
 * by its single row and its pair rows.
 */
function latencyValues(d: RollupDims): Array<[LatencyDim, string | null, string]> {
  const v = (dim: LatencyDim, value: string | null): [LatencyDim, string | null, string] => [dim, value, dim + SEP + part(value)];
  return [
    v('', null),
    v('prompt', d.prompt),
    v('prompt_version', d.promptVersion === null ? null : String(d.promptVersion)),
    v('label', d.label),
    v('model_id', d.modelId),
    v('route_rule', d.routeRule),
    v('api_key', d.apiKey),
  ];
}

const byKey = <T>(xs: Iterable<Keyed<T>>): T[] => [...xs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((x) => x.delta);

/**
 * The latency deltas of one level, merged from its rollup deltas (a trace's latency counts in the
 * latency row of each single dimension and pair exactly as in the rollup row of all its dimensions).
 */
function latencyFromRollups(rollups: Iterable<Keyed<RollupDelta>>): Keyed<LatencyRollupDelta>[] {
  const latency = new Map<string, Keyed<LatencyRollupDelta>>();
  // The key of a row: `${bucket}${SEP}${source}${SEP}${dim}${SEP}${part(value)}${SEP}${dim2}${SEP}${part(value2)}`.
  const add = (d: RollupDelta, lk: string, dim: LatencyDim, value: string | null, dim2: LatencyDim, value2: string | null) => {
    let l = latency.get(lk);
    if (!l) {
      l = { key: lk, dims: '', delta: { bucket: d.bucket, source: d.source, dim, value, dim2, value2, requests: 0, latencyCount: 0, latencySum: 0, latencyBins: new Map(), ttftBins: new Map() } };
      latency.set(lk, l);
    }
    l.delta.requests += d.requests;
    l.delta.latencyCount += d.latencyCount;
    l.delta.latencySum += d.latencySum;
    mergeBins(l.delta.latencyBins, d.latencyBins);
    mergeBins(l.delta.ttftBins, d.ttftBins);
  };
  const single = SEP + '' + SEP + NULL_PART;
  // Every trace counts in its per-dimension and per-pair rows (requests), with or without a latency.
  for (const { delta: d } of rollups) {
    const values = latencyValues(d);
    const prefix = `${d.bucket.getTime()}${SEP}${d.source}${SEP}`;
    for (const [dim, value, piece] of values) add(d, prefix + piece + single, dim, value, '', null);
    // Pairs: values[1..6] are the six dimensions in LATENCY_DIMS order, as LATENCY_PAIRS.
    for (let i = 1; i < values.length; i++) {
      const [dim, value, piece] = values[i]!;
      const head = prefix + piece + SEP;
      for (let j = i + 1; j < values.length; j++) add(d, head + values[j]![2], dim, value, values[j]![0], values[j]![1]);
    }
  }
  return [...latency.values()];
}

/**
 * Folds written records into the rollup deltas of every level (pure). Each record is folded once,
 * into its hour; the daily deltas are the hourly ones merged by day, and the latency deltas of a
 * level are its rollup deltas merged per single dimension: per-record work does not grow with the
 * levels and dimensions, only per-delta work does (a batch has far fewer deltas than records).
 * Each list is in key order (bucket, then dimensions), so concurrent writers lock shared rows in
 * the same order.
 */
export function batchRollupDeltas(rows: WrittenRecord[]): Record<RollupLevel, RollupDeltas> {
  const hour = ROLLUP_LEVELS.hourly;
  const day = ROLLUP_LEVELS.daily;
  const hourly = new Map<string, Keyed<RollupDelta>>();
  const hourlyGuardrails = new Map<string, Keyed<GuardrailRollupDelta> & { trigger: string }>();
  const hours = new Map<number, Map<string, Keyed<RollupDelta>>>();
  let lastHour = NaN;
  let inHour: Map<string, Keyed<RollupDelta>> | undefined;
  for (const w of rows) {
    const r = w.record;
    const bucket = Math.floor((r.createdAt ?? w.at).getTime() / hour) * hour;
    const dims = dimsKey(r);
    // Looked up by hour, then dimensions: the sort key (hour and dimensions as one string) is built once a delta, not once a record.
    if (bucket !== lastHour) {
      lastHour = bucket;
      inHour = hours.get(bucket);
      if (!inHour) hours.set(bucket, (inHour = new Map()));
    }
    let k = inHour!.get(dims);
    if (!k) {
      const key = `${bucket}${SEP}${dims}`;
      k = { key, dims, delta: emptySums(dimsOf(r, bucket)) };
      hourly.set(key, k);
      inHour!.set(dims, k);
    }
    const key = k.key;
    const d = k.delta;
    d.requests++;
    const u = r.usage;
    if (u) {
      d.inputTokens += u.inputTokens;
      d.outputTokens += u.outputTokens;
      d.cacheReadTokens += u.cacheReadTokens;
      d.cacheWriteTokens += u.cacheWriteTokens;
    }
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
    if (!r.guardrailEvents.length) continue;
    for (const [tk, t] of guardrailTriggers(r)) {
      const gk = `${key}${SEP}${tk}`;
      let g = hourlyGuardrails.get(gk);
      if (!g) {
        g = {
          key: gk,
          dims,
          trigger: tk,
          delta: guardrailDelta(dimsOf(r, bucket), t.policy, t.kind, t.direction),
        };
        hourlyGuardrails.set(gk, g);
      }
      g.delta.triggered++;
      if (t.blocked) g.delta.blocked++;
      if (t.anonymized) g.delta.anonymized++;
    }
  }
  // Days from hours.
  const daily = new Map<string, Keyed<RollupDelta>>();
  for (const h of hourly.values()) {
    const at = Math.floor(h.delta.bucket.getTime() / day) * day;
    const key = `${at}${SEP}${h.dims}`;
    let k = daily.get(key);
    if (!k) {
      k = { key, dims: h.dims, delta: emptySums(dimsOfDelta(h.delta, new Date(at))) };
      daily.set(key, k);
    }
    addDelta(k.delta, h.delta);
  }
  const dailyGuardrails = new Map<string, Keyed<GuardrailRollupDelta>>();
  for (const h of hourlyGuardrails.values()) {
    const at = Math.floor(h.delta.bucket.getTime() / day) * day;
    const key = `${at}${SEP}${h.dims}${SEP}${h.trigger}`;
    let g = dailyGuardrails.get(key);
    if (!g) {
      g = { key, dims: h.dims, delta: guardrailDelta(dimsOfDelta(h.delta, new Date(at)), h.delta.policy, h.delta.kind, h.delta.direction) };
      dailyGuardrails.set(key, g);
    }
    g.delta.triggered += h.delta.triggered;
    g.delta.blocked += h.delta.blocked;
    g.delta.anonymized += h.delta.anonymized;
  }
  const hourlyLatency = latencyFromRollups(hourly.values());
  return {
    hourly: { rollups: byKey(hourly.values()), guardrails: byKey(hourlyGuardrails.values()), latency: byKey(hourlyLatency) },
    daily: {
      rollups: byKey(daily.values()),
      guardrails: byKey(dailyGuardrails.values()),
      latency: byKey(oneHourADay(hourly.values(), day) ? latencyAtDays(hourlyLatency, day) : latencyFromRollups(daily.values())),
    },
  };
}

/** True when the batch's hourly deltas fall in at most one hour of each day (a live batch: seconds of traffic). */
function oneHourADay(hourly: Iterable<Keyed<RollupDelta>>, day: number): boolean {
  const hourOf = new Map<number, number>();
  for (const { delta } of hourly) {
    const t = delta.bucket.getTime();
    const at = Math.floor(t / day) * day;
    const seen = hourOf.get(at);
    if (seen === undefined) hourOf.set(at, t);
    else if (seen !== t) return false;
  }
  return true;
}

/**
 * The daily latency deltas when each day of the batch holds one hour (`oneHourADay`): then each daily
 * rollup delta is one hourly delta moved to its day (the same sums, its bins in the same order, the
 * deltas in the same order), so `latencyFromRollups(daily)` would fold exactly what it folded for the
 * hours. Its hourly latency deltas moved to their day (bins copied) are that result, without folding
 * every rollup delta into 22 latency rows a second time.
 */
function latencyAtDays(hourly: Keyed<LatencyRollupDelta>[], day: number): Keyed<LatencyRollupDelta>[] {
  return hourly.map(({ key, delta: d }) => {
    const hour = d.bucket.getTime();
    const at = Math.floor(hour / day) * day;
    return {
      key: String(at) + key.slice(String(hour).length),
      dims: '',
      delta: {
        bucket: new Date(at),
        source: d.source,
        dim: d.dim,
        value: d.value,
        dim2: d.dim2,
        value2: d.value2,
        requests: d.requests,
        latencyCount: d.latencyCount,
        latencySum: d.latencySum,
        latencyBins: new Map(d.latencyBins),
        ttftBins: new Map(d.ttftBins),
      },
    };
  });
}

/** The dimensions of a delta (a copy, without its sums), at another bucket. */
function dimsOfDelta(d: RollupDims, bucket: Date): RollupDims {
  return {
    bucket,
    prompt: d.prompt,
    promptVersion: d.promptVersion,
    label: d.label,
    modelId: d.modelId,
    routeRule: d.routeRule,
    apiKey: d.apiKey,
    status: d.status,
    cached: d.cached,
    source: d.source,
  };
}

/** Folds written records into the rollup deltas of one level (see `batchRollupDeltas`). */
export function rollupDeltas(rows: WrittenRecord[], level: RollupLevel = 'hourly'): RollupDeltas {
  return batchRollupDeltas(rows)[level];
}

/** A rollup column: its name, SQL type, and the delta field it is read from (a `json_to_recordset` column). */
type Cell = [column: string, type: string, field: string];

const DIM_CELLS: Cell[] = [
  ['bucket', 'timestamptz', 'bucket'],
  ['prompt', 'text', 'prompt'],
  ['prompt_version', 'int', 'promptVersion'],
  ['label', 'text', 'label'],
  ['model_id', 'text', 'modelId'],
  ['route_rule', 'text', 'routeRule'],
  ['api_key', 'text', 'apiKey'],
  ['status', 'text', 'status'],
  ['cached', 'boolean', 'cached'],
  ['source', 'text', 'source'],
];

const SUM_CELLS: Cell[] = [
  ['requests', 'bigint', 'requests'],
  ['input_tokens', 'bigint', 'inputTokens'],
  ['output_tokens', 'bigint', 'outputTokens'],
  ['cache_read_tokens', 'bigint', 'cacheReadTokens'],
  ['cache_write_tokens', 'bigint', 'cacheWriteTokens'],
  ['cost_micros', 'bigint', 'costMicros'],
  ['cost_system_micros', 'bigint', 'costSystemMicros'],
  ['cost_context_micros', 'bigint', 'costContextMicros'],
  ['cost_history_micros', 'bigint', 'costHistoryMicros'],
  ['cost_input_micros', 'bigint', 'costInputMicros'],
  ['cost_output_micros', 'bigint', 'costOutputMicros'],
  ['cost_cache_read_micros', 'bigint', 'costCacheReadMicros'],
  ['cost_cache_write_micros', 'bigint', 'costCacheWriteMicros'],
  ['saved_micros', 'bigint', 'savedMicros'],
  ['latency_count', 'bigint', 'latencyCount'],
  ['latency_sum', 'float8', 'latencySum'],
];

/** Sketches travel as array text (`sketchArray`) inside the deltas' JSON, and are parsed into `int8[]`. */
const BIN_CELLS: Cell[] = [
  ['latency_bins', 'text', 'latencyBins'],
  ['ttft_bins', 'text', 'ttftBins'],
];

const GUARDRAIL_CELLS: Cell[] = [
  ['policy', 'text', 'policy'],
  ['kind', 'text', 'kind'],
  ['direction', 'text', 'direction'],
  ['triggered', 'bigint', 'triggered'],
  ['blocked', 'bigint', 'blocked'],
  ['anonymized', 'bigint', 'anonymized'],
];

const DIM_LIST = ROLLUP_KEY_COLUMNS.join(', ');

/**
 * `INSERT INTO table (...) SELECT ... FROM json_to_recordset($n)`: the deltas travel as one JSON
 * parameter (one native JSON.stringify instead of a bind parameter per cell), in key order (sorted
 * by `rollupDeltas`), so concurrent writers lock shared rows in the same order.
 */
function fromJson(table: string, cells: Cell[], param: string): string {
  const bins = cells.filter(([c]) => c.endsWith('_bins'));
  const cols = [...cells.map(([c]) => c), ...(bins.length ? ['bins_compacted'] : [])].join(', ');
  const defs = cells.map(([, type, field]) => `"${field}" ${type}`).join(', ');
  const values = cells.map(([c, , f]) => (c.endsWith('_bins') ? `b."${f}"` : `x."${f}"`));
  if (!bins.length) return `INSERT INTO ${table} AS r (${cols}) SELECT ${values.join(', ')} FROM json_to_recordset(${param}::json) AS x(${defs})`;
  // A delta's sketches hold each key once: compact as they are (bins_compacted). Parsed once a row (OFFSET 0 keeps the subquery apart).
  values.push(bins.map(([, , f]) => `cardinality(b."${f}")`).join(' + '));
  const parsed = bins.map(([, , f]) => `x."${f}"::int8[] AS "${f}"`).join(', ');
  return `INSERT INTO ${table} AS r (${cols}) SELECT ${values.join(', ')} FROM json_to_recordset(${param}::json) AS x(${defs}), LATERAL (SELECT ${parsed} OFFSET 0) b`;
}

/**
 * Elements of a row's stored sketches (both columns, stored and new) past which an upsert compacts
 * them: more than twice their size after the last compaction (`bins_compacted`) plus this slack.
 */
export const SKETCH_COMPACT_SLACK = 128;

/**
 * The sketch columns of an upsert: the stored pairs and the delta's are appended (`||`: a copy, no
 * per-key work; `trace_sketch_merge` on jsonb was tens of µs a column and most of the upserts' time),
 * and compacted (`trace_bins_compact`: a key once, counts summed) only once both columns have more
 * than doubled since the last compaction, so compaction costs at most about twice the appending and a
 * stored sketch stays under about twice its compact size. Answers never depend on when it ran.
 * One multi-column assignment from a sub-select (each level kept apart by `OFFSET 0`, so no
 * expression is copied into another): each column is compacted once and `bins_compacted` is the size
 * of those results (computed apart, each compaction ran twice: it was most of the upserts' CPU).
 */
function binSetSql(): string[] {
  const total = `cardinality(r.latency_bins) + cardinality(r.ttft_bins) + cardinality(EXCLUDED.latency_bins) + cardinality(EXCLUDED.ttft_bins)`;
  const col = (c: string) => `CASE WHEN x.full THEN trace_bins_compact(r.${c} || EXCLUDED.${c}) ELSE r.${c} || EXCLUDED.${c} END AS ${c}`;
  return [
    `(latency_bins, ttft_bins, bins_compacted) = (SELECT s.latency_bins, s.ttft_bins, CASE WHEN s.full THEN cardinality(s.latency_bins) + cardinality(s.ttft_bins) ELSE r.bins_compacted END
      FROM (SELECT x.full, ${col('latency_bins')}, ${col('ttft_bins')} FROM (SELECT ${total} > 2 * r.bins_compacted + ${SKETCH_COMPACT_SLACK} AS full OFFSET 0) x OFFSET 0) s)`,
  ];
}

/** The upsert adding deltas to `trace_rollups_<level>` (sums added, sketch bins merged); the deltas are parameter `param`. */
export function upsertRollupsStatement(level: RollupLevel, param = '$1'): string {
  const sums = SUM_CELLS.map(([c]) => `${c} = r.${c} + EXCLUDED.${c}`);
  return `${fromJson(`trace_rollups_${level}`, [...DIM_CELLS, ...SUM_CELLS, ...BIN_CELLS], param)}
    ON CONFLICT (${DIM_LIST}) DO UPDATE SET ${[...sums, ...binSetSql()].join(', ')}`;
}

/** The upsert adding deltas to `trace_latency_rollups_<level>` (counts added, sketch bins merged); the deltas are parameter `param`. */
export function upsertLatencyRollupsStatement(level: RollupLevel, param = '$1'): string {
  const sums: Cell[] = [
    ['requests', 'bigint', 'requests'],
    ['latency_count', 'bigint', 'latencyCount'],
    ['latency_sum', 'float8', 'latencySum'],
  ];
  const cells: Cell[] = [
    ['bucket', 'timestamptz', 'bucket'],
    ['source', 'text', 'source'],
    ['dim', 'text', 'dim'],
    ['value', 'text', 'value'],
    ['dim2', 'text', 'dim2'],
    ['value2', 'text', 'value2'],
    ...sums,
    ...BIN_CELLS,
  ];
  const set = [...sums.map(([c]) => `${c} = r.${c} + EXCLUDED.${c}`), ...binSetSql()];
  return `${fromJson(`trace_latency_rollups_${level}`, cells, param)}
    ON CONFLICT (bucket, source, dim, value, dim2, value2) DO UPDATE SET ${set.join(', ')}`;
}

/** The upsert adding deltas to `trace_guardrail_rollups_<level>`; the deltas are parameter `param`. */
export function upsertGuardrailRollupsStatement(level: RollupLevel, param = '$1'): string {
  return `${fromJson(`trace_guardrail_rollups_${level}`, [...DIM_CELLS, ...GUARDRAIL_CELLS], param)}
    ON CONFLICT (${DIM_LIST}, policy, kind, direction) DO UPDATE SET
      triggered = r.triggered + EXCLUDED.triggered, blocked = r.blocked + EXCLUDED.blocked, anonymized = r.anonymized + EXCLUDED.anonymized`;
}

/**
 * The deltas of `trace_rollups_<level>` (or of the latency table) as the JSON parameter of their upsert,
 * each sketch as its `int8[]` text: the text `JSON.stringify(rows, replacer)` gives with a replacer
 * turning each `Map` into `sketchArray(map)`, written out directly (the replacer, called on every key
 * and value, and the `toJSON` of every bucket made this 2% of a `generateOnce` request's CPU at
 * concurrency 1, where every batch holds a trace or two). Keys in each row's own order, `undefined`
 * left out, numbers and strings as `JSON.stringify` writes them; any other value goes to
 * `JSON.stringify` itself. `trace-rollups-json.test.ts` holds it to the replacer's text.
 */
export function rollupsJson(rows: ReadonlyArray<RollupDelta | LatencyRollupDelta>): string {
  let out = '[';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as unknown as Record<string, unknown>;
    out += i ? ',{' : '{';
    let first = true;
    for (const k in r) {
      if (!Object.hasOwn(r, k)) continue;
      const v = r[k];
      let text: string;
      if (typeof v === 'number') text = Number.isFinite(v) ? String(v) : 'null';
      else if (typeof v === 'string') text = JSON.stringify(v);
      else if (v === null) text = 'null';
      else if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      else if (v instanceof Map) text = JSON.stringify(sketchArray(v as SketchBins));
      else if (v instanceof Date && !Number.isNaN(v.getTime())) text = isoJson(v);
      else text = JSON.stringify(v, jsonReplacer);
      out += `${first ? '' : ','}${keyJson(k)}:${text}`;
      first = false;
    }
    out += '}';
  }
  return `${out}]`;
}

/** A bucket as JSON text: the rows of a batch share a bucket or a few, so the last one's text is kept. */
let lastIso: { t: number; text: string } = { t: NaN, text: '' };
function isoJson(d: Date): string {
  const t = d.getTime();
  if (t !== lastIso.t) lastIso = { t, text: `"${d.toISOString()}"` };
  return lastIso.text;
}

/** The replacer `rollupsJson` stands for, for values nested deeper than a row's own fields. */
const jsonReplacer = (_k: string, v: unknown): unknown => (v instanceof Map ? sketchArray(v as SketchBins) : v);

/** A key as JSON text (the few field names of the deltas, each quoted once). */
const keyTexts = new Map<string, string>();
function keyJson(k: string): string {
  let t = keyTexts.get(k);
  if (t === undefined) {
    t = JSON.stringify(k);
    if (keyTexts.size < 256) keyTexts.set(k, t);
  }
  return t;
}

/** The upsert adding deltas to `trace_rollups_<level>` (sums added, sketch bins merged). */
export function upsertRollupsSql(rows: RollupDelta[], level: RollupLevel = 'hourly'): { sql: string; params: unknown[] } {
  return { sql: upsertRollupsStatement(level), params: [rollupsJson(rows)] };
}

/** The upsert adding deltas to `trace_guardrail_rollups_<level>`. */
export function upsertGuardrailRollupsSql(rows: GuardrailRollupDelta[], level: RollupLevel = 'hourly'): { sql: string; params: unknown[] } {
  return { sql: upsertGuardrailRollupsStatement(level), params: [JSON.stringify(rows)] };
}

/**
 * Every rollup upsert of a batch in ONE statement (one round trip): a data-modifying CTE per table,
 * the deltas of each as one JSON parameter. Tables without deltas are left out.
 */
export function upsertAllRollupsSql(deltas: Record<RollupLevel, RollupDeltas>): { sql: string; params: unknown[] } | null {
  const params: unknown[] = [];
  // Which upserts the statement holds, one bit each in ROLLUP_LEVELS order (rollups, guardrails, latency): its text is built once per combination.
  let mask = 0;
  let bit = 1;
  for (const level of Object.keys(ROLLUP_LEVELS) as RollupLevel[]) {
    const { rollups, guardrails, latency } = deltas[level];
    if (rollups.length) {
      params.push(rollupsJson(rollups));
      mask |= bit;
    }
    if (guardrails.length) {
      params.push(JSON.stringify(guardrails));
      mask |= bit << 1;
    }
    if (latency.length) {
      params.push(rollupsJson(latency));
      mask |= bit << 2;
    }
    bit <<= 3;
  }
  if (!mask) return null;
  let sql = allRollupsStatements.get(mask);
  if (sql === undefined) {
    sql = allRollupsStatement(mask);
    allRollupsStatements.set(mask, sql);
  }
  return { sql, params };
}

/** `upsertAllRollupsSql`'s statements by the mask of the upserts they hold (at most 2^6 texts, each built once). */
const allRollupsStatements = new Map<number, string>();

/** The statement of `upsertAllRollupsSql` for the upserts whose bits are set in `mask`, their parameters numbered in that order. */
function allRollupsStatement(mask: number): string {
  const ctes: string[] = [];
  let bit = 1;
  for (const level of Object.keys(ROLLUP_LEVELS) as RollupLevel[]) {
    if (mask & bit) ctes.push(upsertRollupsStatement(level, `$${ctes.length + 1}`));
    if (mask & (bit << 1)) ctes.push(upsertGuardrailRollupsStatement(level, `$${ctes.length + 1}`));
    if (mask & (bit << 2)) ctes.push(upsertLatencyRollupsStatement(level, `$${ctes.length + 1}`));
    bit <<= 3;
  }
  return `WITH ${ctes.map((c, i) => `u${i} AS (${c} RETURNING 1)`).join(', ')} SELECT 1`;
}
