import { randomUUID } from 'node:crypto';
import { validateTraceRecord, type TraceRecord } from '../../../src/traces';
import { traceRecord } from '../../fixtures/traces';

const invalid = (r: unknown): string => {
  const v = validateTraceRecord(r);
  if (v.ok) throw new Error('expected the record to be refused');
  return v.error;
};

describe('validateTraceRecord', () => {
  it('fills defaults for a minimal record and takes routeRule from routedBy', () => {
    const id = randomUUID();
    const v = validateTraceRecord({ id, status: 'FAILED', request: { prompt: 'p' }, routedBy: 'cheap-first' });
    expect(v.ok && v.value).toMatchObject({
      id,
      prompt: null,
      tags: [],
      cached: false,
      costMicros: 0,
      savedMicros: 0,
      usage: null,
      costByStage: null,
      assembledPrompt: null,
      guardrailEvents: [],
      spans: [],
      routedBy: 'cheap-first',
      routeRule: 'cheap-first',
    });
    const explicit = validateTraceRecord({ id, status: 'FAILED', request: { prompt: 'p' }, routedBy: 'budget:team', routeRule: null });
    expect(explicit.ok && explicit.value.routeRule).toBeNull();
  });

  it('accepts the fixture record and normalizes span times to ISO strings', () => {
    const v = validateTraceRecord(traceRecord());
    expect(v.ok).toBe(true);
    expect(v.ok && v.value.spans[0]!.startedAt).toBe('2026-03-10T10:15:00.000Z');
  });

  it('refuses unknown keys in every JSON column, naming the path', () => {
    const base = traceRecord();
    expect(invalid({ ...base, request: { ...base.request, temperature: 1 } })).toMatch(/^request: unknown key\(s\) "temperature"/);
    expect(invalid({ ...base, assembledPrompt: { ...base.assembledPrompt!, extra: 1 } })).toMatch(/^assembledPrompt: unknown key/);
    expect(invalid({ ...base, spans: [{ name: 'x', startedAt: new Date(), durationMs: 1, extra: true }] })).toMatch(/^spans\.0: unknown key/);
    expect(invalid({ ...base, guardrailEvents: [{ direction: 'INPUT', action: 'BLOCKED', policy: 'p', findings: [{ kind: 'PII', name: 'EMAIL', action: 'BLOCKED', why: 1 }] }] })).toMatch(
      /^guardrailEvents\.0\.findings\.0: unknown key/,
    );
    expect(invalid({ ...base, usage: { ...base.usage!, reasoningTokens: 3 } })).toMatch(/^usage: unknown key/);
    expect(invalid({ ...base, colour: 'red' })).toMatch(/^\(record\): unknown key/);
  });

  it('refuses a bad id, status, negative or fractional tokens, and stage costs that do not add up', () => {
    const base = traceRecord();
    expect(invalid({ ...base, id: 'abc' })).toMatch(/^id:/);
    expect(invalid({ ...base, status: 'DONE' })).toMatch(/^status:/);
    expect(invalid({ ...base, usage: { ...base.usage!, inputTokens: -1 } })).toMatch(/^usage\.inputTokens:/);
    expect(invalid({ ...base, costMicros: 1.5 })).toMatch(/^costMicros:/);
    expect(invalid({ ...base, costMicros: base.costMicros! + 1 })).toMatch(/^costByStage: stages add up to 1000, not costMicros 1001/);
    expect(invalid(null)).toMatch(/^\(record\):/);
  });

  it('takes plain JSON in free-form fields (undefined properties dropped), refuses what JSON cannot hold', () => {
    const base = traceRecord();
    const span = (attributes: unknown) => ({ ...base, spans: [{ name: 'x', startedAt: '2026-03-10T10:00:00Z', durationMs: 1, attributes }] }) as TraceRecord;
    expect(validateTraceRecord(span({ rule: undefined, n: 1, nested: [{ a: null }] })).ok).toBe(true);
    expect(validateTraceRecord(span(Object.assign(Object.create(null), { a: 1 }))).ok).toBe(true);
    expect(invalid(span({ n: Number.NaN }))).toMatch(/^spans\.0\.attributes: must be plain JSON/);
    expect(invalid(span({ d: new Date() }))).toMatch(/^spans\.0\.attributes:/);
    expect(invalid({ ...base, request: { prompt: 'p', variables: { big: BigInt(1) } } })).toMatch(/^request\.variables:/);
  });
});
