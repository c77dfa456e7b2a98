import { checkedTraceRecord, traceRecordSchema, validateTraceRecord, type TraceRecord } from '../../../src/traces/trace-record';
import { traceRecord } from '../../fixtures/traces';

/**
 * `checkedTraceRecord` is the trace schema without zod's per-field cost: it must accept only what
 * `traceRecordSchema` accepts, and return what the schema returns. Held to the schema here over
 * every node of four records (a full-pipeline trace, a minimal one, a refused request's, a cached
 * eval case), each node replaced by values of every kind, keys added and removed, arrays grown and
 * holed: for every variant it accepts, the schema accepts it too with an equal result.
 */

const UUID = '0b7c3f4e-9d2a-4c1b-8e5f-6a7b8c9d0e1f';

/** A trace as the full pipeline writes it: chunks, an assembled prompt with a cache point, guardrail events, spans with attributes. */
function fullRecord(): TraceRecord {
  const chunks = Array.from({ length: 3 }, (_, i) => ({ id: `doc-${i}`, text: `Paris guide, part ${i + 1}.\nThe Seine.`, score: 0.9 - i * 0.01, source: i % 2 ? 'kb' : null }));
  return traceRecord({
    id: UUID,
    routedBy: 'cheap-first',
    tags: ['a', 'b'],
    evalRunId: null,
    request: {
      prompt: 'support',
      label: null,
      version: 3,
      variables: { city: 'Paris' },
      messages: [{ role: 'USER', content: 'hi' }],
      input: 'Where?',
      context: chunks,
      user: 'u',
      sessionId: null,
      maxOutputTokens: 200,
      modelId: null,
      tags: ['a'],
      cache: 'BYPASS',
    },
    assembledPrompt: {
      modelId: 'amazon.nova-lite-v1:0',
      system: [{ text: 'Be terse.' }, { cachePoint: true }],
      messages: [
        { role: 'user', content: [{ text: 'context' }, { text: 'Where?' }] },
        { role: 'assistant', content: [{ text: 'There.' }] },
        { role: 'user', content: [{ text: 'And?' }] },
      ],
      inferenceConfig: { maxTokens: 200, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
    },
    guardrailEvents: [
      {
        direction: 'INPUT',
        action: 'BLOCKED',
        policy: 'injection-in',
        findings: [{ kind: 'PROMPT_INJECTION', name: 'INSTRUCTION_OVERRIDE', action: 'BLOCKED', match: 'Ignore all', start: 0, end: 10, score: 0.93, source: 'context:doc-2' }],
      },
      { direction: 'OUTPUT', action: 'ANONYMIZED', policy: 'pii-out', findings: [{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: '{EMAIL}', start: 41, end: 65 }] },
    ],
    spans: [
      { name: 'graphql_request', startedAt: new Date('2026-03-10T10:15:00.000Z'), durationMs: 1.5 },
      { name: 'guardrail_input', startedAt: new Date('2026-03-10T10:15:00.002Z'), durationMs: 1.2, attributes: { policies: ['injection-in'], droppedChunks: ['doc-2'] } },
      {
        name: 'prompt_assembly',
        startedAt: new Date('2026-03-10T10:15:00.003Z'),
        durationMs: 0.05,
        attributes: { contextKept: ['doc-1'], contextDropped: [{ id: 'doc-2', source: null, reason: 'prompt_injection', score: 0.8 }], historyTurns: 0, nested: { a: [1, { b: null }] } },
      },
      { name: 'budget_settle', startedAt: new Date('2026-03-10T10:15:00.050Z'), durationMs: 0.09, attributes: null },
    ],
    otelTraceId: '0af7651916cd43dd8448eb211c80319c',
    otelParentSpanId: 'b7ad6b7169203331',
    otelSampled: false,
  });
}

const BASES: Array<[string, () => unknown]> = [
  ['full pipeline', fullRecord],
  ['minimal', () => ({ id: UUID, status: 'FAILED', request: { prompt: 'p' } })],
  ['refused request', () => ({ id: UUID, status: 'FAILED', errorCode: 'BAD_USER_INPUT', request: { prompt: 'p', invalid: { variables: 'abc', context: [1, 'x'] } }, spans: [] })],
  ['cached eval case', () => traceRecord({ id: UUID, source: 'EVAL', evalRunId: UUID, cached: true, savedMicros: 1000, routeRule: null, createdAt: undefined, usage: null, stages: { cacheRead: 5 } })],
];

class Thing {
  a = 1;
}
const symbolKeyed = () => ({ ok: 1, [Symbol('s')]: 1 });
/** Replacement values of every kind the schema tells apart. */
const VALUES: Array<[string, () => unknown]> = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['empty string', () => ''],
  ['string', () => 'x'],
  ['uuid', () => UUID],
  ['hex32', () => '0af7651916cd43dd8448eb211c80319c'],
  ['hex16', () => 'b7ad6b7169203331'],
  ['ISO date string', () => '2026-03-10T10:15:00.000Z'],
  ['enum-like', () => 'COMPLETED'],
  ['USER', () => 'user'],
  ['0', () => 0],
  ['-0', () => -0],
  ['-1', () => -1],
  ['1.5', () => 1.5],
  ['2^31', () => 2 ** 31],
  ['2^31-1', () => 2 ** 31 - 1],
  ['2^53', () => 2 ** 53],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['true', () => true],
  ['false', () => false],
  ['[]', () => []],
  ['[undefined]', () => [undefined]],
  ['hole', () => [, 'x']], // eslint-disable-line no-sparse-arrays
  ['[string]', () => ['x']],
  ['{}', () => ({})],
  ['{text}', () => ({ text: 't' })],
  ['{cachePoint}', () => ({ cachePoint: true })],
  ['Date', () => new Date(0)],
  ['invalid Date', () => new Date(NaN)],
  ['Map', () => new Map([['a', 1]])],
  ['class instance', () => new Thing()],
  ['null prototype', () => Object.assign(Object.create(null) as object, { a: 1 })],
  ['own __proto__', () => JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as unknown],
  ['symbol key', symbolKeyed],
  ['function', () => () => 1],
  ['bigint', () => 1n],
];

