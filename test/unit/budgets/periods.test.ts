import { periodEnd, periodOf, periodStart, TOTAL_PERIOD_START } from '../../../src/budgets/periods';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('budget periods (UTC boundaries)', () => {
  it('DAILY starts at 00:00 UTC and rolls over exactly at midnight UTC', () => {
    expect(iso(periodStart('DAILY', at('2026-11-25T23:59:59.999Z')))).toBe('2026-11-25T00:00:00.000Z');
    expect(iso(periodStart('DAILY', at('2026-11-26T00:00:00.000Z')))).toBe('2026-11-26T00:00:00.000Z');
    expect(iso(periodEnd('DAILY', at('2026-11-25T00:00:00.000Z')))).toBe('2026-11-26T00:00:00.000Z');
    // A local-time offset in the input changes nothing: 2026-11-25T23:30-05:00 is already the 26th in UTC.
    expect(iso(periodStart('DAILY', new Date('2026-11-25T23:30:00-05:00')))).toBe('2026-11-26T00:00:00.000Z');
  });

  it('DAILY crosses month and year ends', () => {
    expect(periodOf('DAILY', at('2026-01-31T12:00:00Z'))).toEqual({ start: at('2026-01-31T00:00:00Z'), end: at('2026-02-01T00:00:00Z') });
    expect(periodOf('DAILY', at('2026-12-31T23:00:00Z'))).toEqual({ start: at('2026-12-31T00:00:00Z'), end: at('2027-01-01T00:00:00Z') });
  });

  it('WEEKLY starts on Monday 00:00 UTC, whatever the weekday', () => {
    // 2026-11-23 is a Monday.
    for (const day of ['2026-11-23T00:00:00Z', '2026-11-25T10:00:00Z', '2026-11-28T12:00:00Z', '2026-11-29T23:59:59.999Z']) {
      expect(iso(periodStart('WEEKLY', at(day)))).toBe('2026-11-23T00:00:00.000Z');
    }
    expect(iso(periodStart('WEEKLY', at('2026-11-30T00:00:00Z')))).toBe('2026-11-30T00:00:00.000Z');
    expect(iso(periodEnd('WEEKLY', at('2026-11-23T00:00:00Z')))).toBe('2026-11-30T00:00:00.000Z');
    expect(at('2026-11-23T00:00:00Z').getUTCDay()).toBe(1);
  });

  it('WEEKLY spans month and year ends (the week of 2027-01-01 starts on Monday 2026-12-28)', () => {
    expect(periodOf('WEEKLY', at('2027-01-01T08:00:00Z'))).toEqual({ start: at('2026-12-28T00:00:00Z'), end: at('2027-01-04T00:00:00Z') });
    // Sunday 2024-03-03 belongs to the week that began on Monday 2024-02-26 (leap February).
    expect(iso(periodStart('WEEKLY', at('2024-03-03T20:00:00Z')))).toBe('2024-02-26T00:00:00.000Z');
  });

  it('MONTHLY starts on the 1st 00:00 UTC and ends on the 1st of the next month', () => {
    expect(periodOf('MONTHLY', at('2026-11-30T23:59:59.999Z'))).toEqual({ start: at('2026-11-01T00:00:00Z'), end: at('2026-12-01T00:00:00Z') });
    expect(iso(periodStart('MONTHLY', at('2026-12-01T00:00:00Z')))).toBe('2026-12-01T00:00:00.000Z');
    expect(periodOf('MONTHLY', at('2026-12-31T23:59:59Z'))).toEqual({ start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') });
    expect(periodOf('MONTHLY', at('2026-04-30T10:00:00Z')).end).toEqual(at('2026-05-01T00:00:00Z'));
  });

  it('MONTHLY handles February in leap and common years', () => {
    expect(periodOf('MONTHLY', at('2024-02-29T23:59:59Z'))).toEqual({ start: at('2024-02-01T00:00:00Z'), end: at('2024-03-01T00:00:00Z') });
    expect(periodOf('MONTHLY', at('2025-02-28T23:59:59Z'))).toEqual({ start: at('2025-02-01T00:00:00Z'), end: at('2025-03-01T00:00:00Z') });
    expect(iso(periodStart('MONTHLY', at('2024-03-01T00:00:00Z')))).toBe('2024-03-01T00:00:00.000Z');
    expect(periodOf('DAILY', at('2024-02-29T05:00:00Z')).end).toEqual(at('2024-03-01T00:00:00Z'));
    expect(periodOf('DAILY', at('2100-02-28T05:00:00Z')).end).toEqual(at('2100-03-01T00:00:00Z')); // 2100 is not a leap year
  });

  it('TOTAL is one period that never ends', () => {
    expect(periodOf('TOTAL', at('2026-11-25T10:00:00Z'))).toEqual({ start: TOTAL_PERIOD_START, end: null });
    expect(periodStart('TOTAL', at('2030-01-01T00:00:00Z'))).toEqual(periodStart('TOTAL', at('2020-06-15T00:00:00Z')));
  });

  it('every instant lies in [start, end) of its own period, and end is the next period start', () => {
    const kinds = ['DAILY', 'WEEKLY', 'MONTHLY'] as const;
    let t = Date.UTC(2023, 11, 20);
    for (let i = 0; i < 2000; i++, t += 7 * 3_600_000 + 13 * 60_000) {
      for (const k of kinds) {
        const { start, end } = periodOf(k, new Date(t));
        expect(start.getTime()).toBeLessThanOrEqual(t);
        expect(end!.getTime()).toBeGreaterThan(t);
        expect(periodStart(k, end!)).toEqual(end);
        expect(periodStart(k, new Date(end!.getTime() - 1))).toEqual(start);
      }
    }
  });
});
