import { createHash } from 'node:crypto';
import { syntheticTraces } from '../../../scripts/synthetic-traces';
import { validateTraceRecord, type TraceRecord } from '../../../src/traces/trace-record';
import { sanitizeForStorage } from '../../../src/traces/trace-sanitize';
import { copyLine } from '../../../src/traces/trace-copy';
import { batchRollupDeltas, upsertAllRollupsSql, upsertGuardrailRollupsSql, upsertRollupsSql, type WrittenRecord } from '../../../src/traces/trace-rollups';

/**
 * The ingest write path's output, byte for byte: the COPY text of a batch and the rollup upsert
 * (statement and JSON parameters) of its deltas, for a fixed seeded set of records plus records
 * made to hit every escape. The digests were computed with the encoders as they were before they
 * were tuned for CPU (commit d2ec437): any change to what is stored changes a digest.
 */

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** sha256 of the COPY text of `written()`. */
const COPY_DIGEST = '567c3370594962879564444aa88c50f48eee9f6e74783fbedc92c6e65ce943c7';

const T0 = Date.UTC(2026, 11, 1, 10, 30);

/** Records that exercise the escapes: COPY specials, NUL in JSON, quotes in tags, nulls, the key separators of the rollups. */
function edgeRecords(): TraceRecord[] {
  const base = (i: number): TraceRecord => ({
    id: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
    createdAt: new Date(T0 + i * 61_000),
    status: 'COMPLETED',
    request: { prompt: 'p' },
  });
  return [
    {
      ...base(1),
      prompt: 'a\tb\nc\\d\re',
      label: 'x\u0001y\u0002z',
      modelId: 'm',
      routedBy: 'r',
      apiKey: null,
      output: 'out\u0000put',
      tags: ['q"uote', 'back\\slash', 'tab\t', ''],
      latencyMs: 0,
      ttftMs: 1e-9,
    },
    {
      ...base(2),
      request: { prompt: 'nul \u0000 and \\u0000 literal', variables: { k: 'v\\', n: 1.5, nested: { a: [1, 'two\n'] } } },
      assembledPrompt: { system: [{ text: 's\\' }, { cachePoint: true }], messages: [{ role: 'user', content: [{ text: 'hi\t' }] }], inferenceConfig: { maxTokens: 10, temperature: 0.1 } },
      guardrailEvents: [
        { direction: 'INPUT', action: 'ANONYMIZED', policy: 'p\\1', findings: [{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: 'a@b\u0000' }] },
        { direction: 'OUTPUT', action: 'BLOCKED', policy: 'p2', findings: [] },
      ],
      spans: [{ name: 'model_call', startedAt: new Date(T0), durationMs: 12.345, attributes: { 'k\t': 'v\\\\' } }],
      usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4, byStage: { system: 1, context: 0, history: 0, input: 0, output: 2 } },
      costMicros: 28,
      costByStage: { system: 1, context: 2, history: 3, input: 4, output: 5, cacheRead: 6, cacheWrite: 7 },
      savedMicros: 5,
      latencyMs: 123.456789,
      ttftMs: 0.5,
      promptVersion: 7,
      cached: true,
      source: 'EVAL',
      evalRunId: '00000000-0000-4000-8000-000000000001',
      otelTraceId: '0123456789abcdef0123456789abcdef',
    },
    { ...base(3), status: 'FAILED', errorCode: 'THROTTLED', stopReason: 'x\\y', routeRule: null, routedBy: 'rule' },
    { ...base(4), createdAt: undefined, prompt: '', label: '' },
    { ...base(5), prompt: 'raw\u0000nul', request: { prompt: 'a\u0000b \\u0000 c\\\u0000' }, spans: [{ name: 's', startedAt: new Date(T0), durationMs: 1, attributes: { x: '\u0000' } }] },
  ];
}

/** Synthetic records with fixed ids over [start, end), then (`edges`) the records of `edgeRecords`. */
function written(start: number, end: number, edges = true): WrittenRecord[] {
  const at = new Date(T0 + 3_600_000 * 5);
  const records: TraceRecord[] = [...syntheticTraces(3000, { seed: 42, start: new Date(start), end: new Date(end) })].map((r, i) => ({
    ...r,
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  }));
  if (edges) records.push(...edgeRecords());
  return records.map((r, i) => {
    // The last record skips sanitizing: its NULs reach the encoders (a NUL escaped in JSON becomes U+FFFD there).
    const v = validateTraceRecord(i === records.length - 1 ? r : sanitizeForStorage(r));
    if (!v.ok) throw new Error(v.error);
    return { record: v.value, at };
  });
}

describe('ingest encoding identity', () => {
  /** Two days of traffic: many hours a day. */
  const rows = written(T0 - 2 * 86_400_000, T0);

  it('COPY text of a batch is byte-identical to the pinned encoding', () => {
    const text = rows.map((w) => copyLine(w)).join('');
    expect(text.length).toBeGreaterThan(3000 * 100);
    expect(sha(text)).toBe(COPY_DIGEST);
  });

  it('rollup upsert (statement and JSON parameters) of a batch is byte-identical to the pinned encoding', () => {
    const deltas = batchRollupDeltas(rows);
    expect(deltas.hourly.rollups.length).toBeGreaterThan(100);
    expect(deltas.hourly.guardrails.length).toBeGreaterThan(10);
    const all = upsertAllRollupsSql(deltas)!;
    // Re-pinned when the sketch columns became one assignment from a sub-select (each compacted once); the parameters are unchanged.
    expect(sha(all.sql)).toBe('6b725c6650e6a244f6af0eec2c0e5790ad5ca97759fce238c9acd735ef0fb22c');
    expect(sha(JSON.stringify(all.params))).toBe('bf998863851921b2a685a3a1a272c0f1414093e8540680fa5d9e540455a446fd');
    // The per-table statements share the encoders.
    expect(sha(JSON.stringify([upsertRollupsSql(deltas.daily.rollups, 'daily').params, upsertGuardrailRollupsSql(deltas.daily.guardrails, 'daily').params]))).toBe(
      '6eb62bff3538789c5ad736d34f4759ee887dae13960304605544e68ff4aa9c8d',
    );
  });

  it('rollup upsert of a batch within one hour (the usual batch of the live writer) is byte-identical to the pinned encoding', () => {
    const hour = written(T0, T0 + 60_000, false);
    const deltas = batchRollupDeltas(hour);
    expect(new Set(deltas.hourly.rollups.map((d) => d.bucket.getTime())).size).toBe(1);
    expect(deltas.daily.latency.length).toBeGreaterThan(100);
    expect(sha(JSON.stringify(upsertAllRollupsSql(deltas)!.params))).toBe('0596fbd2f945a3369587b96244d990fb7e44c6f4cec3921fa6a03db1f5d438ed');
  });

  it('one byte more in one line changes the pinned digest', () => {
    const lines = rows.map((w) => copyLine(w));
    const i = rows.length - 3;
    lines[i] = copyLine({ ...rows[i]!, record: { ...rows[i]!.record, stopReason: `${rows[i]!.record.stopReason}\\` } });
    expect(lines[i]).toContain('x\\\\y\\\\\t');
    expect(sha(lines.join(''))).not.toBe(COPY_DIGEST);
  });
});
