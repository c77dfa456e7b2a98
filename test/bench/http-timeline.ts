import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';
import { percentile } from './stats';

/**
 * The generate benchmark's HTTP timeline (BENCH_TIMELINE=<dir>): where a non-streaming request's
 * client-seen time goes, timed the same way for this service and for Portkey. Loaded with
 * `--require` into each server process (the service candidates, Portkey) and required by the client
 * worker. Clock: `performance.timeOrigin + performance.now()` (ms), comparable across the processes
 * of one machine to well under a millisecond.
 * - client (undici, the worker's `fetch`): when the request was created, when its headers went on
 *   the socket (after waiting for a connection), when the response's headers and its end arrived;
 *   each POST gets an `x-bench-id` header that the server side records too;
 * - server (any `http.Server` in the process): the socket's `connection`, the `request` event
 *   (headers parsed: the event loop reached this request), the body's end, `writeHead`, `finish`,
 *   and the process's CPU time (`process.cpuUsage`, user + system) at `request` and `finish`.
 * - upstream: each server's own POSTs (the service's AWS SDK call over node:http, Portkey's fetch to
 *   the emulator), from the request's start to the response's end.
 * Each thread appends JSON lines to `<dir>/<pid>-<thread>.jsonl`.
 */

export interface ClientRow {
  side: 'c';
  id: string;
  origin: string;
  /** The worker's label for the round (`<kind>@<concurrency>#<round>`). */
  label: string;
  create: number;
  sent?: number;
  headers?: number;
  end?: number;
}

/** A server's own call upstream (the service's AWS SDK over node:http, Portkey's fetch), start to the response's end. */
export interface UpstreamRow {
  side: 'u';
  pid: number;
  start: number;
  end: number;
}

