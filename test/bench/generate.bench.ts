import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { fmt, printTable, summarize } from './stats';
import { MODEL, REPLY, must, setupPrompt, type Sample } from './generate-clients';
import type { ClientKind, WorkerSetup } from './generate-client.worker';
import { freePort } from '../helpers/free-port';

/**
 * The generate pipeline against the floor, side by side in one run (`BENCH=generate`). The floor is
 * the AWS SDK straight to the emulator (ConverseStream; Converse for the non-streaming rows). The
 * candidates, all against the same emulator, from remote clients (a worker thread):
 * - `bare`: this service with no policy and no budget (graphql-ws `generate`; HTTP `generateOnce`);
 * - `full`: this service with the full pipeline: a PII OUTPUT policy, a prompt-injection INPUT
 *   policy screening the 10 retrieved chunks every request carries, one GLOBAL budget;
 * - `portkey` (BENCH_PORTKEY=1): Portkey's gateway, installed into a temporary folder (not into
 *   package.json) and started as its own process, with its Bedrock provider pointed at the emulator.
 * - `spool-*` (BENCH_SPOOL=1): the no-policy service with a durable trace spool on disk, once per
 *   TRACE_SPOOL_FSYNC mode (`off`: write(2) only; `batch`: group-commit fdatasync before the
 *   answer; `always`: fdatasync in every append), to show what durability beyond kill -9 costs.
 * Rounds are interleaved candidate by candidate, at concurrency 1 and 50, streaming and not.
 * Every request carries the same 10 chunks (the floor and Portkey get them in the user message).
 */
export async function benchGeneration(opts: { iterations?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 100;
  const bare = await startTestApp({ LOG_LEVEL: 'silent' });
  const endpoint = bare.app.services.models.emulatorUrl;
  if (!endpoint) throw new Error('the bench needs the in-process emulator');
  const full = await startTestApp({ LOG_LEVEL: 'silent', MODEL_PROVIDER: 'emulator', BEDROCK_ENDPOINT: endpoint });
  const input = `Where is Paris?\n#reply: ${REPLY}`;
  const spoolRoot = process.env.BENCH_SPOOL === '1' ? mkdtempSync(path.join(tmpdir(), 'gcp-bench-spool-')) : null;
  const spooled: Array<[mode: 'off' | 'batch' | 'always', app: TestApp]> = [];
  if (spoolRoot) {
    for (const mode of ['off', 'batch', 'always'] as const) {
      spooled.push([mode, await startTestApp({ LOG_LEVEL: 'silent', MODEL_PROVIDER: 'emulator', BEDROCK_ENDPOINT: endpoint, TRACE_SPOOL_DIR: path.join(spoolRoot, mode), TRACE_SPOOL_FSYNC: mode })]);
    }
  }
  let worker: Worker | undefined;
  let portkey: { url: string; stop: () => void } | undefined;
  try {
    await setupPrompt(bare);
    await setupPrompt(full);
    await setupFull(full);
    if (process.env.BENCH_PORTKEY === '1') portkey = await startPortkey();
    const services: WorkerSetup['services'] = {};
    for (const [, t] of spooled) await setupPrompt(t);
    for (const [name, t] of [['bare', bare] as const, ['full', full] as const, ...spooled.map(([mode, t]) => [`spool-${mode}`, t] as const)])
      services[name] = { wsUrl: t.wsUrl, httpUrl: t.url, key: await t.keyFor('APP') };
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
    for (const [mode] of spooled) {
      streaming.push([`no policy, trace spool on disk, TRACE_SPOOL_FSYNC=${mode}`, `ws:spool-${mode}`]);
      once.push([`generateOnce, no policy, trace spool on disk, TRACE_SPOOL_FSYNC=${mode}`, `once:spool-${mode}`]);
    }
    if (portkey) {
      streaming.unshift(['Portkey', 'portkey']);
      once.unshift(['Portkey, non-streaming', 'portkey-once']);
    }
    // Warm every path (JIT, sockets, caches).
    for (let i = 0; i < 20; i++) for (const [, kind] of [['', 'direct'], ['', 'direct-once'], ...streaming, ...once] as Array<[string, ClientKind]>) await run(kind, 1);
    failures.clear();
    const rows: Array<Record<string, string | number>> = [];
    for (const [concurrency, rounds] of [
      [1, iterations],
      [50, Math.max(3, Math.round(iterations / 10))],
    ] as const) {
      for (const [floorKind, candidates, mode] of [
        ['direct', streaming, 'streaming'],
        ['direct-once', once, 'non-streaming'],
      ] as const) {
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
      worker.postMessage({ kind: 'stop' });
      await worker.terminate();
    }
    portkey?.stop();
    for (const [, t] of spooled) await t.close();
    if (spoolRoot) rmSync(spoolRoot, { recursive: true, force: true });
    await full.close();
    await bare.close();
  }
}

/** The full pipeline: PII on the output, injection screening of the input and chunks, one GLOBAL budget. */
async function setupFull(t: TestApp): Promise<void> {
  await must(
    t,
    `mutation { createGuardrailPolicy(input: { name: "pii-out", appliesTo: [OUTPUT], pii: { entities: [{ type: "EMAIL", action: "ANONYMIZE" }, { type: "CREDIT_DEBIT_CARD_NUMBER", action: "BLOCK" }] } }) { id } }`,
  );
  await must(t, `mutation { createGuardrailPolicy(input: { name: "injection-in", appliesTo: [INPUT], promptInjection: { enabled: true, sensitivity: "MEDIUM", onContext: "DROP" } }) { id } }`);
  await must(t, `mutation { createBudget(input: { name: "global", scope: GLOBAL, period: MONTHLY, limitUsd: 1000000 }) { id } }`);
}

/** Requests that failed, by client kind (reported, not timed). */
const failures = new Map<string, { n: number; last: string }>();

function workerClient(worker: Worker) {
  return (kind: ClientKind, concurrency: number): Promise<Sample[]> =>
    new Promise((resolve, reject) => {
      worker.once('message', (m: { samples?: Sample[]; failed?: number; lastError?: string; error?: string }) => {
        if (m.error) return reject(new Error(`${kind}: ${m.error}`));
        if (m.failed) {
          const f = failures.get(kind) ?? { n: 0, last: '' };
          failures.set(kind, { n: f.n + m.failed, last: m.lastError ?? '' });
        }
        resolve(m.samples!);
      });
      worker.postMessage({ kind, concurrency });
    });
}

/** Installs Portkey's gateway into a temporary folder (npm), starts it, waits until it answers. */
async function startPortkey(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'portkey-'));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, '@portkey-ai/gateway'], { stdio: 'ignore' });
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${port}`, '--headless'], { stdio: 'ignore' });
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
