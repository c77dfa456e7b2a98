import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { TraceWriter, writeTraceBatch, type TraceRecord, type TraceWriterOptions, type WrittenRecord } from '../../../src/traces';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { clearTraceTables } from '../../helpers/trace-tables';
import { traceRecord } from '../../fixtures/traces';
import { metricReader } from '../../helpers/metric-reader';

const silent = pino({ level: 'silent' });

describe('TraceWriter', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await clearTraceTables(ds);
    jest.restoreAllMocks();
  });

  const count = async (): Promise<number> => Number((await ds.query('SELECT count(*)::int AS n FROM traces'))[0].n);

  function writer(options: TraceWriterOptions = {}) {
    const w = new TraceWriter(ds, silent, options);
    const registry = new Registry();
    w.registerMetrics(registry);
    const metric = metricReader(registry);
    return { w, metric };
  }

  /**
   * Counts the records of each batch write (whatever the path: COPY on PostgreSQL, the INSERT on
   * PGlite), and lets a test fail chosen ones; pass `writeBatch` to the writer.
   */
  function spyInserts(fail?: (rows: WrittenRecord[], call: number) => boolean) {
    const inserts: number[] = [];
    const writeBatch: TraceWriterOptions['writeBatch'] = async (db, rows) => {
      inserts.push(rows.length);
      if (fail?.(rows, inserts.length)) throw new Error('simulated database failure');
      return writeTraceBatch(db, rows);
    };
    return { inserts, writeBatch };
  }

  it('writes records in multi-row batches: 450 records with batch size 200 take 3 INSERTs', async () => {
    const { inserts, writeBatch } = spyInserts();
    const { w, metric } = writer({ batchSize: 200, flushIntervalMs: 50, writeBatch });
    for (let i = 0; i < 450; i++) w.enqueue(traceRecord());
    await w.flush();
    expect(inserts).toEqual([200, 200, 50]);
    expect(await count()).toBe(450);
    expect(await metric('trace_writer_written_total')).toBe(450);
    await w.close();
  });

  it('writes a partial batch after the flush interval without being asked', async () => {
    const { inserts, writeBatch } = spyInserts();
    const { w } = writer({ batchSize: 200, flushIntervalMs: 20, writeBatch });
    for (let i = 0; i < 7; i++) w.enqueue(traceRecord());
    expect(inserts).toEqual([]);
    for (let i = 0; i < 100 && (await count()) < 7; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await count()).toBe(7);
    expect(inserts).toEqual([7]);
    await w.close();
  });

  it('loses nothing on close: 1000 enqueued, close(), 1000 stored; later records are dropped and counted', async () => {
    const { w, metric } = writer();
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const r = traceRecord();
      ids.add(r.id);
      w.enqueue(r);
    }
    await w.close();
    expect(await count()).toBe(1000);
    const stored = await ds.query('SELECT id FROM traces');
    expect(new Set(stored.map((r: { id: string }) => r.id))).toEqual(ids);
    w.enqueue(traceRecord());
    await w.flush();
    expect(await count()).toBe(1000);
    expect(await metric('trace_writer_dropped_total', { reason: 'closed' })).toBe(1);
    await w.close(); // idempotent
  });

  it('flush() resolves only once everything enqueued before it is stored', async () => {
    const { w } = writer({ batchSize: 50, flushIntervalMs: 10_000 });
    for (let i = 0; i < 120; i++) w.enqueue(traceRecord());
    await w.flush();
    expect(await count()).toBe(120);
    expect(w.pending).toBe(0);
    await w.close();
  });

  it('rejects an invalid record (logged, counted) without losing the rest of its batch', async () => {
    const { inserts, writeBatch } = spyInserts();
    const { w, metric } = writer({ writeBatch });
    const good = [traceRecord(), traceRecord(), traceRecord()];
    const unknownKey = traceRecord({ guardrailEvents: [{ direction: 'INPUT', action: 'BLOCKED', policy: 'p', findings: [], extra: 1 } as never] });
    const badId = traceRecord({ id: 'not-a-uuid' });
    const badSum = traceRecord({ costMicros: 5 });
    w.enqueue(good[0]!);
    w.enqueue(unknownKey);
    w.enqueue(good[1]!);
    w.enqueue(badId);
    w.enqueue(badSum);
    w.enqueue(null as unknown as TraceRecord);
    w.enqueue(good[2]!);
    await w.close();
    expect(inserts).toEqual([3]);
    const ids = (await ds.query('SELECT id FROM traces')).map((r: { id: string }) => r.id).sort();
    expect(ids).toEqual(good.map((g) => g.id).sort());
    expect(await metric('trace_writer_dropped_total', { reason: 'invalid' })).toBe(4);
  });

  it('retries a failed batch once and then stores it', async () => {
    const { inserts, writeBatch } = spyInserts((_rows, call) => call === 1);
    const { w, metric } = writer({ retryDelayMs: 1, writeBatch });
    for (let i = 0; i < 10; i++) w.enqueue(traceRecord());
    await w.close();
    expect(inserts).toEqual([10, 10]);
    expect(await count()).toBe(10);
    expect(await metric('trace_writer_batches_total', { outcome: 'retried' })).toBe(1);
  });

  it('after a second failure writes the batch row by row, so one poisoned row loses only itself', async () => {
    const poison = randomUUID();
    const { inserts, writeBatch } = spyInserts((rows) => rows.some((r) => r.record.id === poison));
    const { w, metric } = writer({ retryDelayMs: 1, writeBatch });
    for (let i = 0; i < 5; i++) w.enqueue(traceRecord(i === 2 ? { id: poison } : {}));
    await w.close();
    expect(inserts).toEqual([5, 5, 1, 1, 1, 1, 1]);
    expect(await count()).toBe(4);
    expect(await metric('trace_writer_dropped_total', { reason: 'write_failed' })).toBe(1);
  });

  it('bounds its queue: beyond maxQueue records are dropped and counted, enqueue never throws', async () => {
    const { w, metric } = writer({ maxQueue: 10, flushIntervalMs: 10_000, batchSize: 1000 });
    for (let i = 0; i < 15; i++) w.enqueue(traceRecord());
    expect(w.pending).toBe(10);
    expect(await metric('trace_writer_dropped_total', { reason: 'queue_full' })).toBe(5);
    expect(await metric('trace_writer_queue_depth')).toBe(10);
    await w.close();
    expect(await count()).toBe(10);
  });

  it('stores a record with defaults, an id written twice once, and NUL characters replaced', async () => {
    const { w } = writer();
    const id = randomUUID();
    w.enqueue({ id, status: 'FAILED', request: { prompt: 'missing' }, errorCode: 'NOT_FOUND' });
    w.enqueue({ id, status: 'FAILED', request: { prompt: 'missing' }, errorCode: 'NOT_FOUND' });
    const nul = traceRecord({ output: 'a\u0000b', tags: ['x\u0000'] });
    w.enqueue(nul);
    await w.close();
    const [row] = await ds.query('SELECT * FROM traces WHERE id = $1', [id]);
    expect(row).toMatchObject({
      status: 'FAILED',
      error_code: 'NOT_FOUND',
      cached: false,
      tags: [],
      cost_micros: '0',
      input_tokens: null,
      cost_system_micros: null,
      assembled_prompt: {},
      guardrail_events: [],
      spans: [],
    });
    expect(Date.now() - new Date(row.created_at).getTime()).toBeLessThan(60_000);
    const [n] = await ds.query('SELECT output, tags FROM traces WHERE id = $1', [nul.id]);
    expect(n).toEqual({ output: 'a\uFFFDb', tags: ['x\uFFFD'] });
  });
});
