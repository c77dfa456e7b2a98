import { LRUCache } from 'lru-cache';

/** A sketch's bins sorted by key: `[key, count]` (what `sketchQuantile` reads). */
export type SortedBins = Array<[key: number, count: number]>;

/**
 * The bins of a stored sketch read as text, sorted by key, one entry a key: the `int8[]` pairs the
 * rollups store (`{{285,3},{-1000000,1},{285,2}}`, a key possibly more than once until the row is
 * compacted: its counts are summed) or a jsonb object (`{"285": 3}`). Both are integers in
 * (key, count) order. A hand-written scan: several times faster than a regular expression or
 * JSON.parse into an object with integer-like keys (V8 then allocates arrays as long as the largest key).
 */
export function parseSketchText(text: string): SortedBins {
  const out: SortedBins = [];
  const n = text.length;
  let i = 0;
  let c = 0;
  let sorted = true;
  for (;;) {
    // To the next key: a digit or a minus sign.
    while (i < n && ((c = text.charCodeAt(i)) < 48 || c > 57) && c !== 45) i++;
    if (i >= n) break;
    let neg = false;
    if (c === 45) {
      neg = true;
      c = text.charCodeAt(++i);
    }
    let key = 0;
    while (c >= 48 && c <= 57) {
      key = key * 10 + c - 48;
      c = text.charCodeAt(++i);
    }
    if (neg) key = -key;
    // Past the closing quote or comma, the colon and any space, to the count.
    while (i < n && (c < 48 || c > 57)) c = text.charCodeAt(++i);
    let count = 0;
    while (c >= 48 && c <= 57) {
      count = count * 10 + c - 48;
      c = text.charCodeAt(++i);
    }
    if (out.length && key <= out[out.length - 1]![0]) sorted = false;
    out.push([key, count]);
  }
  if (sorted) return out;
  // jsonb orders keys by length, then bytes; appended pairs repeat keys: sort, then sum each key's counts.
  out.sort((a, b) => a[0] - b[0]);
  let w = 0;
  for (let r = 1; r < out.length; r++) {
    if (out[r]![0] === out[w]![0]) out[w]![1] += out[r]![1];
    else out[++w] = out[r]!;
  }
  out.length = w + 1;
  return out;
}

/** Adds sorted bins into `acc` (key -> count). */
export function addBins(acc: Map<number, number>, bins: SortedBins): void {
  for (const [k, c] of bins) acc.set(k, (acc.get(k) ?? 0) + c);
}

/** Sorted bins of a key -> count map. */
export const sortBins = (bins: Map<number, number>): SortedBins => [...bins].sort((a, b) => a[0] - b[0]);

/** The two sketches of one rollup row. */
export interface RowSketches {
  l: SortedBins;
  t: SortedBins;
  /** The row's own percentiles, once computed (an HOUR bucket over hourly rows asks for exactly these). */
  percentiles?: Percentiles;
}

/** p50, p95, p99 of latency and p50, p95 of time to first token. */
export type Percentiles = [p50: number | null, p95: number | null, p99: number | null, ttftP50: number | null, ttftP95: number | null];

/** Default of `AnalyticsServiceOptions.sketchCacheRows`. */
export const SKETCH_CACHE_ROWS = 50_000;

/**
 * Parsed sketches of rollup rows, keyed by the row version that holds them: `level:ctid:xmin`. A row
 * changed by a later batch is a new tuple (new ctid and xmin), so an entry is never stale: it is
 * simply no longer asked for and ages out. Closed hours and days, which no longer change, are then
 * read from PostgreSQL without their bins, and not parsed again.
 */
export class SketchCache {
  private readonly lru: LRUCache<string, RowSketches> | null;

  /** `maxRows` 0 keeps nothing (every query reads and parses every sketch). */
  constructor(maxRows = SKETCH_CACHE_ROWS) {
    this.lru = maxRows > 0 ? new LRUCache({ max: maxRows }) : null;
  }

  get(ref: string): RowSketches | undefined {
    return this.lru?.get(ref);
  }

  set(ref: string, sketches: RowSketches): void {
    this.lru?.set(ref, sketches);
  }

  /** Rows held. */
  get size(): number {
    return this.lru?.size ?? 0;
  }
}
