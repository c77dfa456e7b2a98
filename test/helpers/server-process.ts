import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ADMIN_SECRET, type GqlResult } from './test-app';

/** A second server process (the real app in its own Node process) on a shared PostgreSQL database. */
export interface ServerProcess {
  pid: number;
  port: number;
  url: string;
  /** POSTs a GraphQL operation to this process (default key: the admin key). */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GqlResult<T>>;
  /** Asks the process to stop cleanly (app.stop()) and waits for it to exit; kills it after `timeoutMs`. Returns the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

const CHILD = path.join(__dirname, 'server-process.child.ts');
const REGISTER = require.resolve('./swc-register.js');

/**
 * Forks a child Node process running `createApp` + `start` on `databaseUrl` (a PostgreSQL URL, e.g.
 * `t.app.config.databaseUrl` of a test app, so both processes share one database) and waits until it
 * prints its port. The child compiles the TypeScript sources itself (swc-register.js). Stop it before
 * the test app that owns the database closes (that drops the database).
 */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}, startTimeoutMs = 30_000): Promise<ServerProcess> {
  if (!databaseUrl.startsWith('postgres')) throw new Error('a second server process needs a PostgreSQL database URL');
  const child = fork(CHILD, [], {
    execArgv: ['-r', REGISTER],
    silent: true,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: 'memory://',
      ADMIN_API_KEY: ADMIN_SECRET,
      MODEL_PROVIDER: 'emulator',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
      DATABASE_URL: databaseUrl,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await waitForPort(child, exited, startTimeoutMs, () => stderr);
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    pid: child.pid!,
    port,
    url,
    async gql(query, variables, key = ADMIN_SECRET) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GqlResult<any>;
    },
    async stop(timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      if (child.connected) child.send('stop');
      else child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<number | null>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, killed]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function waitForPort(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server process did not start within ${timeoutMs} ms\n${stderr()}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /SERVER_PROCESS_PORT=(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited (code ${code}) before listening\n${stderr()}`));
    });
  });
}
