import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { viaOnce, viaPipeline, wsClient } from './generate-clients';
import { startEmulatorProcess, startServiceProcess, type Child } from './generate.bench';
import { fmt, printTable } from './stats';

/**
 * The service's own CPU per request (`BENCH=generate-cpu`): `generateOnce` over HTTP and the
 * `generate` subscription over graphql-ws, at concurrency 1, for the `bare` (no policy) and `full`
 * candidates, each service in its own process against one emulator process. CPU is the service
 * process's scheduled time summed over all its threads (`/proc/<pid>/task/* /schedstat`, ns), read
 * before and after a batch of BENCH_ITERATIONS requests; batches of every candidate and path are
 * alternated round by round (the order rotates), so a change in load falls on all of them alike.
 * With BENCH_BASELINE=<another build's dist>, that build's bare and full services run too (A/B in one run).
 * Figures: median of the rounds' µs per request, min–max beside it, and the load average.
 */
export async function benchGenerateCpu(opts: { iterations?: number; rounds?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 200;
  const rounds = opts.rounds ?? 5;
  const input = 'Where is Paris?\n#reply: The capital of France is Paris. It has been the capital for centuries and is known for its museums, cafes and the Seine.';
  const children: Child[] = [];
  const load0 = loadavg()[0]!;
  try {
    const emulator = await startEmulatorProcess();
    children.push(emulator);
    const baseline = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE, 'test/bench') : null;
    const candidates: Array<[name: string, candidate: 'bare' | 'full', dir: string]> = [
      ['bare', 'bare', __dirname],
      ['full', 'full', __dirname],
    ];
    if (baseline) candidates.push(['bare-baseline', 'bare', baseline], ['full-baseline', 'full', baseline]);
    const only = process.env.BENCH_CANDIDATES?.split(',');
    const services = [];
    for (const [name, candidate, dir] of candidates.filter(([n]) => !only || only.includes(n))) {
      const s = await startServiceProcess(emulator.url, name, candidate, {}, dir);
      children.push(s);
      services.push({ name, pid: s.pid, ws: wsClient(s.ready.wsUrl, s.ready.key), ...s.ready });
    }
    const modes = (process.env.BENCH_MODE ? [process.env.BENCH_MODE] : ['non-streaming', 'streaming']) as Array<'non-streaming' | 'streaming'>;
    const batches = services.flatMap((s) =>
      modes.map((mode) => ({
        label: `${mode === 'streaming' ? 'generate' : 'generateOnce'} ${s.name}`,
        pid: s.pid,
        run: mode === 'streaming' ? () => viaPipeline(s.ws, input) : () => viaOnce(s.url, s.key, input),
      })),
    );
    const perRequest = new Map<string, number[]>(batches.map((b) => [b.label, []]));
    // Round 0 warms every path (JIT, sockets, caches) and is not counted.
    for (let r = 0; r <= rounds; r++) {
      const order = batches.map((_, i) => batches[(i + r) % batches.length]!);
      for (const b of order) {
        const before = processCpuNs(b.pid);
        for (let i = 0; i < iterations; i++) await b.run();
        // Background work of the batch (trace writes, settlements) lands within a short while.
        await new Promise((res) => setTimeout(res, 150));
        const ns = processCpuNs(b.pid) - before;
        if (r > 0) perRequest.get(b.label)!.push(ns / 1000 / iterations);
      }
    }
    for (const s of services) await s.ws.dispose();
    const load1 = loadavg()[0]!;
    const rows = [...perRequest].map(([label, us]) => ({
      path: label,
      'CPU µs / request (median)': fmt(median(us), 0),
      'min–max': `${fmt(Math.min(...us), 0)}–${fmt(Math.max(...us), 0)}`,
      rounds: us.length,
    }));
    printTable(`generate: service CPU per request, concurrency 1, ${iterations} requests a batch, ${rounds} rounds alternated (load ${load0.toFixed(1)} → ${load1.toFixed(1)})`, rows);
    return rows;
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}

/** A process's CPU time so far (ns), summed over its live threads. */
function processCpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return ns;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}
