import 'reflect-metadata';
import { Client } from 'pg';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/observability/logger';
import { seedTraces } from '../../scripts/seed-traces';
import { ensureDashboardBuilt, launchBrowser } from '../helpers/browser';
import { printTable, summarize } from './stats';

/** Options of the dashboard benchmark. */
export interface DashboardBenchOptions {
  /** PostgreSQL server: `bench_dashboard_<count>` is created and seeded there, or reused when already seeded. */
  serverUrl: string;
  /** Or an existing, already seeded database (its traces are counted, not seeded). */
  databaseUrl?: string;
  count: number;
  runs: number;
}

const ADMIN = 'bench-admin-secret-0123456789abcdef';

/**
 * `BENCH=dashboard`: the time to render the overview (navigation start to every panel answered and
 * its charts drawn, in Chromium) on a big store, beside the floor: the same GraphQL queries sent
 * straight from Node (what the page cannot be faster than).
 */
export async function benchDashboard(o: DashboardBenchOptions): Promise<void> {
  let url = o.databaseUrl;
  if (!url) {
    const name = `bench_dashboard_${o.count}`;
    const admin = new Client({ connectionString: o.serverUrl });
    await admin.connect();
    if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(o.serverUrl);
    u.pathname = `/${name}`;
    url = u.toString();
  }
  ensureDashboardBuilt();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: 'memory://', ADMIN_API_KEY: ADMIN, MODEL_PROVIDER: 'emulator', LOG_LEVEL: 'silent', DATABASE_URL: url });
  const app = await createApp(config, createLogger('silent'));
  const port = await app.start();
  const base = `http://127.0.0.1:${port}`;
  const gql = async (query: string, variables: Record<string, unknown> = {}, key = ADMIN) => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
  const browser = await launchBrowser();
  try {
    const have = Number((await app.dataSource.query('SELECT count(*) AS n FROM traces'))[0].n);
    if (have < o.count && !o.databaseUrl) {
      if (have) throw new Error(`the bench database holds ${have} traces, not ${o.count}: drop it first`);
      const r = await seedTraces(app.dataSource, { count: o.count, days: 30 });
      console.log(`- seeded ${r.count} traces in ${r.seconds.toFixed(0)} s`);
    }
    // Tables that never had statistics (a fresh seed on a server with autovacuum off, as this shared
    // one) plan the analytics queries on guesses: guardrailStats joined its totals in a nested loop,
    // re-aggregating them per row (1.6 s instead of 0.1 s). Production has autovacuum: ANALYZE them.
    const unanalyzed: Array<{ relname: string }> = await app.dataSource.query(
      `SELECT relname FROM pg_stat_user_tables WHERE relname LIKE 'trace%' AND last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0`,
    );
    if (unanalyzed.length && process.env.BENCH_DASHBOARD_ANALYZE !== '0') {
      for (const { relname } of unanalyzed) await app.dataSource.query(`ANALYZE "${relname}"`);
      console.log(`- analyzed ${unanalyzed.length} tables that had no statistics (BENCH_DASHBOARD_ANALYZE=0 leaves them)`);
    }
    const traces = Number((await app.dataSource.query('SELECT count(*) AS n FROM traces'))[0].n);
    const last24h = Number((await app.dataSource.query(`SELECT count(*) AS n FROM traces WHERE created_at >= now() - interval '1 day'`))[0].n);
    console.log(`\n## dashboard (PostgreSQL, ${traces} traces, ${last24h} in the last 24 h)`);
    const key = (await gql(`mutation { createApiKey(name: "bench-analyst-${Date.now()}", role: ANALYST) { secret } }`)).createApiKey.secret as string;
    const { page } = await browser.page();
    // The page's own GraphQL requests, recorded on the first load: the floor replays exactly these.
    const bodies: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url() === `${base}/graphql`) bodies.push(r.postData() ?? '');
    });
    // The key is stored once; each run is a fresh navigation (no HTTP cache of the API; assets revalidated).
    await page.goto(`${base}/dashboard/#key=${encodeURIComponent(key)}`);
    await page.locator('[data-page="overview"][data-ready="true"]').waitFor({ timeout: 120_000 });
    const recorded = [...bodies];
    const render: number[] = [];
    // Where a render's time goes: navigation start to the first API request, to the last API answer.
    const firstRequest: number[] = [];
    const lastAnswer: number[] = [];
    const marked: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      await page.goto(`${base}/dashboard/`);
      await page.locator('[data-page="overview"][data-ready="true"]').waitFor({ timeout: 120_000 });
      // Navigation start to the frame after the last panel rendered.
      render.push(await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))'));
      // The page's own mark of the same moment, without the polling of waitFor and this evaluate.
      marked.push((await page.evaluate("performance.getEntriesByName('overview-ready')[0]?.startTime ?? NaN")) as number);
      const api = (await page.evaluate("performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/graphql')).map((e) => [e.startTime, e.responseEnd])")) as Array<[number, number]>;
      firstRequest.push(Math.min(...api.map((e) => e[0])));
      lastAnswer.push(Math.max(...api.map((e) => e[1])));
    }
    const errors = await page.locator('[data-page="overview"] .error').allTextContents();
    if (errors.length) throw new Error(`overview panels failed: ${errors.join('; ')}`);
    const charts = await page.locator('[data-page="overview"] [data-chart]').count();
    // The floor: the same requests from Node, all at once (the page cannot answer before they do).
    const api: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      const t0 = performance.now();
      await Promise.all(
        recorded.map(async (body) => {
          const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
          const json = (await res.json()) as { errors?: unknown[] };
          if (json.errors) throw new Error(JSON.stringify(json.errors));
        }),
      );
      api.push(performance.now() - t0);
    }
    console.log(`- the overview sends ${recorded.length} GraphQL requests`);
    // Each request alone (one at a time, same order): which query costs what.
    const alone: Array<{ candidate: string; p50: string; p99: string; max: string }> = [];
    for (const body of recorded) {
      const times: number[] = [];
      for (let i = 0; i < o.runs; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
        await res.json();
        times.push(performance.now() - t0);
      }
      const s = summarize(times);
      const name = /^\s*(?:query|mutation)\s+(\w+)/.exec((JSON.parse(body) as { query: string }).query)?.[1] ?? 'anonymous';
      alone.push({ candidate: `alone: ${name}`, p50: s.p50.toFixed(0), p99: s.p99.toFixed(0), max: Math.max(...times).toFixed(0) });
    }
    printTable(`each overview request alone, ${o.runs} runs (ms)`, alone);
    const fr = summarize(firstRequest);
    const la = summarize(lastAnswer);
    console.log(`- in Chromium: first API request sent at p50 ${fr.p50.toFixed(0)} ms (p99 ${fr.p99.toFixed(0)}), last API answer at p50 ${la.p50.toFixed(0)} ms (p99 ${la.p99.toFixed(0)})`);
    const a = summarize(api);
    const r = summarize(render);
    if (marked.some((v) => !Number.isFinite(v))) throw new Error('the overview did not mark overview-ready');
    const m = summarize(marked);
    printTable(`dashboard overview, last 24 h by hour, ${o.runs} runs (ms)`, [
      { candidate: "API floor: the overview's requests from Node", p50: a.p50.toFixed(0), p99: a.p99.toFixed(0), max: Math.max(...api).toFixed(0) },
      { candidate: `Chromium: navigation to ${charts} charts drawn`, p50: r.p50.toFixed(0), p99: r.p99.toFixed(0), max: Math.max(...render).toFixed(0) },
      { candidate: "the same, by the page's own mark (overview-ready)", p50: m.p50.toFixed(0), p99: m.p99.toFixed(0), max: Math.max(...marked).toFixed(0) },
    ]);
    console.log(`- render / API floor (p50): ${(r.p50 / a.p50).toFixed(2)}x`);
  } finally {
    await browser.close();
    await app.stop();
  }
}
