import { parseSketchText, SketchCache } from '../../../src/analytics/latency-sketches';
import { sketchArray } from '../../../src/traces/trace-rollups';

describe('latency sketch text', () => {
  it('parses jsonb sketch text (any spacing, negative and zero-bin keys) into bins sorted by key', () => {
    // PostgreSQL prints jsonb keys by length, then bytes: "-1000000" (the zero bin) comes last.
    expect(parseSketchText('{"5": 2, "12": 1, "285": 7, "-3": 4, "-1000000": 9}')).toEqual([
      [-1_000_000, 9],
      [-3, 4],
      [5, 2],
      [12, 1],
      [285, 7],
    ]);
    expect(parseSketchText('{}')).toEqual([]);
    const bins = new Map<number, number>([
      [690, 123456789],
      [0, 1],
      [-45, 3],
    ]);
    expect(parseSketchText(sketchArray(bins))).toEqual([...bins].sort((a, b) => a[0] - b[0]));
  });

  it('parses the stored int8[] pairs: a key appended more than once counts once with its counts summed, sorted by key', () => {
    expect(parseSketchText('{{285,3},{-1000000,1},{12,2},{285,4},{-3,1},{12,1}}')).toEqual([
      [-1_000_000, 1],
      [-3, 1],
      [12, 3],
      [285, 7],
    ]);
    expect(parseSketchText('{{5,2},{12,1}}')).toEqual([
      [5, 2],
      [12, 1],
    ]);
    expect(parseSketchText('{}')).toEqual([]);
    expect(
      sketchArray(
        new Map([
          [7, 2],
          [-1_000_000, 1],
        ]),
      ),
    ).toBe('{{7,2},{-1000000,1}}');
  });

  it('a cache of size 0 keeps nothing; otherwise it keeps the most recent rows', () => {
    const none = new SketchCache(0);
    none.set('hourly:(0,1):5', { l: [[1, 1]], t: [] });
    expect(none.get('hourly:(0,1):5')).toBeUndefined();
    const two = new SketchCache(2);
    for (const ref of ['a', 'b', 'c']) two.set(ref, { l: [], t: [] });
    expect([two.get('a'), two.get('b') !== undefined, two.get('c') !== undefined, two.size]).toEqual([undefined, true, true, 2]);
  });
});