export interface ServerRow {
  side: 's';
  id: string;
  pid: number;
  /** The socket served an earlier request (a kept-alive connection). */
  reused: boolean;
  req: number;
  bodyEnd?: number;
  head?: number;
  finish?: number;
  cpuReq: number;
  cpuFinish?: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

let label = '';
/** The client worker names the round its requests belong to ('' : not recorded, e.g. the warm-up). */
export function setTimelineLabel(l: string): void {
  label = l;
}

let flush = (): void => {};
/** Writes what is buffered (the client worker, before it is terminated). */
export function flushTimeline(): void {
  flush();
}

let uninstall = (): void => {};
/**
 * Writes what is buffered and removes every hook (the server patch, the diagnostics subscriptions,
 * the flush timer and the process listeners): a test in a shared jest worker must not leave them to
 * the files that run after it.
 */
export function uninstallTimeline(): void {
  uninstall();
}

/** Installs the hooks when BENCH_TIMELINE is set (once per thread). */
export function installTimeline(): void {
  const dir = process.env.BENCH_TIMELINE;
  const g = globalThis as { __benchTimeline?: boolean };
  if (!dir || g.__benchTimeline) return;
  g.__benchTimeline = true;
  const file = `${dir}/${process.pid}-${threadId}.jsonl`;
  const rows: Array<ClientRow | ServerRow | UpstreamRow> = [];
  flush = (): void => {
    if (!rows.length) return;
    appendFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    rows.length = 0;
  };
  const timer = setInterval(flush, 500).unref();
  process.on('exit', flush);
  const onTerm = (): void => {
    flush();
    if (process.listenerCount('SIGTERM') === 1) process.exit(0);
  };
  // Flush before a SIGTERM ends the process; a process with its own SIGTERM handler exits itself.
  if (isMainThread) process.on('SIGTERM', onTerm);
  const subscriptions: Array<[string, (m: unknown) => void]> = [];
  const subscribe = (channel: string, fn: (m: unknown) => void): void => {
    diagnostics.subscribe(channel, fn);
    subscriptions.push([channel, fn]);
  };

  const used = new WeakSet<object>();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const id = req.headers['x-bench-id'];
      if (typeof id === 'string') {
        const row: ServerRow = { side: 's', id, pid: process.pid, reused: used.has(req.socket), req: now(), cpuReq: cpuMs() };
        used.add(req.socket);
        req.once('end', () => (row.bodyEnd = now()));
        const writeHead = res.writeHead;
        res.writeHead = function (this: http.ServerResponse, ...a: unknown[]) {
          row.head ??= now();
          return (writeHead as (...x: unknown[]) => http.ServerResponse).apply(this, a);
        } as typeof res.writeHead;
        res.once('finish', () => {
          row.finish = now();
          row.cpuFinish = cpuMs();
          rows.push(row);
        });
      }
    }
    return (emit as (this: http.Server, e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof http.Server.prototype.emit;

  type UndiciRequest = { method: string; origin: unknown; addHeader(k: string, v: string): void; __timeline?: ClientRow };
  let seq = 0;
  const upstream = new WeakMap<object, number>();
  subscribe('http.client.request.start', (m) => {
    const { request } = m as { request: http.ClientRequest };
    if (request.method === 'POST') upstream.set(request, now());
  });
  subscribe('http.client.response.finish', (m) => {
    const { request, response } = m as { request: http.ClientRequest; response: http.IncomingMessage };
    const start = upstream.get(request);
    if (start !== undefined) response.once('end', () => rows.push({ side: 'u', pid: process.pid, start, end: now() }));
  });
  subscribe('undici:request:create', (m) => {
    const { request } = m as { request: UndiciRequest };
    if (request.method !== 'POST') return;
    if (!label) {
      // Not the client worker's measured round: a server's own call upstream.
      upstream.set(request, now());
      return;
    }
    const id = `${process.pid}-${threadId}-${seq++}`;
    request.addHeader('x-bench-id', id);
    request.__timeline = { side: 'c', id, origin: String(request.origin), label, create: now() };
  });
  subscribe('undici:client:sendHeaders', (m) => {
    const t = (m as { request: UndiciRequest }).request.__timeline;
    if (t) t.sent = now();
  });
  subscribe('undici:request:headers', (m) => {
    const t = (m as { request: UndiciRequest }).request.__timeline;
    if (t) t.headers = now();
  });
  subscribe('undici:request:trailers', (m) => {
    const request = (m as { request: UndiciRequest }).request;
    const start = upstream.get(request);
    if (start !== undefined) rows.push({ side: 'u', pid: process.pid, start, end: now() });
    const t = request.__timeline;
    if (t) {
      t.end = now();
      rows.push(t);
    }
  });
  uninstall = (): void => {
    flush();
    clearInterval(timer);
    process.off('exit', flush);
    process.off('SIGTERM', onTerm);
    for (const [channel, fn] of subscriptions) diagnostics.unsubscribe(channel, fn);
    http.Server.prototype.emit = emit;
    flush = (): void => {};
    uninstall = (): void => {};
    g.__benchTimeline = false;
  };
}

/**
 * Per client kind and concurrency (`once:bare@50`, ...), over its rounds: p50 of each leg (ms) and
 * the server's CPU per request (from each round's first `request` to its last `finish`, so work
 * after the answer, such as a trace written later, is not counted).
 */
export function summarizeTimeline(dir: string): Array<Record<string, string | number>> {
  const client = new Map<string, ClientRow>();
  const server = new Map<string, ServerRow>();
  const up: UpstreamRow[] = [];
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(`${dir}/${f}`, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as ClientRow | ServerRow | UpstreamRow;
      if (r.side === 'c') client.set(r.id, r);
      else if (r.side === 's') server.set(r.id, r);
      else up.push(r);
    }
  }
  const byKind = new Map<string, Array<ClientRow & { s: ServerRow }>>();
  for (const c of client.values()) {
    const s = server.get(c.id);
    if (!s || c.end === undefined || s.finish === undefined) continue;
    const kind = c.label.split('#')[0]!;
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push({ ...c, s });
  }
  const p50 = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    ).toFixed(1);
  const rows: Array<Record<string, string | number>> = [];
  for (const [kind, rs] of [...byKind].sort()) {
    const rounds = new Map<string, typeof rs>();
    for (const r of rs) rounds.set(r.label, [...(rounds.get(r.label) ?? []), r]);
    let cpu = 0;
    const calls: number[] = [];
    for (const round of rounds.values()) {
      cpu += Math.max(...round.map((r) => r.s.cpuFinish!)) - Math.min(...round.map((r) => r.s.cpuReq));
      const from = Math.min(...round.map((r) => r.s.req));
      const to = Math.max(...round.map((r) => r.s.finish!));
      for (const u of up) if (u.pid === round[0]!.s.pid && u.start >= from && u.end <= to) calls.push(u.end - u.start);
    }
    rows.push({
      kind,
      n: rs.length,
      'new connections': rs.filter((r) => !r.s.reused).length,
      'total p50': p50(rs.map((r) => r.end! - r.create)),
      'client wait for a socket': p50(rs.map((r) => (r.sent ?? r.create) - r.create)),
      'sent → server request event': p50(rs.map((r) => r.s.req - (r.sent ?? r.create))),
      'request → body read': p50(rs.map((r) => (r.s.bodyEnd ?? r.s.req) - r.s.req)),
      'body → response head': p50(rs.map((r) => r.s.head! - (r.s.bodyEnd ?? r.s.req))),
      'upstream call (server side)': calls.length ? p50(calls) : '-',
      'head → client headers': p50(rs.map((r) => r.headers! - r.s.head!)),
      'client headers → end': p50(rs.map((r) => r.end! - r.headers!)),
      'server CPU ms per request': (cpu / rs.length).toFixed(2),
    });
  }
  return rows;
}

installTimeline();
