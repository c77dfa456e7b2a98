import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as timeline from '../../bench/http-timeline';

/**
 * The generate benchmark's HTTP timeline (BENCH_TIMELINE): a measured request is joined across the
 * client and the server by its `x-bench-id`, and each leg adds up to the client-seen total.
 */
describe('bench HTTP timeline', () => {
  let dir: string;
  const emitBefore = http.Server.prototype.emit;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'timeline-'));
    process.env.BENCH_TIMELINE = dir;
    timeline.installTimeline();
  });
  afterAll(() => {
    // The hooks live in this jest worker's shared node:http and diagnostics_channel: remove them, or
    // their flush timer writes into the removed folder while a later test file runs.
    timeline.uninstallTimeline();
    delete process.env.BENCH_TIMELINE;
    rmSync(dir, { recursive: true, force: true });
  });

  it('joins client and server rows per round and reports the server wait and its CPU', async () => {
    const seen: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers['x-bench-id'] as string | undefined);
      req.resume();
      req.on('end', () => {
        // 30 ms of work before the answer: body → head must show it.
        setTimeout(() => res.end('{"ok":true}'), 30);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      timeline.setTimelineLabel('');
      await fetch(url, { method: 'POST', body: '{}' }).then((r) => r.text()); // a warm-up: not recorded
      timeline.setTimelineLabel('once:x@2#0');
      await Promise.all([1, 2].map(() => fetch(url, { method: 'POST', body: '{}' }).then((r) => r.text())));
      timeline.setTimelineLabel('once:x@2#1');
      await Promise.all([1, 2].map(() => fetch(url, { method: 'POST', body: '{}' }).then((r) => r.text())));
      timeline.setTimelineLabel('');
    } finally {
      await new Promise((r) => server.close(r));
    }
    timeline.flushTimeline();
    expect(seen[0]).toBeUndefined();
    expect(seen.slice(1).every((id) => typeof id === 'string')).toBe(true);
    const rows = timeline.summarizeTimeline(dir);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.kind).toBe('once:x@2');
    expect(row.n).toBe(4);
    expect(Number(row['body → response head'])).toBeGreaterThanOrEqual(29);
    expect(Number(row['total p50'])).toBeGreaterThanOrEqual(Number(row['body → response head']));
    expect(Number(row['server CPU ms per request'])).toBeGreaterThan(0);
  });

  it('leaves no hook behind once uninstalled: the server patch is gone and nothing more is written', async () => {
    expect(http.Server.prototype.emit).not.toBe(emitBefore);
    timeline.uninstallTimeline();
    expect(http.Server.prototype.emit).toBe(emitBefore);
    const written = (): string =>
      readdirSync(dir)
        .map((f) => readFileSync(path.join(dir, f), 'utf8'))
        .join('');
    const before = written();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      timeline.setTimelineLabel('once:x@1#0');
      await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', body: '{}' }).then((r) => r.text());
      timeline.setTimelineLabel('');
    } finally {
      await new Promise((r) => server.close(r));
    }
    await new Promise((r) => setTimeout(r, 700)); // past the 500 ms flush timer
    timeline.flushTimeline();
    expect(written()).toBe(before);
  });
});
