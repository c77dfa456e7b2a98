/**
 * Budget period boundaries: pure functions over UTC instants. A period is the half-open interval
 * [start, end); DAILY starts at 00:00 UTC, WEEKLY on Monday 00:00 UTC, MONTHLY on the 1st 00:00 UTC,
 * and TOTAL is one period that never ends (it starts at the Unix epoch so its ledger row has a fixed key).
 */
export type BudgetPeriodKind = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'TOTAL';

const DAY_MS = 86_400_000;

/** The start of the TOTAL period: a fixed key for its single ledger row. */
export const TOTAL_PERIOD_START = new Date(0);

/** The start (inclusive) of the period of kind `period` that contains `at`. */
export function periodStart(period: BudgetPeriodKind, at: Date): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  switch (period) {
    case 'DAILY':
      return new Date(Date.UTC(y, m, d));
    case 'WEEKLY': {
      // getUTCDay(): Sunday 0 … Saturday 6; days since Monday is (day + 6) % 7.
      const sinceMonday = (at.getUTCDay() + 6) % 7;
      return new Date(Date.UTC(y, m, d) - sinceMonday * DAY_MS);
    }
    case 'MONTHLY':
      return new Date(Date.UTC(y, m, 1));
    case 'TOTAL':
      return TOTAL_PERIOD_START;
  }
}

/** The end (exclusive) of the period that starts at `start`, or null for TOTAL. */
export function periodEnd(period: BudgetPeriodKind, start: Date): Date | null {
  switch (period) {
    case 'DAILY':
      return new Date(start.getTime() + DAY_MS);
    case 'WEEKLY':
      return new Date(start.getTime() + 7 * DAY_MS);
    case 'MONTHLY':
      // Date.UTC rolls month 12 over into January of the next year.
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    case 'TOTAL':
      return null;
  }
}

/** The period containing `at`: `{ start, end }` with `end` null for TOTAL. */
export function periodOf(period: BudgetPeriodKind, at: Date): { start: Date; end: Date | null } {
  const start = periodStart(period, at);
  return { start, end: periodEnd(period, start) };
}
