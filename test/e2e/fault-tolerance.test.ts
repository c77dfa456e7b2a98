import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';

/**
 * Fault harness: the server is killed with SIGKILL under load, and the database (a throwaway
 * PostgreSQL of the test's own, never the machine's) restarts under load. Every generation a client
 * saw COMPLETED must have its trace in the database afterwards: 0 missing.
 */
const ONCE = 'mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status error { code } } }';

interface Load {
  completed: string[];
  codes: Map<string, number>;
  stop(): Promise<void>;
}

/** `workers` loops of generateOnce against `url` until stopped; records COMPLETED trace ids and every other outcome. */
function load(url: () => string, key: string, workers: number, pauseMs: number): Load {
  const completed: string[] = [];
  const codes = new Map<string, number>();
  const count = (c: string) => codes.set(c, (codes.get(c) ?? 0) + 1);
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      try {
        const res = await fetch(url(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: ONCE, variables: { i: { prompt: 'ft', input: `w${w} r${i}\n#tokens: 8\n#interval-ms: 5`, cache: 'BYPASS' } } }),
        });
        const json = (await res.json()) as { data?: { generateOnce?: { traceId: string; status: string; error?: { code: string } | null } }; errors?: Array<{ extensions?: { code?: string } }> };
        const r = json.data?.generateOnce;
        if (r?.status === 'COMPLETED') {
          completed.push(r.traceId);
          count('COMPLETED');
        } else count(r?.error?.code ?? json.errors?.[0]?.extensions?.code ?? `HTTP_${res.status}`);
      } catch {
        count('connection_error');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  });
  return {
    completed,
    codes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function missingTraces(databaseUrl: string, ids: string[]): Promise<number> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const rows = (await c.query('SELECT count(*)::int AS n FROM traces WHERE id = ANY($1::uuid[])', [ids])).rows as Array<{ n: number }>;
    return ids.length - rows[0]!.n;
  } finally {
    await c.end();
  }
}

async function setUp(gql: (q: string, v?: Record<string, unknown>) => Promise<{ data?: any; errors?: unknown }>): Promise<string> {
  await gql('mutation { createPrompt(input: { name: "ft" }) { id } }');
  await gql('mutation { createPromptVersion(input: { prompt: "ft", system: "Be brief." }) { number } }');
  await gql('mutation { promotePromptVersion(input: { prompt: "ft", version: 1, label: "production" }) { promoted } }');
  const k = await gql('mutation { createApiKey(name: "ft-app", role: APP) { secret } }');
  return k.data.createApiKey.secret as string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault harness: no completed generation without a trace', () => {
  let pg: ThrowawayPostgres;
  beforeAll(async () => {
    pg = await startThrowawayPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.destroy();
  });

  it('kill -9 of the server under load (database down at the time): the next start replays the spool, 0 traces missing', async () => {
    const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-ft-spool-'));
    let server: ServerProcess | undefined;
    try {
      server = await startServerProcess(pg.url, { TRACE_SPOOL_DIR: spool, LOG_LEVEL: 'silent' }, 90_000);
      const s = server;
      const key = await setUp((q, v) => s.gql(q, v));
      const traffic = load(() => s.url, key, 6, 0);
      await sleep(1500);
      // The database goes away first, so traces pile up unwritten (served from cached config), then
      // the server is killed: only the spool still has them.
      await pg.stop('immediate');
      await sleep(1500);
      process.kill(s.pid, 'SIGKILL');
      await sleep(300);
      await traffic.stop();
      await pg.start();
      const completed = [...traffic.completed];
      expect(completed.length).toBeGreaterThan(3);
      // The next process on the same spool folder replays what the killed one had not written yet.
      server = await startServerProcess(pg.url, { TRACE_SPOOL_DIR: spool, LOG_LEVEL: 'silent' }, 90_000);
      const missing = await missingTraces(pg.url, completed);
      // eslint-disable-next-line no-console
      console.log(`kill -9 under load: ${completed.length} completed, ${missing} without a trace; outcomes ${JSON.stringify(Object.fromEntries(traffic.codes))}`);
      expect(missing).toBe(0);
    } finally {
      await server?.stop();
      fs.rmSync(spool, { recursive: true, force: true });
    }
  }, 240_000);

  it('a PostgreSQL restart under load: outage answered SERVICE_UNAVAILABLE (never INTERNAL), 0 traces missing', async () => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    await c.query('CREATE DATABASE ft_restart');
    await c.end();
    const url = pg.url.replace(/\/postgres$/, '/ft_restart');
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ DATABASE_URL: url });
      const app = t;
      const key = await setUp((q, v) => app.gql(q, v));
      // About 20 requests per second.
      const traffic = load(() => app.url, key, 4, 90);
      await sleep(2000);
      await pg.stop('fast');
      await sleep(3000);
      await pg.start();
      await sleep(2500);
      await traffic.stop();
      await app.app.services.traces.writer.flush();
      const completed = [...traffic.completed];
      const missing = await missingTraces(url, completed);
      // eslint-disable-next-line no-console
      console.log(`PostgreSQL restart under load: ${completed.length} completed, ${missing} without a trace; outcomes ${JSON.stringify(Object.fromEntries(traffic.codes))}`);
      expect(completed.length).toBeGreaterThan(5);
      expect(traffic.codes.get('INTERNAL_SERVER_ERROR') ?? 0).toBe(0);
      expect(missing).toBe(0);
    } finally {
      await t?.close();
    }
  }, 240_000);
});
