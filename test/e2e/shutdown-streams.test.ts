import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createDataSource } from '../../src/data-source';
import { ADMIN_SECRET } from '../helpers/test-app';
import { createFreshDatabase } from '../helpers/fresh-database';

/**
 * SIGTERM and WebSocket streams (the real entry point in a child process): in-flight `generate`
 * streams finish within SHUTDOWN_GRACE_SECONDS while new ones are refused; streams longer than the
 * grace period are closed with 1001; every stream leaves a trace.
 */
describe('SIGTERM lets in-flight WebSocket streams finish', () => {
  let dataDir: string | undefined;
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    const server = process.env.DATABASE_URL;
    if (server) {
      const fresh = await createFreshDatabase(server, 'gcp_shutdown_ws');
      databaseUrl = fresh.url;
      dropDatabase = fresh.drop;
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-shutdown-ws-'));
    }
  });
  afterEach(async () => {
    await dropDatabase?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(graceSeconds: number): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null>; out: () => string }> {
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
        NODE_ENV: 'production',
        SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
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
      return (await res.json()) as { errors?: unknown[] };
    };
    for (const q of [
      'mutation { createPrompt(input: { name: "p" }) { id } }',
      'mutation { createPromptVersion(input: { prompt: "p", system: "Be brief." }) { number } }',
      'mutation { promotePromptVersion(input: { prompt: "p", version: 1, label: "production" }) { promoted } }',
    ]) {
      expect((await gql(q)).errors).toBeUndefined();
    }
    return { child, port, exited, out: () => out };
  }

  /** One socket, one generate stream; resolves with the stream's events and how the socket closed (the client closes it after the complete unless told not to). */
  function stream(port: number, input: string, closeOnComplete = true) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const events: Array<Record<string, any>> = [];
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_SECRET}` } })));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Record<string, any>;
      if (m.type === 'connection_ack') {
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: {
              query:
                'subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on GenerationStarted { traceId } ... on GenerationCompleted { traceId } ... on GenerationFailed { code failedTraceId: traceId } } }',
              variables: { i: { prompt: 'p', input } },
            },
          }),
        );
      }
      if (m.type === 'next') {
        events.push(m.payload.data.generate);
        if (m.payload.data.generate.__typename === 'TextDelta') started();
      }
      if (m.type === 'complete' && closeOnComplete) ws.close(1000);
    });
    return { events, running, closed };
  }

  async function tracesOf(ids: string[]): Promise<Array<{ id: string; status: string; stop_reason: string | null; error_code: string | null }>> {
    const ds = createDataSource({ databaseUrl, dataDir: dataDir ?? 'memory://' });
    await ds.initialize();
    try {
      return await ds.query('SELECT id, status, stop_reason, error_code FROM traces WHERE id = ANY($1)', [ids]);
    } finally {
      await ds.destroy();
    }
  }

  it('finishes 5 in-flight streams within the grace period, refuses a new one, exits 0, traces all 5', async () => {
    const { child, port, exited } = await start(10);
    const streams = Array.from({ length: 5 }, () => stream(port, 'Go\n#tokens: 40\n#interval-ms: 30'));
    await Promise.all(streams.map((s) => s.running));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const late = stream(port, 'Go\n#tokens: 5');
    expect((await late.closed).code).not.toBe(1000);
    expect(late.events.some((e) => e.__typename === 'GenerationCompleted')).toBe(false);
    for (const s of streams) {
      await s.closed;
      expect(s.events.at(-1)?.__typename).toBe('GenerationCompleted');
    }
    expect(await exited).toBe(0);
    const ids = streams.map((s) => s.events[0]!.traceId as string);
    const rows = await tracesOf(ids);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.status === 'COMPLETED')).toBe(true);
  });

  it('ends streams longer than the grace period with GenerationFailed SERVER_SHUTDOWN, then 1001, and traces them as server_shutdown', async () => {
    const { child, port, exited } = await start(1);
    // The client stays after the complete: the server closes the socket.
    const streams = Array.from({ length: 3 }, () => stream(port, 'Go\n#tokens: 200\n#interval-ms: 30', false));
    await Promise.all(streams.map((s) => s.running));
    child.kill('SIGTERM');
    for (const s of streams) {
      expect((await s.closed).code).toBe(1001);
      // Told why before the close, not cut silently.
      expect(s.events.at(-1)).toMatchObject({ __typename: 'GenerationFailed', code: 'SERVER_SHUTDOWN', failedTraceId: s.events[0]!.traceId });
    }
    expect(await exited).toBe(0);
    const rows = await tracesOf(streams.map((s) => s.events[0]!.traceId as string));
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => [r.status, r.stop_reason, r.error_code])).toEqual(Array(3).fill(['FAILED', 'server_shutdown', 'SERVER_SHUTDOWN']));
  });
});