type Path = Array<string | number>;
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (v instanceof Date || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}
function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  return o;
}

/** Every variant of a base: each node replaced by each value; each object given an unknown key and losing each key; each array grown and holed. */
function* variants(base: () => unknown): Generator<[string, unknown]> {
  for (const path of paths(base())) {
    const where = path.join('.') || '(record)';
    for (const [name, value] of VALUES) {
      const r = base();
      if (!path.length) yield [`(record) = ${name}`, value()];
      else {
        parentOf(r, path)[path[path.length - 1]!] = value();
        yield [`${where} = ${name}`, r];
      }
    }
    const node = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], base());
    if (Array.isArray(node)) {
      for (const [name, value] of VALUES) {
        const r = base();
        const arr = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], r) as unknown[];
        arr.push(value());
        yield [`${where} += ${name}`, r];
      }
      const r = base();
      const arr = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], r) as unknown[];
      arr.length += 1;
      yield [`${where} with a trailing hole`, r];
    } else if (node !== null && typeof node === 'object' && !(node instanceof Date)) {
      for (const key of ['zz', '__proto__', 'constructor']) {
        const r = base();
        const o = path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], r) as Record<string, unknown>;
        Object.defineProperty(o, key, { value: 1, enumerable: true, configurable: true, writable: true });
        yield [`${where}.${key} added`, r];
      }
      for (const key of Object.keys(node)) {
        const r = base();
        const o = path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], r) as Record<string, unknown>;
        delete o[key];
        yield [`${where}.${key} removed`, r];
      }
    }
  }
}

describe('checkedTraceRecord: the trace schema, checked without zod', () => {
  it.each(BASES)('vouches for the %s record, with the result the schema gives', (_name, base) => {
    const checked = checkedTraceRecord(base());
    const parsed = traceRecordSchema.parse(base());
    expect(checked).not.toBeNull();
    expect(checked).toEqual(parsed);
  });

  it.each(BASES)('never accepts a variant of the %s record that the schema refuses, nor returns anything else than the schema', (_name, base) => {
    const wrong: string[] = [];
    let accepted = 0;
    let refusedBySchema = 0;
    let n = 0;
    for (const [what, record] of variants(base)) {
      n++;
      const checked = checkedTraceRecord(record);
      const parsed = traceRecordSchema.safeParse(record);
      if (!parsed.success) refusedBySchema++;
      if (checked === null) continue;
      accepted++;
      if (!parsed.success) wrong.push(`${what}: accepted, the schema refuses it (${parsed.error.issues[0]!.message})`);
      else if (!this_equals(checked, parsed.data)) wrong.push(`${what}: a result other than the schema's`);
    }
    expect(wrong).toEqual([]);
    // The variants do probe both sides: many are refused by the schema, many accepted by the check.
    expect(n).toBeGreaterThan(100);
    expect(refusedBySchema).toBeGreaterThan(n / 4);
    expect(accepted).toBeGreaterThan(5);
  });

  it('leaves a date given as a string (a spooled record being replayed) to the schema, which accepts it', () => {
    const r = JSON.parse(JSON.stringify(fullRecord())) as TraceRecord;
    expect(checkedTraceRecord(r)).toBeNull();
    const v = validateTraceRecord(r);
    expect(v.ok && v.value.spans[0]!.startedAt).toBe('2026-03-10T10:15:00.000Z');
  });

  it('does not change the record it checks (the observers read it after the writer)', () => {
    const r = fullRecord();
    const before = JSON.stringify(r);
    const spans = r.spans;
    checkedTraceRecord(r);
    expect(JSON.stringify(r)).toBe(before);
    expect(r.spans).toBe(spans);
    expect(r.spans![0]!.startedAt).toBeInstanceOf(Date);
  });
});

/** Deep equality as stored: undefined properties and missing ones are the same, Dates by time. */
function this_equals(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
