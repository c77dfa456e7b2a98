import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { TraceWriter, writeTraceBatch, type TraceWriterOptions } from '../../../src/traces';
import { TraceSpool } from '../../../src/traces/trace-spool';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { traceRecord } from '../../fixtures/traces';

const silent = pino({ level: 'silent' });

/**
 * Issue #13: under sustained load the writer's queue never drains, so the spool must give back each
 * sealed segment as soon as every trace in it is written, not wait for a full drain (which never
 * comes), or it fills up and traces are then kept in memory only, exactly when traffic is high.
 */
describe('trace spool under sustained load', () => {
  let t: TestApp;
  let ds: DataSource;
  let root: string;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-spool-load-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const segments = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  const bytesIn = (dir: string) => segments(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  const idsIn = (dir: string) =>
    segments(dir).flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { record: { id: string } }).record.id),
    );

  it('release(lowWater) removes exactly the sealed segments whose highest sequence is below the mark, and frees room in a full spool', () => {
    const spool = new TraceSpool({ dir: root, segmentBytes: 100, maxBytes: 1_000, fsync: 'off' });
    const pad = 'x'.repeat(60);
    // ~100-byte lines: every append past the first seals the segment before it (one record each).
    const seqs = Array.from({ length: 5 }, (_, i) => spool.append({ i, pad }, new Date()));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(spool.sealedSegments).toBe(4);
    const before = segments(spool.folder);
    spool.release(3); // 1 and 2 are written; 3 is not
    expect(segments(spool.folder)).toEqual(before.slice(2));
    expect(spool.sealedSegments).toBe(2);
    // Full: an append is refused until a release makes room.
    while (spool.append({ pad }, new Date()) !== null);
    const full = spool.size;
    expect(spool.append({ pad }, new Date())).toBeNull();
    spool.release(spool.nextSeq - 1); // all but the open segment's last record
    expect(spool.size).toBeLessThan(full);
    expect(spool.append({ pad }, new Date())).toBe(spool.nextSeq - 1);
    spool.close(true);
  });

  it('removes sealed segments while the queue never drains: the spool stays under its cap, nothing is lost, a crash mid-way loses nothing', async () => {
    const TOTAL = 400;
    const BATCH = 5;
    const CAP = 40_000;
    const enqueued: string[] = [];
    const committed = new Set<string>();
    const enqueue = (n: number) => {
      for (let i = 0; i < n && enqueued.length < TOTAL; i++) {
        const r = traceRecord();
        enqueued.push(r.id);
        w.enqueue(r);
      }
    };
    /** Observed at each batch write, while the producer is still running. */
    const seen = { calls: 0, minPending: Infinity, maxBytes: 0, segmentsRemovedWhilePending: 0 };
    const known = new Set<string>();
    let crash: { dir: string; enqueued: string[]; committed: Set<string> } | null = null;
    const options: TraceWriterOptions = {
      spoolDir: root,
      spoolMaxBytes: CAP,
      spoolSegmentBytes: 4_000,
      batchSize: BATCH,
      maxBatchSize: BATCH,
      flushIntervalMs: 1,
      // A slow database: each batch write lets the producer enqueue as many traces as it writes, so
      // the queue stays as long as it started (never empty) until the producer stops.
      writeBatch: async (db, rows) => {
        const producing = enqueued.length < TOTAL;
        if (producing) {
          const [folder] = fs.readdirSync(root);
          const dir = path.join(root, folder!);
          seen.calls++;
          seen.minPending = Math.min(seen.minPending, w.pending);
          seen.maxBytes = Math.max(seen.maxBytes, bytesIn(dir));
          const now = new Set(segments(dir));
          for (const f of known) if (!now.has(f)) seen.segmentsRemovedWhilePending++;
          known.clear();
          for (const f of now) known.add(f);
          // kill -9 half-way: what is on disk is what the next start finds.
          if (!crash && enqueued.length >= TOTAL / 2) {
            const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-spool-crash-'));
            fs.cpSync(dir, path.join(copy, 'dead'), { recursive: true });
            crash = { dir: copy, enqueued: [...enqueued], committed: new Set(committed) };
          }
          enqueue(rows.length);
        }
        await new Promise((r) => setTimeout(r, 2));
        await writeTraceBatch(db, rows);
        for (const r of rows) committed.add(r.record.id);
      },
    };
    const w = new TraceWriter(ds, silent, options);
    const registry = new Registry();
    w.registerMetrics(registry);
    const metric = async (name: string) => {
      const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
      return (m?.values as Array<{ value: number }> | undefined)?.reduce((a, v) => a + v.value, 0) ?? 0;
    };

    enqueue(12);
    while (enqueued.length < TOTAL) await new Promise((r) => setTimeout(r, 10));
    await w.flush();

    // The queue never drained while traces kept coming, yet sealed segments went.
    expect(seen.calls).toBeGreaterThan(50);
    expect(seen.minPending).toBeGreaterThan(0);
    expect(seen.segmentsRemovedWhilePending).toBeGreaterThan(10);
    // The spool never reached its cap: every trace was spooled (~400 KB went through a 40 KB spool).
    expect(seen.maxBytes).toBeLessThanOrEqual(CAP);
    expect(await metric('trace_spool_full_total')).toBe(0);
    expect(await metric('trace_writer_dropped_total')).toBe(0);
    // Nothing lost: every trace is in the database.
    const n = Number((await ds.query('SELECT count(*)::int AS n FROM traces WHERE id = ANY($1)', [enqueued]))[0].n);
    expect(n).toBe(TOTAL);
    await w.close();
    expect(fs.readdirSync(root)).toEqual([]);

    // The crash half-way: every trace enqueued by then is either written or in the spool left behind,
    // and the next start's replay writes it.
    const c = crash as { dir: string; enqueued: string[]; committed: Set<string> } | null;
    expect(c).not.toBeNull();
    try {
      const left = new Set(idsIn(path.join(c!.dir, 'dead')));
      expect(c!.enqueued.filter((id) => !c!.committed.has(id) && !left.has(id))).toEqual([]);
      expect(left.size).toBeLessThan(c!.enqueued.length); // the spool did not keep everything either
      fs.writeFileSync(path.join(c!.dir, 'dead', 'genai-cp.lock'), JSON.stringify({ pid: 4_194_000, host: os.hostname() }));
      const replayed = new Set<string>();
      const next = new TraceWriter(ds, silent, {
        spoolDir: c!.dir,
        writeBatch: async (db, rows) => {
          await writeTraceBatch(db, rows);
          for (const r of rows) replayed.add(r.record.id);
        },
      });
      expect(await next.replay()).toBe(left.size);
      expect(c!.enqueued.filter((id) => !c!.committed.has(id) && !replayed.has(id))).toEqual([]);
      await next.close();
    } finally {
      fs.rmSync(c!.dir, { recursive: true, force: true });
    }
  });
});
