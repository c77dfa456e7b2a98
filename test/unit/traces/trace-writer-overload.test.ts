import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { TraceWriter, type TraceRecord, type TraceWriterOptions } from '../../../src/traces';
import { traceRecord } from '../../fixtures/traces';
import { metricReader } from '../../helpers/metric-reader';

const silent = pino({ level: 'silent' });

/** A writer that never writes while the test runs (nothing leaves the queue: no full batch, no flush timer). */
function stalledWriter(options: TraceWriterOptions) {
  const w = new TraceWriter({} as DataSource, silent, { batchSize: 1000, flushIntervalMs: 60_000, ...options, writeBatch: async (_db, rows) => rows.length });
  const registry = new Registry();
  w.registerMetrics(registry);
  const metric = metricReader(registry);
  return { w, metric };
}

/** A valid record that counts the reads of its fields other than `id` (sanitizing reads every field). */
function watchedRecord(): { record: TraceRecord; reads: () => number } {
  const plain = traceRecord() as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  let reads = 0;
  for (const [k, v] of Object.entries(plain)) {
    if (k === 'id') record.id = v;
    else
      Object.defineProperty(record, k, {
        enumerable: true,
        get() {
          reads++;
          return v;
        },
      });
  }
  return { record: record as TraceRecord, reads: () => reads };
}

describe('TraceWriter under overload', () => {
  it('drops a trace offered to a full queue (no spool) before sanitizing it, counted and logged as before', async () => {
    const { w, metric } = stalledWriter({ maxQueue: 2 });
    w.enqueue(traceRecord());
    w.enqueue(traceRecord());
    const watched = watchedRecord();
    w.enqueue(watched.record);
    expect(watched.reads()).toBe(0);
    expect(w.pending).toBe(2);
    expect(await metric('trace_writer_dropped_total', { reason: 'queue_full' })).toBe(1);
    await w.close();
  });

  it('with a full spool too: dropped before sanitizing, and the spool-full count is kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-overload-'));
    try {
      // No line fits 33 bytes (the shortest is 34): every trace is counted in trace_spool_full_total.
      const { w, metric } = stalledWriter({ maxQueue: 2, spoolDir: dir, spoolMaxBytes: 33 });
      w.enqueue(traceRecord());
      w.enqueue(traceRecord());
      const watched = watchedRecord();
      w.enqueue(watched.record);
      expect(watched.reads()).toBe(0);
      expect(w.pending).toBe(2);
      expect(await metric('trace_writer_dropped_total', { reason: 'queue_full' })).toBe(1);
      expect(await metric('trace_spool_full_total')).toBe(3);
      await w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a spool with room still takes the trace when the queue is full (kept, not dropped)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-overload-'));
    try {
      const { w, metric } = stalledWriter({ maxQueue: 1, spoolDir: dir });
      for (let i = 0; i < 3; i++) w.enqueue(traceRecord());
      expect(w.pending).toBe(3);
      expect(await metric('trace_writer_dropped_total', { reason: 'queue_full' })).toBe(0);
      await w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
