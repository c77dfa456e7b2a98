import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TraceWriter, type TraceWriterOptions } from '../../../src/traces';
import { traceRecord } from '../../fixtures/traces';

const silent = pino({ level: 'silent' });

/** A writer whose batch write only records the batch sizes (no database). */
function recordingWriter(options: TraceWriterOptions = {}) {
  const sizes: number[] = [];
  const w = new TraceWriter({} as DataSource, silent, {
    ...options,
    writeBatch: async (_db, rows) => {
      sizes.push(rows.length);
      return rows.length;
    },
  });
  return { w, sizes };
}

describe('TraceWriter batch sizes', () => {
  it('takes batches of up to 20,000 records by default while backlogged: a batch rolls up once, whatever its size', async () => {
    const { w, sizes } = recordingWriter();
    for (let i = 0; i < 20_000; i++) w.enqueue(traceRecord());
    await w.close();
    expect(sizes).toEqual([20_000]);
  });

  it('keeps `batchSize` when not backlogged, and `maxBatchSize` bounds the backlog batches', async () => {
    const small = recordingWriter({ batchSize: 200 });
    for (let i = 0; i < 450; i++) small.w.enqueue(traceRecord());
    await small.w.close();
    expect(small.sizes).toEqual([200, 200, 50]);

    const bounded = recordingWriter({ batchSize: 200, maxBatchSize: 1000 });
    for (let i = 0; i < 2500; i++) bounded.w.enqueue(traceRecord());
    await bounded.w.close();
    // Backlogged (4 batches or more waiting) at 2 500 and 1 500; 500 left go in batches of 200.
    expect(bounded.sizes).toEqual([1000, 1000, 200, 200, 100]);
  });
});
