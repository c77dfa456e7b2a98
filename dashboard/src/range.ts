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

/** A bucket for a free range: hours up to 2 days, days up to 60, weeks beyond. */
export const autoBucket = (ms: number): Bucket => (ms <= 2 * DAY ? 'HOUR' : ms <= 60 * DAY ? 'DAY' : 'WEEK');

export const BUCKETS: Bucket[] = ['HOUR', 'DAY', 'WEEK', 'MONTH'];

/** A datetime-local value ("2026-12-06T14:00", read as UTC like every time the dashboard shows) or an ISO instant. */
export function parseInstant(s: string | null | undefined): Date | null {
  if (!s) return null;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.length === 16 ? `${s}:00` : s}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The datetime-local value of an instant (UTC, to the minute). */
export const toInput = (d: Date) => d.toISOString().slice(0, 16);

/** Why a free range is refused, or null when it is usable. */
export function rangeError(from: string, to: string): string | null {
  const f = parseInstant(from);
  const t = parseInstant(to);
  if (!from || !to) return 'Enter both “from” and “to”.';
  if (!f) return `“from” is not a date: ${from}`;
  if (!t) return `“to” is not a date: ${to}`;
  if (f.getTime() >= t.getTime()) return '“from” must be before “to”.';
  return null;
}

/**
 * The range a page's URL asks for: `?from=…&to=…` (a free range) or `?range=7d` (a preset, the
 * default `fallback` otherwise), and `&bucket=DAY` to override the bucket. A bad free range falls
 * back to the preset and says why.
 */
export function rangeFromParams(params: URLSearchParams, fallback: string, now = new Date()): { range: Range; preset: string | null; error: string | null } {
  const b = params.get('bucket') as Bucket | null;
  const bucket = b && BUCKETS.includes(b) ? b : null;
  const from = params.get('from');
  const to = params.get('to');
  if (from != null || to != null) {
    const error = rangeError(from ?? '', to ?? '');
    if (!error) {
      const f = parseInstant(from)!;
      const t = parseInstant(to)!;
      return { range: { from: f, to: t, bucket: bucket ?? autoBucket(t.getTime() - f.getTime()) }, preset: null, error: null };
    }
    const r = presetRange(fallback, now);
    return { range: { ...r, bucket: bucket ?? r.bucket }, preset: fallback, error };
  }
  const preset = params.get('range') && PRESETS[params.get('range')!] ? params.get('range')! : fallback;
  const r = presetRange(preset, now);
  return { range: { ...r, bucket: bucket ?? r.bucket }, preset, error: null };
}
