import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port';

/** Where Debian's `clickhouse-server` package (and the official packages) put the server. */
export const CLICKHOUSE_SERVER_BINARIES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'];

/** The server binary, or null when ClickHouse is not installed. */
export function clickHouseServerBinary(): string | null {
  return CLICKHOUSE_SERVER_BINARIES.find((b) => fs.existsSync(b)) ?? null;
}

/** A ClickHouse server of the tests' own: its own config, data folder and free ports, never a shared one. */
export interface ThrowawayClickHouse {
  /** `http://127.0.0.1:<port>` (HTTP interface). */
  url: string;
  /** Starts it again after `stop()`, on the same ports and data. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM); the data stays. */
  stop(): Promise<void>;
  /** Stops it and removes its folder (a folder given by the caller is kept: only stopped). */
  destroy(): Promise<void>;
  /** The server's process id while it runs (CPU accounting in benchmarks), else null. */
  pid(): number | null;
}

/** Options of `startThrowawayClickHouse`. */
export interface ThrowawayClickHouseOptions {
  /**
   * A folder to keep the server's data in across runs (created when missing; `destroy()` only stops
   * the server). Default: a new temp folder, removed by `destroy()`.
   */
  dir?: string;
}

/** GET /ping without keep-alive (fetch's pooled socket would keep jest waiting after the tests). */
function ping(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** A minimal config that works on 18.16 and on current releases (the `<yandex>` root is still accepted). */
function config(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <users_config>${dir}/users.xml</users_config>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

/** Starts `clickhouse-server` on free ports in a temp folder and waits until it answers. */
export async function startThrowawayClickHouse(binary = clickHouseServerBinary(), options: ThrowawayClickHouseOptions = {}): Promise<ThrowawayClickHouse> {
  if (!binary) throw new Error('clickhouse-server is not installed');
  const keep = options.dir !== undefined;
  const dir = keep ? path.resolve(options.dir!) : fs.mkdtempSync(path.join(os.tmpdir(), 'throwaway-clickhouse-'));
  fs.mkdirSync(dir, { recursive: true });
  let [httpPort, tcpPort] = [await freePort(), await freePort()];
  fs.writeFileSync(path.join(dir, 'config.xml'), config(dir, httpPort, tcpPort));
  fs.writeFileSync(path.join(dir, 'users.xml'), USERS);
  // The single `clickhouse` binary of current packages takes the tool name first.
  const args = binary.endsWith('/clickhouse') ? ['server', `--config-file=${dir}/config.xml`] : [`--config-file=${dir}/config.xml`];
  let url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | null = null;
  const up = async () => {
    // Through a small shell watchdog: the server goes when this process goes, even when it is killed
    // (a bench stopped with Ctrl-C or a timeout must not leave a server behind).
    const watchdog = `"$0" "$@" & ch=$!; trap 'kill $ch 2>/dev/null' TERM INT; while kill -0 ${process.pid} 2>/dev/null && kill -0 $ch 2>/dev/null; do sleep 1; done; kill $ch 2>/dev/null; wait $ch`;
    const proc = spawn('sh', ['-c', watchdog, binary, ...args], { cwd: dir, stdio: 'ignore' });
    child = proc;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (await ping(`${url}/ping`)) return;
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        const log = fs.existsSync(path.join(dir, 'server.err.log')) ? fs.readFileSync(path.join(dir, 'server.err.log'), 'utf8').slice(-2000) : '';
        throw new Error(`clickhouse-server did not start (exit ${proc.exitCode}): ${log}`);
      }
      await sleep(100);
    }
  };
  const down = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = new AbortController();
    await Promise.race([exited, sleep(10_000, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
    if (proc.exitCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  };
  // A free port can be taken by another server between the probe and the bind (two throwaway
  // servers starting side by side): then new ports, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await up();
      break;
    } catch (err) {
      if (attempt >= 5 || !/Address already in use/.test((err as Error).message)) throw err;
      [httpPort, tcpPort] = [await freePort(), await freePort()];
      fs.writeFileSync(path.join(dir, 'config.xml'), config(dir, httpPort, tcpPort));
      url = `http://127.0.0.1:${httpPort}`;
    }
  }
  return {
    url,
    start: up,
    stop: down,
    async destroy() {
      await down();
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    },
    pid() {
      // The server is the watchdog shell's child.
      const sh = (child as ChildProcess | null)?.pid;
      if (!sh) return null;
      try {
        const kids = fs.readFileSync(`/proc/${sh}/task/${sh}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
        return kids.find((k) => fs.readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('--config-file')) ?? null;
      } catch {
        return null;
      }
    },
  };
}
