import { mulberry32 } from '../../../src/core/seeded-random';
import {
  batchRollupDeltas,
  rollupsJson,
  sketchArray,
  upsertAllRollupsSql,
  upsertGuardrailRollupsStatement,
  upsertLatencyRollupsStatement,
  upsertRollupsStatement,
  type LatencyRollupDelta,
  type RollupDeltas,
  type RollupLevel,
} from '../../../src/traces/trace-rollups';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { validateTraceRecord } from '../../../src/traces/trace-record';
import { sanitizeForStorage } from '../../../src/traces/trace-sanitize';

/** What `rollupsJson` stands for: `JSON.stringify` with a replacer turning every sketch (a Map) into its `int8[]` text. */
const byReplacer = (rows: unknown[]): string => JSON.stringify(rows, (_k, v: unknown) => (v instanceof Map ? sketchArray(v as Map<number, number>) : v));

const T0 = Date.UTC(2026, 11, 1, 10, 30);

describe('rollupsJson', () => {
  it('writes the text of JSON.stringify with the sketch replacer for real deltas of one trace, a few and many hours', () => {
    const records = [...syntheticTraces(400, { seed: 7, start: new Date(T0 - 3 * 86_400_000), end: new Date(T0) })].map((r) => {
      const v = validateTraceRecord(sanitizeForStorage(r));
      if (!v.ok) throw new Error(v.error);
      return { record: v.value, at: new Date(T0) };
    });
    for (const n of [1, 3, 400]) {
      const deltas = batchRollupDeltas(records.slice(0, n));
      for (const level of ['hourly', 'daily'] as const) {
        const { rollups, latency } = deltas[level];
        expect(rollups.length).toBeGreaterThan(0);
        expect(latency.length).toBeGreaterThan(0);
        expect(rollupsJson(rollups)).toBe(byReplacer(rollups));
        expect(rollupsJson(latency)).toBe(byReplacer(latency));
      }
    }
  });

  it('writes the same text for every kind of value a row can hold, in the row own key order', () => {
    const rnd = mulberry32(20261207);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const strings = ['', 'PRODUCTION', 'a"b', 'back\\slash', 'tab\tnew\nline', '\u0000\u0001\u001f', 'é ü 中文 😀', '\ud800 lone', '</script>', 'x'.repeat(300)];
    const numbers = [0, -0, 1, -1, 1.5, 58.563, 0.1 + 0.2, 1e21, 1e-7, 123456789012, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];
    const value = (): unknown => {
      const kind = Math.floor(rnd() * 12);
      if (kind === 0) return pick(strings);
      if (kind === 1) return pick(numbers);
      if (kind === 2) return null;
      if (kind === 3) return undefined;
      if (kind === 4) return rnd() < 0.5;
      if (kind === 5) return new Date(T0 + Math.floor(rnd() * 1e9));
      if (kind === 6) return new Date(NaN);
      if (kind === 7) return new Map(Array.from({ length: Math.floor(rnd() * 5) }, () => [Math.floor(rnd() * 2000) - 1000, 1 + Math.floor(rnd() * 9)] as [number, number]));
      if (kind === 8) return { nested: pick(strings), bins: new Map([[1, 2]]), when: new Date(T0) };
      if (kind === 9) return [pick(numbers), pick(strings), null, undefined];
      if (kind === 10) return () => 1;
      return pick(numbers);
    };
    const keys = ['bucket', 'source', 'dim', 'value', '2', 'latencySum', 'latencyBins', 'ttftBins', 'k"ey', 'ünï', '10'];
    for (let round = 0; round < 2_000; round++) {
      const rows = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
        const row: Record<string, unknown> = Object.create({ inherited: 'not written' }) as Record<string, unknown>;
        for (const k of keys) if (rnd() < 0.8) row[k] = value();
        return row;
      });
      expect(rollupsJson(rows as unknown as LatencyRollupDelta[])).toBe(byReplacer(rows));
    }
  });
});

describe('upsertAllRollupsSql', () => {
  const empty = (): RollupDeltas => ({ rollups: [], guardrails: [], latency: [] });
  const row = { bucket: new Date(T0), source: 'PRODUCTION' } as never;

  it('keeps one text per combination of upserts, equal to the statement built afresh, parameters numbered in order', () => {
    const levels: RollupLevel[] = ['hourly', 'daily'];
    const cases = Array.from({ length: 63 }, (_, i) => {
      const mask = i + 1;
      const deltas = { hourly: empty(), daily: empty() };
      const ctes: string[] = [];
      let bit = 0;
      for (const level of levels) {
        const d = deltas[level];
        if (mask & (1 << bit)) {
          d.rollups.push(row);
          ctes.push(upsertRollupsStatement(level, `$${ctes.length + 1}`));
        }
        if (mask & (1 << (bit + 1))) {
          d.guardrails.push(row);
          ctes.push(upsertGuardrailRollupsStatement(level, `$${ctes.length + 1}`));
        }
        if (mask & (1 << (bit + 2))) {
          d.latency.push(row);
          ctes.push(upsertLatencyRollupsStatement(level, `$${ctes.length + 1}`));
        }
        bit += 3;
      }
      return { deltas, n: ctes.length, fresh: `WITH ${ctes.map((c, i) => `u${i} AS (${c} RETURNING 1)`).join(', ')} SELECT 1` };
    });
    // Asked in one order and again in the other (the second pass reads the kept texts).
    for (const c of [...cases, ...[...cases].reverse()]) {
      const got = upsertAllRollupsSql(c.deltas)!;
      expect(got.sql).toBe(c.fresh);
      expect(got.params).toHaveLength(c.n);
    }
    expect(upsertAllRollupsSql({ hourly: empty(), daily: empty() })).toBeNull();
  });
});
