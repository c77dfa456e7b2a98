/** Time ranges and buckets of the charts. */
export type Bucket = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

export interface Range {
  from: Date;
  to: Date;
  bucket: Bucket;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Presets of the range picker: how far back from now, and the bucket. */
export const PRESETS: Record<string, { ms: number; bucket: Bucket }> = {
  '24h': { ms: DAY, bucket: 'HOUR' },
  '7d': { ms: 7 * DAY, bucket: 'DAY' },
  '30d': { ms: 30 * DAY, bucket: 'DAY' },
  '90d': { ms: 90 * DAY, bucket: 'WEEK' },
};

/** The range ending at the next bucket boundary after `now` (so the last bucket is whole). */
export function presetRange(name: string, now = new Date()): Range {
  const p = PRESETS[name] ?? PRESETS['24h']!;
  const to = ceilTo(now, p.bucket === 'HOUR' ? HOUR : DAY);
  return { from: new Date(to.getTime() - p.ms), to, bucket: p.bucket };
}

const ceilTo = (d: Date, step: number) => new Date(Math.ceil(d.getTime() / step) * step);

/** The period of the same length just before. */
export const previous = (r: Range): Range => ({ from: new Date(2 * r.from.getTime() - r.to.getTime()), to: r.from, bucket: r.bucket });

/** The start of each bucket of the range (UTC, as the API buckets). */
export function bucketStarts(r: Range): number[] {
  const out: number[] = [];
  const start = floorBucket(r.from.getTime(), r.bucket);
  for (let t = start; t < r.to.getTime(); t = nextBucket(t, r.bucket)) out.push(t);
  return out;
}

export function floorBucket(t: number, b: Bucket): number {
  const d = new Date(t);
  if (b === 'HOUR') return Math.floor(t / HOUR) * HOUR;
  if (b === 'DAY') return Math.floor(t / DAY) * DAY;
  if (b === 'MONTH') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Math.floor(t / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

function nextBucket(t: number, b: Bucket): number {
  if (b === 'HOUR') return t + HOUR;
  if (b === 'DAY') return t + DAY;
  if (b === 'WEEK') return t + 7 * DAY;
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The filter part of a range. */
export const filterOf = (r: Range, extra: Record<string, unknown> = {}) => ({ from: r.from.toISOString(), to: r.to.toISOString(), ...extra });

/**
 * costBreakdown names at least one dimension: the dashboard groups by MODEL (every trace has exactly
 * one, null included) and adds the groups of each bucket up, which is exact for counts and money.
 */
export function sumByBucket<R extends { bucket?: string | null }>(rows: R[], add: (into: R, row: R) => void): R[] {
  const m = new Map<string, R>();
  for (const row of rows) {
    const k = row.bucket ?? '';
    const into = m.get(k);
    if (into) add(into, row);
    else m.set(k, structuredClone(row));
  }
  return [...m.values()];
}
