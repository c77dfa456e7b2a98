import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl on a free port, in a temp folder), so a
 * test can stop, kill and restart it. NEVER the machine's shared server. As root, the server runs
 * as the `postgres` user (PostgreSQL refuses to run as root).
 */
export interface ThrowawayPostgres {
  port: number;
  /** URL of its `postgres` database. */
  url: string;
  start(): Promise<void>;
  /** pg_ctl stop -m fast (or immediate: a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  for (const dir of [
    '/usr/local/bin',
    ...fs
      .readdirSync('/usr/lib/postgresql')
      .sort()
      .reverse()
      .map((v) => `/usr/lib/postgresql/${v}/bin`),
  ]) {
    if (fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error('pg_ctl not found');
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = binDir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-pg-'));
  const data = path.join(root, 'data');
  const asUser: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    asUser.uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    asUser.gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(root, asUser.uid, asUser.gid);
  }
  const opts = { ...asUser, cwd: root, env: { ...process.env, LC_ALL: 'C' } };
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'], opts);
  const port = await freePort();
  // fsync off (a test server), but synchronous_commit stays on: a committed row survives a crash of
  // the server process (immediate stop), as on a real server.
  const serverOpts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`;
  const pg: ThrowawayPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await run(path.join(bin, 'pg_ctl'), ['-D', data, '-o', serverOpts, '-l', path.join(root, 'log'), '-w', '-t', '60', 'start'], opts);
    },
    async stop(mode = 'fast') {
      await run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'], opts).catch(() => undefined);
    },
    async destroy() {
      await pg.stop('immediate');
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}
