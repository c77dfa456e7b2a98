import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataSource } from '../../src/data-source';
import { ADMIN_SECRET } from '../helpers/test-app';
import { createFreshDatabase } from '../helpers/fresh-database';

/**
 * `npm start`'s entry point (src/index.ts) in its own process: SIGTERM drains HTTP (an in-flight
 * generation finishes), flushes the trace writer, closes the database, and exits 0. Runs on PGlite
 * in a data folder, or on a fresh PostgreSQL database when DATABASE_URL is set.
 */
describe('clean stop on SIGTERM (the real entry point in a child process)', () => {
  let dataDir: string | undefined;
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const server = process.env.DATABASE_URL;
    if (server) {
      const fresh = await createFreshDatabase(server, 'gcp_shutdown');
      databaseUrl = fresh.url;
      dropDatabase = fresh.drop;
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-shutdown-'));
    }
  });
  afterAll(async () => {
    await dropDatabase?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the in-flight generation, keeps its trace, and exits 0', async () => {
    const child = fork(path.join(__dirname, '../../src/index.ts'), [], {
      execArgv: ['-r', require.resolve('../helpers/swc-register.js')],
      silent: true,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        ADMIN_API_KEY: ADMIN_SECRET,
        MODEL_PROVIDER: 'emulator',
        LOG_LEVEL: 'info',
        // As under `npm start` (jest sets NODE_ENV=test, which changes Apollo's signal handling).
        NODE_ENV: 'production',
        // Empty means unset: without a URL the child runs on PGlite in the data folder.
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir!, DATABASE_URL: '' }),
      },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /"port":(\d+)[^\n]*GraphQL ready/.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(Number(m[1]));
        }
      }, 20);
      void exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`exited ${code} before it was ready:\n${out}`));
      });
    });
    const gql = async (query: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_SECRET}` },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as { data?: any; errors?: unknown[] };
    };
    for (const q of [
      'mutation { createPrompt(input: { name: "p" }) { id } }',
      'mutation { createPromptVersion(input: { prompt: "p", system: "Be brief." }) { number } }',
      'mutation { promotePromptVersion(input: { prompt: "p", version: 1, label: "production" }) { promoted } }',
    ]) {
      expect((await gql(q)).errors).toBeUndefined();
    }
    // About one second of streaming; SIGTERM arrives in the middle of it.
    const inFlight = gql('mutation { generateOnce(input: { prompt: "p", input: "Go\\n#tokens: 40\\n#interval-ms: 25" }) { status traceId usage { outputTokens } } }');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const result = await inFlight;
    expect(result.errors).toBeUndefined();
    expect(result.data.generateOnce).toMatchObject({ status: 'COMPLETED', usage: { outputTokens: 40 } });
    expect(await exited).toBe(0);
    expect(out).toMatch(/"msg":"stopped"/);

    const ds = createDataSource({ databaseUrl, dataDir: dataDir ?? 'memory://' });
    await ds.initialize();
    try {
      const rows = await ds.query('SELECT status, output_tokens FROM traces WHERE id = $1', [result.data.generateOnce.traceId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('COMPLETED');
    } finally {
      await ds.destroy();
    }
  });
});
