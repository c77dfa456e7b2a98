import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fmt, printTable, summarize } from './stats';
import { MODEL, REPLY, type Sample } from './generate-clients';
import type { ClientKind, WorkerSetup } from './generate-client.worker';
import { freePort } from '../helpers/free-port';
import { summarizeTimeline } from './http-timeline';

/** BENCH_TIMELINE=<dir>: the service candidates and Portkey load the HTTP timeline's hooks (http-timeline.ts). */
const timelineArgs = (): string[] => (process.env.BENCH_TIMELINE ? ['--require', path.join(__dirname, 'http-timeline.js')] : []);

/**
 * The generate pipeline against the floor, side by side in one run (`BENCH=generate`). Every party
 * has its own process (its own event loop), so no candidate shares a thread with another or with the
 * emulator: the Bedrock emulator (`dist/src/providers/emulator/main.js`), each service candidate
 * (`generate-service.js`, on its own fresh database: PostgreSQL at DATABASE_URL, else its own
 * in-memory PGlite) and Portkey. The clients run in a worker thread of this process. The floor is
 * the AWS SDK straight to the emulator (ConverseStream; Converse for the non-streaming rows). The
 * candidates, all against the same emulator process:
 * - `bare`: this service with no policy and no budget (graphql-ws `generate`; HTTP `generateOnce`);
 * - `full`: this service with the full pipeline: a PII OUTPUT policy, a prompt-injection INPUT
 *   policy screening the 10 retrieved chunks every request carries, one GLOBAL budget;
 * - `portkey` (BENCH_PORTKEY=1): Portkey's gateway, installed into a temporary folder (not into
 *   package.json), with its Bedrock provider pointed at the emulator.
 * - `spool-*` (BENCH_SPOOL=1): the no-policy service with a durable trace spool on disk, once per
 *   TRACE_SPOOL_FSYNC mode (`off`: write(2) only; `batch`: group-commit fdatasync before the
 *   answer; `always`: fdatasync in every append), to show what durability beyond kill -9 costs.
 * Rounds are interleaved candidate by candidate, at concurrency 1 and 50, streaming and not.
 * Every request carries the same 10 chunks (the floor and Portkey get them in the user message).
 * BENCH_CONCURRENCY picks the levels (default `1,50`); BENCH_MODE=streaming or non-streaming one mode.
 * BENCH_FRESH_CHUNKS=1 sends ten chunks never sent before with every request (see `requestChunks`).
 */
