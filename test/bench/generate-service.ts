import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { must, setupPrompt } from './generate-clients';

/**
 * One service candidate of the generate benchmark in its own process (started by generate.bench.ts):
 * the app against the emulator at BEDROCK_ENDPOINT, on a fresh database (a fresh PostgreSQL database
 * on DATABASE_URL, dropped on exit; else this process's own in-memory PGlite), with the bench prompt
 * and, for BENCH_CANDIDATE=full, the full pipeline. Prints one JSON line `{ url, wsUrl, key }` (an
 * APP key) when ready; SIGTERM closes the app and drops its database. BENCH_SERVICE_ENV (JSON) adds
 * settings (the trace spool candidates). With BENCH_SPANS_OUT set, on SIGTERM it first writes the
 * p50/p90/p99 of every span name over the traces it wrote, of the traces' latency and of the event
 * loop's delay (µs, JSON) to `<BENCH_SPANS_OUT>-<name>.json`
 * (BENCH_SERVICE_NAME: the bench's name for the candidate).
 */
async function main(): Promise<void> {
  const endpoint = process.env.BEDROCK_ENDPOINT;
  if (!endpoint) throw new Error('BEDROCK_ENDPOINT (the emulator) is required');
  const extra = JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') as Record<string, string>;
  const t = await startTestApp({ LOG_LEVEL: 'silent', MODEL_PROVIDER: 'emulator', BEDROCK_ENDPOINT: endpoint, ...extra });
  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    writeSpanStats(t)
      .then(() => t.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  // The parent going away (a crashed bench) closes this candidate too.
  process.stdin.on('end', close);
  process.stdin.resume();
  if (process.env.BENCH_SPANS_OUT) {
    // HTTP requests from their 'request' event (headers parsed) to 'finish' (the answer handed to the OS).
    t.app.server.httpServer.on('request', (req, res) => {
      if (req.method !== 'POST') return;
      const t0 = performance.now();
      res.once('finish', () => httpTimes.push(performance.now() - t0));
    });
  }
  await setupPrompt(t);
  if (process.env.BENCH_CANDIDATE === 'full') await setupFull(t);
  process.stdout.write(`${JSON.stringify({ url: t.url, wsUrl: t.wsUrl, key: await t.keyFor('APP') })}\n`);
}

/** The event loop's delay (sampled every 10 ms), for BENCH_SPANS_OUT. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
/** POST requests' time from 'request' to 'finish' (ms), for BENCH_SPANS_OUT (the first 25, set-up, left out). */
const httpTimes: number[] = [];
if (process.env.BENCH_SPANS_OUT) loopDelay.enable();

/** Per span name: how many, p50/p90/p99 duration (µs) over the traces written so far (BENCH_SPANS_OUT; a batch still being written is left out). */
async function writeSpanStats(t: TestApp): Promise<void> {
  const out = process.env.BENCH_SPANS_OUT;
  if (!out) return;
  const traces = (await t.app.dataSource.query(
    `SELECT 'trace latency_ms' AS name, count(*)::int AS n,
            round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)) AS p50_us,
            round(1000 * percentile_cont(0.9) WITHIN GROUP (ORDER BY latency_ms)) AS p90_us,
            round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)) AS p99_us
       FROM traces WHERE latency_ms IS NOT NULL`,
  )) as unknown[];
  const sorted = httpTimes.slice(25).sort((a, b) => a - b);
  const at = (q: number) => Math.round(1000 * (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0));
  const http = { name: 'http request→finish', n: sorted.length, p50_us: at(0.5), p90_us: at(0.9), p99_us: at(0.99) };
  const loop = {
    name: 'event loop delay',
    n: loopDelay.count,
    p50_us: Math.round(loopDelay.percentile(50) / 1000),
    p90_us: Math.round(loopDelay.percentile(90) / 1000),
    p99_us: Math.round(loopDelay.percentile(99) / 1000),
  };
  const rows = (await t.app.dataSource.query(
    `SELECT s->>'name' AS name, count(*)::int AS n,
            round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY (s->>'durationMs')::float)) AS p50_us,
            round(1000 * percentile_cont(0.9) WITHIN GROUP (ORDER BY (s->>'durationMs')::float)) AS p90_us,
            round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY (s->>'durationMs')::float)) AS p99_us
       FROM traces, jsonb_array_elements(spans) s GROUP BY 1 ORDER BY 1`,
  )) as unknown[];
  writeFileSync(`${out}-${process.env.BENCH_SERVICE_NAME ?? process.env.BENCH_CANDIDATE ?? 'bare'}.json`, JSON.stringify([...rows, ...traces, http, loop], null, 1));
}

/** The full pipeline: PII on the output, injection screening of the input and chunks, one GLOBAL budget. */
async function setupFull(t: Parameters<typeof setupPrompt>[0]): Promise<void> {
  await must(
    t,
    `mutation { createGuardrailPolicy(input: { name: "pii-out", appliesTo: [OUTPUT], pii: { entities: [{ type: "EMAIL", action: "ANONYMIZE" }, { type: "CREDIT_DEBIT_CARD_NUMBER", action: "BLOCK" }] } }) { id } }`,
  );
  await must(t, `mutation { createGuardrailPolicy(input: { name: "injection-in", appliesTo: [INPUT], promptInjection: { enabled: true, sensitivity: "MEDIUM", onContext: "DROP" } }) { id } }`);
  await must(t, `mutation { createBudget(input: { name: "global", scope: GLOBAL, period: MONTHLY, limitUsd: 1000000 }) { id } }`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
