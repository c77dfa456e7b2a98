import type { ValueTransformer } from 'typeorm';

/** Micro-USD per USD: money is stored as integer micro-USD and shown as Float USD on the wire. */
export const MICROS_PER_USD = 1_000_000;

/** USD (Float, from the wire) to integer micro-USD, rounded half away from zero. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

/** Integer micro-USD to Float USD for the wire (one definition, in the providers' cost arithmetic). */
export { microsToUsd } from '../providers/cost';

/**
 * bigint columns come back from pg (and our PGlite driver) as strings; amounts here stay far below
 * 2^53 micro-USD (~$9e9), so a JS number is exact.
 */
export const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};