export async function benchGeneration(opts: { iterations?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 100;
  const input = `Where is Paris?\n#reply: ${REPLY}`;
  if (process.env.BENCH_TIMELINE) {
    mkdirSync(process.env.BENCH_TIMELINE, { recursive: true });
    if (readdirSync(process.env.BENCH_TIMELINE).length) throw new Error(`BENCH_TIMELINE: ${process.env.BENCH_TIMELINE} is not empty`);
  }
  const spoolRoot = process.env.BENCH_SPOOL === '1' ? mkdtempSync(path.join(tmpdir(), 'gcp-bench-spool-')) : null;
  const children: Child[] = [];
  let worker: Worker | undefined;
  let portkey: { url: string; stop: () => void } | undefined;
  try {
    const emulator = await startEmulatorProcess();
    children.push(emulator);
    const endpoint = emulator.url;
    const candidates: Array<[name: string, candidate: 'bare' | 'full', env: Record<string, string>]> = [
      ['bare', 'bare', {}],
      ['full', 'full', {}],
    ];
    if (spoolRoot) for (const mode of ['off', 'batch', 'always'] as const) candidates.push([`spool-${mode}`, 'bare', { TRACE_SPOOL_DIR: path.join(spoolRoot, mode), TRACE_SPOOL_FSYNC: mode }]);
    // BENCH_BASELINE=<another build's dist>: that build's bare and full services too, interleaved with these (before/after in one run).
    const baseline = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE, 'test/bench') : null;
    if (baseline) candidates.push(['bare-baseline', 'bare', {}], ['full-baseline', 'full', {}]);
    const services: WorkerSetup['services'] = {};
    // One at a time: each runs its migrations on start.
    for (const [name, candidate, env] of candidates) {
      const s = await startServiceProcess(endpoint, name, candidate, env, name.endsWith('-baseline') ? baseline! : __dirname);
      children.push(s);
      services[name] = { wsUrl: s.ready.wsUrl, httpUrl: s.ready.url, key: s.ready.key };
    }
    const spooled = candidates.filter(([name]) => name.startsWith('spool-')).map(([name]) => name.slice('spool-'.length));
    if (process.env.BENCH_PORTKEY === '1') portkey = await startPortkey();
    worker = new Worker(path.join(__dirname, 'generate-client.worker.js'), { workerData: { endpoint, input, services, portkeyUrl: portkey?.url } satisfies WorkerSetup });
    const run = workerClient(worker);
    const streaming: Array<[string, ClientKind]> = [
      ['this service, no policy, no budget', 'ws:bare'],
      ['this service, full pipeline', 'ws:full'],
    ];
    const once: Array<[string, ClientKind]> = [
      ['generateOnce, no policy, no budget', 'once:bare'],
      ['generateOnce, full pipeline', 'once:full'],
    ];
    if (baseline) {
      streaming.push(['baseline build, no policy, no budget', 'ws:bare-baseline'], ['baseline build, full pipeline', 'ws:full-baseline']);
      once.push(['baseline build generateOnce, no policy, no budget', 'once:bare-baseline'], ['baseline build generateOnce, full pipeline', 'once:full-baseline']);
    }
    for (const mode of spooled) {
      streaming.push([`no policy, trace spool on disk, TRACE_SPOOL_FSYNC=${mode}`, `ws:spool-${mode}`]);
      once.push([`generateOnce, no policy, trace spool on disk, TRACE_SPOOL_FSYNC=${mode}`, `once:spool-${mode}`]);
    }
    if (portkey) {
      streaming.unshift(['Portkey', 'portkey']);
      once.unshift(['Portkey, non-streaming', 'portkey-once']);
    }
    // Warm every path (JIT, sockets, caches).
    for (let i = 0; i < 20; i++) for (const [, kind] of [['', 'direct'], ['', 'direct-once'], ...streaming, ...once] as Array<[string, ClientKind]>) await run(kind, 1, true);
    failures.clear();
    const rows: Array<Record<string, string | number>> = [];
    // BENCH_CONCURRENCY=1 (or 50) runs one level alone (e.g. to read BENCH_SPANS_OUT for it alone).
    const levels = (process.env.BENCH_CONCURRENCY ?? '1,50').split(',').map(Number);
    for (const [concurrency, rounds] of [
      [1, iterations],
      [50, Math.max(3, Math.round(iterations / 10))],
    ].filter(([c]) => levels.includes(c!)) as Array<[number, number]>) {
      for (const [floorKind, candidates, mode] of (
        [
          ['direct', streaming, 'streaming'],
          ['direct-once', once, 'non-streaming'],
        ] as const
      ).filter(([, , m]) => !process.env.BENCH_MODE || process.env.BENCH_MODE === m)) {
        const floor: Sample[] = [];
        const got = candidates.map(() => [] as Sample[]);
        for (let r = 0; r < rounds; r++) {
          floor.push(...(await run(floorKind, concurrency)));
          for (let c = 0; c < candidates.length; c++) got[c]!.push(...(await run(candidates[c]![1], concurrency)));
        }
        const f = summarize(floor.map((s) => s.total));
        const ft = summarize(floor.map((s) => s.ttft));
        rows.push({
          mode,
          concurrency,
          candidate: 'floor (AWS SDK to the emulator)',
          n: f.n,
          'total p50 ms': fmt(f.p50, 2),
          'ratio p50': '1.00',
          'total p99 ms': fmt(f.p99, 2),
          'ratio p99': '1.00',
          'ttft p50 ms': fmt(ft.p50, 2),
        });
        candidates.forEach(([label], c) => {
          const s = summarize(got[c]!.map((x) => x.total));
          const t = summarize(got[c]!.map((x) => x.ttft));
          rows.push({
            mode,
            concurrency,
            candidate: label,
            n: s.n,
            'total p50 ms': fmt(s.p50, 2),
            'ratio p50': fmt(s.p50 / f.p50, 2),
            'total p99 ms': fmt(s.p99, 2),
            'ratio p99': fmt(s.p99 / f.p99, 2),
            'ttft p50 ms': fmt(t.p50, 2),
          });
        });
      }
    }
    if (failures.size) console.log(`\nfailed requests (not timed): ${JSON.stringify(Object.fromEntries(failures))}`);
    printTable(`generate: the floor (AWS SDK straight to the emulator) vs the service${portkey ? ' and Portkey' : ''}, ${MODEL}, 10 context chunks, interleaved`, rows);
    return rows;
  } finally {
    if (worker) {
      // The worker's answer to `stop` comes once its clients are closed and its timeline flushed (the last round's rows).
      const stopped = new Promise((resolve) => worker!.once('message', resolve));
      worker.postMessage({ kind: 'stop' });
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5000))]);
      await worker.terminate();
    }
    portkey?.stop();
    // Services first (each drops its database on SIGTERM), the emulator last.
    for (const c of children.reverse()) await c.stop();
    if (spoolRoot) rmSync(spoolRoot, { recursive: true, force: true });
    if (process.env.BENCH_TIMELINE) {
      printTable(
        "generate, HTTP timeline (BENCH_TIMELINE): p50 of each leg (ms; client and server clocks of one machine), server CPU per request (a round's first request to its last answer)",
        summarizeTimeline(process.env.BENCH_TIMELINE),
      );
    }
  }
}

