import path from 'node:path';
import { benchGeneration } from './generate.bench';
import { benchGenerateCpu } from './generate-cpu.bench';
import { benchGuardrails } from './guardrails.bench';
import { benchBudgets } from './budgets.bench';
import { benchGuardrailStream, benchStreamScanner, diffStreamScanners } from './guardrails-stream.bench';
import { benchEvals } from './evals.bench';
import { benchAnalytics } from './analytics.bench';
import { benchClickHouseAnalytics } from './analytics-clickhouse.bench';
import { clickHouseServerBinary } from '../helpers/throwaway-clickhouse';
import { benchOtelExport } from './otel.bench';
import { benchAlerts } from './alerts.bench';
import { benchOnlineEvals, benchRuleOffload } from './online-evals.bench';
import { benchDashboard } from './dashboard.bench';
import { benchIngest } from './ingest.bench';
import { benchIngestSteps } from './ingest-steps.bench';
import { benchIngestSustained } from './ingest-sustained.bench';
import { benchOnceOutputScreen } from './generate-once-guardrail.bench';

/**
 * `npm run bench`: every benchmark in one run, each comparing its candidates side by side in the
 * same process (this machine is shared and noisy: ratios, not absolute times, are the figures).
 * BENCH=generate,otel,guardrails,budgets,evals picks some (generate includes otel); the budget benchmark needs PostgreSQL
 * (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
async function main(): Promise<void> {
  const pick = new Set((process.env.BENCH ?? 'generate,guardrails,budgets,evals').split(',').map((s) => s.trim()));
  console.log(`# benchmarks (${new Date().toISOString()}, node ${process.version})`);
  // BENCH=generate-cpu: the service's own CPU per request (generateOnce and generate, bare and full; BENCH_BASELINE for A/B).
  if (pick.has('generate-cpu')) await benchGenerateCpu({ iterations: Number(process.env.BENCH_ITERATIONS ?? 200), rounds: Number(process.env.BENCH_ROUNDS ?? 5) });
  if (pick.has('generate')) await benchGeneration({ iterations: Number(process.env.BENCH_ITERATIONS ?? 100) });
  // The OpenTelemetry candidate of the generate benchmark (BENCH=otel runs it alone; BENCH_OTEL=0 leaves it out of BENCH=generate).
  if ((pick.has('generate') && process.env.BENCH_OTEL !== '0') || pick.has('otel')) await benchOtelExport({ iterations: Number(process.env.BENCH_ITERATIONS ?? 300) });
  if (pick.has('guardrails')) {
    const r = await benchGuardrails();
    console.log('\n## guardrails');
    for (const [k, v] of Object.entries(r)) console.log(`- ${k}: ${v}`);
    await benchGuardrailStream({ iterations: Number(process.env.BENCH_ITERATIONS ?? 200) });
  }
  // BENCH=guardrails-stream: the stream scanner and PII detection alone (with BENCH_GUARDRAILS_BASELINE side by side), then the added TTFT in the pipeline.
  if (pick.has('guardrails-stream')) {
    benchStreamScanner({ bytes: Number(process.env.BENCH_GUARDRAILS_BYTES ?? 500_000) });
    await benchGuardrailStream({ iterations: Number(process.env.BENCH_ITERATIONS ?? 200) });
  }
  // BENCH=stream-diff: this build's stream scanner against BENCH_GUARDRAILS_BASELINE's, step by step (exits 1 on a difference).
  if (pick.has('stream-diff') && diffStreamScanners().differing > 0) process.exitCode = 1;
  // BENCH=once-guardrail: generateOnce's OUTPUT screening, stream scanner push+end against screenOutput, alternated.
  if (pick.has('once-guardrail'))
    await benchOnceOutputScreen({ answers: Number(process.env.BENCH_ITERATIONS ?? 200), chars: Number(process.env.BENCH_ONCE_CHARS ?? 1_000), rounds: Number(process.env.BENCH_ROUNDS ?? 6) });
  if (pick.has('evals')) await benchEvals({ cases: Number(process.env.BENCH_EVAL_CASES ?? 200), bigCases: Number(process.env.BENCH_EVAL_BIG_CASES ?? 10_000) });
  if (pick.has('budgets')) {
    const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const r = await benchBudgets(url, { durationMs: Number(process.env.BENCH_DURATION_MS ?? 4_000) });
    console.log('\n## budgets (PostgreSQL)');
    for (const [k, v] of Object.entries(r as Record<string, unknown>)) console.log(`- ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  }
  // BENCH=online-evals: generate's p99 with and without an online evaluator at sample rate 1.
  // BENCH_CONCURRENCY=1,10 picks the concurrencies (default 1,20); BENCH=online-evals-rules runs only the rule-offload measure.
  if (pick.has('online-evals')) await benchOnlineEvals({ iterations: Number(process.env.BENCH_ITERATIONS ?? 100), concurrency: process.env.BENCH_CONCURRENCY?.split(',').map(Number) });
  if (pick.has('online-evals-rules')) await benchRuleOffload();
  if (pick.has('alerts')) {
    // BENCH=alerts BENCH_ALERTS_COUNT=1000000: the alert scheduler's cost per tick (PostgreSQL).
    await benchAlerts({
      serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      count: Number(process.env.BENCH_ALERTS_COUNT ?? 1_000_000),
      ticks: Number(process.env.BENCH_RUNS ?? 10),
    });
  }
  if (pick.has('dashboard')) {
    // BENCH=dashboard BENCH_DASHBOARD_COUNT=1000000: the overview's render time in Chromium on a big store (PostgreSQL);
    // BENCH_DASHBOARD_DATABASE_URL reuses a database seeded by `npm run seed:traces`.
    await benchDashboard({
      serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      databaseUrl: process.env.BENCH_DASHBOARD_DATABASE_URL,
      count: Number(process.env.BENCH_DASHBOARD_COUNT ?? 1_000_000),
      runs: Number(process.env.BENCH_RUNS ?? 10),
    });
  }
  if (pick.has('ingest')) {
    // BENCH=ingest: the trace writer's COPY path against its one-INSERT path, alternated on one fresh database (PostgreSQL).
    await benchIngest({
      serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      count: Number(process.env.BENCH_INGEST_COUNT ?? 50_000),
      rounds: Number(process.env.BENCH_RUNS ?? 2),
      batch: Number(process.env.BENCH_INGEST_BATCH ?? 2000),
      maxBatches: (process.env.BENCH_INGEST_MAX_BATCHES ?? '5000,20000').split(',').map(Number),
      insert: process.env.BENCH_INGEST_INSERT === '1',
      eventRate: Number(process.env.BENCH_INGEST_RATE ?? 20_000),
    });
  }
  if (pick.has('ingest-steps')) {
    // BENCH=ingest-steps: one batch write's CPU step by step (Node and the PostgreSQL backend), per batch size.
    await benchIngestSteps({
      serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      count: Number(process.env.BENCH_INGEST_COUNT ?? 60_000),
      batches: (process.env.BENCH_INGEST_MAX_BATCHES ?? '5000,20000').split(',').map(Number),
      eventRate: Number(process.env.BENCH_INGEST_RATE ?? 20_000),
    });
  }
  if (pick.has('ingest-sustained')) {
    // BENCH=ingest-sustained: the writer under a steady offered load (BENCH_INGEST_RATE traces/s for BENCH_INGEST_SECONDS after a warm-up).
    await benchIngestSustained({
      serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      rate: Number(process.env.BENCH_INGEST_RATE ?? 20_000),
      seconds: Number(process.env.BENCH_INGEST_SECONDS ?? 60),
      warmupSeconds: Number(process.env.BENCH_INGEST_WARMUP ?? 10),
      maxBatchSize: process.env.BENCH_INGEST_MAX_BATCH ? Number(process.env.BENCH_INGEST_MAX_BATCH) : undefined,
      pool: Number(process.env.BENCH_INGEST_POOL ?? 50_000),
      maxQueue: Number(process.env.BENCH_INGEST_MAX_QUEUE ?? 60_000),
    });
  }
  if (pick.has('analytics')) {
    // BENCH=analytics BENCH_ANALYTICS_COUNT=10000000: seeds once into bench_analytics_<count> (reused by later runs).
    await benchAnalytics({
      serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      count: Number(process.env.BENCH_ANALYTICS_COUNT ?? 10_000_000),
      runs: Number(process.env.BENCH_RUNS ?? 20),
      rawRuns: Number(process.env.BENCH_RAW_RUNS ?? 5),
    });
  }
  // The ClickHouse candidate: with CLICKHOUSE_URL, or a throwaway clickhouse-server when installed (BENCH=analytics-clickhouse alone);
  // BENCH_CLICKHOUSE=0 times PostgreSQL only (seeding 1M traces into a throwaway ClickHouse takes far longer than the queries).
  if ((pick.has('analytics') || pick.has('analytics-clickhouse')) && process.env.BENCH_CLICKHOUSE !== '0' && (process.env.CLICKHOUSE_URL || clickHouseServerBinary())) {
    await benchClickHouseAnalytics({
      url: process.env.CLICKHOUSE_URL,
      count: Number(process.env.BENCH_ANALYTICS_COUNT ?? 10_000_000),
      runs: Number(process.env.BENCH_RUNS ?? 20),
      rawRuns: Number(process.env.BENCH_RAW_RUNS ?? 5),
      batch: process.env.BENCH_CLICKHOUSE_BATCH ? Number(process.env.BENCH_CLICKHOUSE_BATCH) : undefined,
      // The throwaway server's data stays here (gitignored), so a 10M seed is done once; BENCH_CLICKHOUSE_DIR= (empty) uses a temp folder.
      seedUntil: process.env.BENCH_CLICKHOUSE_SEED_UNTIL ? Date.parse(process.env.BENCH_CLICKHOUSE_SEED_UNTIL) : undefined,
      dir: process.env.BENCH_CLICKHOUSE_DIR === '' ? undefined : (process.env.BENCH_CLICKHOUSE_DIR ?? path.join(process.cwd(), '.data', 'bench-clickhouse')),
    });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
