import { bucketStarts, floorBucket, presetRange, previous, sumByBucket } from '../../../dashboard/src/range';

describe('dashboard time ranges', () => {
  it('the 24 h preset ends at the next whole hour, by hour, and its previous period is the 24 h before', () => {
    const r = presetRange('24h', new Date('2026-03-04T10:20:00Z'));
    expect(r).toEqual({ from: new Date('2026-03-03T11:00:00Z'), to: new Date('2026-03-04T11:00:00Z'), bucket: 'HOUR' });
    expect(previous(r)).toEqual({ from: new Date('2026-03-02T11:00:00Z'), to: new Date('2026-03-03T11:00:00Z'), bucket: 'HOUR' });
    const starts = bucketStarts(r);
    expect(starts).toHaveLength(24);
    expect(new Date(starts[0]!).toISOString()).toBe('2026-03-03T11:00:00.000Z');
  });

  it('weeks start on Monday and months on the 1st (UTC), as the API buckets', () => {
    expect(new Date(floorBucket(Date.parse('2026-03-05T10:00:00Z'), 'WEEK')).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(floorBucket(Date.parse('2026-03-02T00:00:00Z'), 'WEEK')).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(floorBucket(Date.parse('2026-03-31T23:00:00Z'), 'MONTH')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(bucketStarts({ from: new Date('2026-01-15T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z'), bucket: 'MONTH' }).map((t) => new Date(t).toISOString().slice(0, 7))).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
  });

  it('adds up the groups of each bucket without touching the rows it was given', () => {
    const rows = [
      { bucket: 'a', requests: 1, costUsd: 0.5 },
      { bucket: 'b', requests: 2, costUsd: 1 },
      { bucket: 'a', requests: 3, costUsd: 0.25 },
    ];
    const summed = sumByBucket(rows, (into, r) => {
      into.requests += r.requests;
      into.costUsd += r.costUsd;
    });
    expect(summed).toEqual([
      { bucket: 'a', requests: 4, costUsd: 0.75 },
      { bucket: 'b', requests: 2, costUsd: 1 },
    ]);
    expect(rows[0]).toEqual({ bucket: 'a', requests: 1, costUsd: 0.5 });
  });
});