export interface Child {
  stop: () => Promise<void>;
}

/** Sends SIGTERM and waits for the exit (SIGKILL after 10 s). */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The Bedrock emulator as its own process (`npm run emulator`'s entry, PORT picked here), once it answers. */
export async function startEmulatorProcess(): Promise<Child & { url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, '../../src/providers/emulator/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the emulator exited with ${child.exitCode}`);
    const up = await fetch(url).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 200) throw new Error('the emulator did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, stop: () => stopChild(child) };
}

/**
 * One service candidate as its own process (`generate-service.js`), once it printed its URLs and APP
 * key. With BENCH_CPU_PROF=<dir>, the process writes a V8 CPU profile `<dir>/<name>.cpuprofile` on exit,
 * sampled every BENCH_CPU_PROF_INTERVAL µs (default 1000, V8's; 100 tells apart items of a few µs a request).
 */
export async function startServiceProcess(
  endpoint: string,
  name: string,
  candidate: 'bare' | 'full',
  env: Record<string, string>,
  dir: string,
): Promise<Child & { pid: number; ready: { url: string; wsUrl: string; key: string } }> {
  const prof = process.env.BENCH_CPU_PROF;
  const interval = process.env.BENCH_CPU_PROF_INTERVAL;
  const profArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=${name}.cpuprofile`, ...(interval ? [`--cpu-prof-interval=${interval}`] : [])] : [];
  const child = spawn(process.execPath, [...profArgs, ...timelineArgs(), path.join(dir, 'generate-service.js')], {
    env: { ...process.env, BEDROCK_ENDPOINT: endpoint, BENCH_CANDIDATE: candidate, BENCH_SERVICE_NAME: name, BENCH_SERVICE_ENV: JSON.stringify(env) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ url: string; wsUrl: string; key: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as { url: string; wsUrl: string; key: string });
    });
    child.once('exit', (code) => reject(new Error(`the ${candidate} service exited with ${code} before it was ready`)));
  });
  return { pid: child.pid!, ready, stop: () => stopChild(child) };
}

/** Requests that failed, by client kind (reported, not timed). */
const failures = new Map<string, { n: number; last: string }>();

function workerClient(worker: Worker) {
  return (kind: ClientKind, concurrency: number, warm = false): Promise<Sample[]> =>
    new Promise((resolve, reject) => {
      worker.once('message', (m: { samples?: Sample[]; failed?: number; lastError?: string; error?: string }) => {
        if (m.error) return reject(new Error(`${kind}: ${m.error}`));
        if (m.failed) {
          const f = failures.get(kind) ?? { n: 0, last: '' };
          failures.set(kind, { n: f.n + m.failed, last: m.lastError ?? '' });
        }
        resolve(m.samples!);
      });
      worker.postMessage({ kind, concurrency, warm });
    });
}

/** Installs Portkey's gateway into a temporary folder (npm), starts it, waits until it answers. */
async function startPortkey(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'portkey-'));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, '@portkey-ai/gateway'], { stdio: 'ignore' });
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...timelineArgs(), path.join(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${port}`, '--headless'], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(url).then(
      () => true,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
