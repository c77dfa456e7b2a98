import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { TraceWriter, writeTraceBatch, type TraceWriterOptions } from '../../../src/traces';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { traceRecord } from '../../fixtures/traces';

const silent = pino({ level: 'silent' });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/**
 * The durable trace path: a trace is spooled before the answer is acknowledged; while the database
 * is unreachable batches are retried with backoff (never dropped); a process that died leaves its
 * spool behind and the next start replays it.
 */
describe('trace spool', () => {
  let t: TestApp;
  let ds: DataSource;
  let root: string;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await ds.query('DELETE FROM traces');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-spool-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const count = async (ids: string[]): Promise<number> => Number((await ds.query('SELECT count(*)::int AS n FROM traces WHERE id = ANY($1)', [ids]))[0].n);
  /** A DataSource stand-in whose queries fail as an unreachable server's do while `down`. */
  function flaky(state: { down: boolean }): DataSource {
    return {
      query: (sql: string, params?: unknown[]) => (state.down ? Promise.reject(refused()) : ds.query(sql, params)),
      transaction: (fn: (m: unknown) => Promise<unknown>) => (state.down ? Promise.reject(refused()) : ds.transaction(fn)),
    } as unknown as DataSource;
  }
  function writer(db: DataSource, options: TraceWriterOptions) {
    const w = new TraceWriter(db, silent, { flushIntervalMs: 10, retryDelayMs: 20, maxRetryDelayMs: 100, ...options });
    const registry = new Registry();
    w.registerMetrics(registry);
    const metric = async (name: string) => {
      const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
      return (m?.values as Array<{ value: number }> | undefined)?.reduce((a, v) => a + v.value, 0) ?? 0;
    };
    return { w, metric };
  }
  const spoolBytes = (dir: string) => {
    let n = 0;
    for (const d of fs.readdirSync(dir)) for (const f of fs.readdirSync(path.join(dir, d))) if (f.endsWith('.jsonl')) n += fs.statSync(path.join(dir, d, f)).size;
    return n;
  };

  it('keeps retrying with backoff while the database is unreachable and writes everything once it is back', async () => {
    const state = { down: true };
    const { w, metric } = writer(flaky(state), { spoolDir: root });
    const ids = Array.from({ length: 50 }, () => {
      const r = traceRecord();
      w.enqueue(r);
      return r.id;
    });
    // Spooled at once, before anything reached the database.
    expect(spoolBytes(root)).toBeGreaterThan(0);
    // Several retries while it stays down (waited for, not timed: the machine may be slow).
    while ((await metric('trace_writer_unavailable_retries_total')) <= 2) await new Promise((r) => setTimeout(r, 20));
    expect(await metric('trace_writer_dropped_total')).toBe(0);
    state.down = false;
    await w.flush();
    expect(await count(ids)).toBe(50);
    expect(spoolBytes(root)).toBe(0);
    await w.close();
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('a batch failing with an error that does not say "unreachable", the database then down: the writer pings, waits, and drops nothing', async () => {
    const state = { down: false };
    let failed = false;
    const db = flaky(state);
    const { w, metric } = writer(
      {
        ...db,
        query: (sql: string, params?: unknown[]) => db.query(sql, params),
        transaction: (fn: (m: unknown) => Promise<unknown>) => {
          if (failed) return db.transaction(fn);
          // A driver's own error after the spool acknowledged the records; the server goes down with it.
          failed = true;
          state.down = true;
          setTimeout(() => (state.down = false), 400);
          return Promise.reject(new Error('an error whose message names no connection problem'));
        },
      } as unknown as DataSource,
      { spoolDir: root },
    );
    const ids = Array.from({ length: 8 }, () => {
      const r = traceRecord();
      w.enqueue(r);
      return r.id;
    });
    await w.flush();
    expect(await metric('trace_writer_dropped_total')).toBe(0);
    expect(await metric('trace_writer_unavailable_retries_total')).toBeGreaterThan(0);
    expect(await count(ids)).toBe(8);
    await w.close();
  });

  it('a trace enqueued while the last batch is being written stays spooled until it is written itself (a crash then loses nothing)', async () => {
    const calls: Array<{ ids: string[]; go: () => void }> = [];
    const { w } = writer(ds, {
      spoolDir: root,
      writeBatch: (db, rows) =>
        new Promise((resolve, reject) => {
          calls.push({ ids: rows.map((r) => r.record.id), go: () => writeTraceBatch(db, rows).then(resolve, reject) });
        }),
    });
    const first = traceRecord();
    w.enqueue(first);
    while (calls.length < 1) await new Promise((r) => setTimeout(r, 5));
    // Arrives while the first batch is in flight; then the first batch completes.
    const second = traceRecord();
    w.enqueue(second);
    calls[0]!.go();
    // The second batch is being written (held): the process could die now. The spool must still have it.
    while (calls.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(calls[1]!.ids).toEqual([second.id]);
    const spooled = fs.readdirSync(root).flatMap((d) =>
      fs
        .readdirSync(path.join(root, d))
        .filter((f) => f.endsWith('.jsonl'))
        .map((f) => fs.readFileSync(path.join(root, d, f), 'utf8')),
    );
    expect(spooled.join('')).toContain(second.id);
    calls[1]!.go();
    await w.flush();
    expect(await count([first.id, second.id])).toBe(2);
    await w.close();
  });

  it("replays a dead process's spool in batches of maxBatchSize (a backlog), not of batchSize", async () => {
    const dead = writer(flaky({ down: true }), { spoolDir: root, closeTimeoutMs: 0 }).w;
    for (let i = 0; i < 450; i++) dead.enqueue(traceRecord());
    const [folder] = fs.readdirSync(root);
    fs.writeFileSync(path.join(root, folder!, 'genai-cp.lock'), JSON.stringify({ pid: 4_194_000, host: os.hostname() }));
    const sizes: number[] = [];
    const next = writer(ds, {
      spoolDir: root,
      batchSize: 200,
      maxBatchSize: 400,
      writeBatch: (db, rows) => {
        sizes.push(rows.length);
        return writeTraceBatch(db, rows);
      },
    });
    try {
      expect(await next.w.replay()).toBe(450);
      expect(sizes).toEqual([400, 50]);
    } finally {
      await next.w.close();
      await dead.close();
    }
  });

  it('replays at start-up the spool of a process that died before writing', async () => {
    const dead = writer(flaky({ down: true }), { spoolDir: root, closeTimeoutMs: 0 }).w;
    const ids = Array.from({ length: 30 }, () => {
      const r = traceRecord();
      dead.enqueue(r);
      return r.id;
    });
    // The process "dies": its lock now names a pid that does not exist, its spool stays on disk.
    const [folder] = fs.readdirSync(root);
    fs.writeFileSync(path.join(root, folder!, 'genai-cp.lock'), JSON.stringify({ pid: 4_194_000, host: os.hostname() }));
    const next = writer(ds, { spoolDir: root });
    expect(await next.w.replay()).toBe(30);
    expect(await next.metric('trace_spool_replayed_total')).toBe(30);
    expect(await count(ids)).toBe(30);
    expect(fs.readdirSync(root)).toHaveLength(1); // only the new process's own folder
    await next.w.close();
    await dead.close();
  });

  it('bounds the spool by size: when full it logs, counts, and keeps the trace in memory', async () => {
    const state = { down: true };
    const { w, metric } = writer(flaky(state), { spoolDir: root, spoolMaxBytes: 20_000 });
    const ids = Array.from({ length: 40 }, () => {
      const r = traceRecord();
      w.enqueue(r);
      return r.id;
    });
    expect(await metric('trace_spool_full_total')).toBeGreaterThan(0);
    expect(spoolBytes(root)).toBeLessThanOrEqual(20_000);
    state.down = false;
    await w.flush();
    expect(await count(ids)).toBe(40);
    await w.close();
  });
});
