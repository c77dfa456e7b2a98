import type { DataSource } from 'typeorm';
import { BadUserInputError } from '../../graphql/errors';
import { SqlParams, traceFilterConditions, type TraceFilterData } from '../../traces';
import { ksTest, psi } from './drift-statistics';
import type { DriftReport } from './drift.types';

/** Rows compared per range: a random sample bounds the memory and time of one report. */
const SAMPLE = 5000;
const NUMERIC = [
  ['latencyMs', 'latency_ms'],
  ['ttftMs', 'ttft_ms'],
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['costUsd', 'cost_micros'],
] as const;
const CATEGORICAL = [
  ['status', 'status'],
  ['modelId', 'model_id'],
] as const;

interface Row {
  [column: string]: string | number | null;
}

/** Drift of trace features between two time ranges (API.md `drift`); reads the traces table. */
export class DriftService {
  constructor(private readonly db: DataSource) {}

  async drift(filter: TraceFilterData | null | undefined, window: { from: Date; to: Date }, baseline: { from: Date; to: Date }): Promise<DriftReport> {
    for (const [field, r] of [
      ['window', window],
      ['baseline', baseline],
    ] as const) {
      if (r.from.getTime() >= r.to.getTime()) throw new BadUserInputError(`${field}.from`, 'must be before `to`');
    }
    const [w, b] = await Promise.all([this.sample(filter, window), this.sample(filter, baseline)]);
    const features = [
      ...NUMERIC.map(([name, col]) => {
        const r = ksTest(numbers(w, col), numbers(b, col));
        return { name, method: 'ks', statistic: r.statistic, threshold: Number.isNaN(r.threshold) ? null : r.threshold, drifted: r.drifted };
      }),
      ...CATEGORICAL.map(([name, col]) => {
        const r = psi(counts(w, col), counts(b, col));
        return { name, method: 'psi', statistic: r.statistic, threshold: r.threshold, drifted: r.drifted };
      }),
    ];
    return { drifted: features.some((f) => f.drifted), features, windowCount: w.length, baselineCount: b.length };
  }

  private async sample(filter: TraceFilterData | null | undefined, range: { from: Date; to: Date }): Promise<Row[]> {
    const p = new SqlParams();
    // The range replaces the filter's own from/to.
    const cond = traceFilterConditions({ ...(filter ?? {}), from: range.from, to: range.to }, 't', p.add);
    const cols = [...NUMERIC.map(([, c]) => c), ...CATEGORICAL.map(([, c]) => c)].map((c) => `t.${c}`).join(', ');
    return this.db.query(`SELECT ${cols} FROM traces t WHERE ${cond.join(' AND ')} ORDER BY random() LIMIT ${SAMPLE}`, p.values);
  }
}

function numbers(rows: Row[], col: string): number[] {
  const out: number[] = [];
  for (const r of rows) if (r[col] !== null && r[col] !== undefined) out.push(Number(r[col]));
  return out;
}

function counts(rows: Row[], col: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) {
    const k = r[col] === null ? '(none)' : String(r[col]);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
