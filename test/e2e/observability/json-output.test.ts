import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { TypeOrmLogger } from '../../../src/db/typeorm-logger';
import { createLogger } from '../../../src/observability/logger';

const ROOT = path.resolve(__dirname, '../../..');
const REGISTER = require.resolve('../../helpers/swc-register.js');

/** Runs `src/index.ts` in its own process until `until(stdout)` holds (then SIGTERM) or it exits. */
function runService(env: Record<string, string>, until: (out: string) => boolean, timeoutMs = 150_000) {
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER, 'src/index.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', DATA_DIR: 'memory://', MODEL_PROVIDER: 'emulator', ...env },
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timeout; stdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!signalled && until(stdout)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}
const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, any>;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });

// Each case starts the service in its own process (compiling the sources with swc): slow on a busy machine.
jest.setTimeout(180_000);

describe('JSON mode: nothing but JSON lines on stdout and stderr', () => {
  it('start-up, the admin key banner, process warnings and the stop are JSON lines; start-up says database and model mode', async () => {
    const { stdout, stderr, code } = await runService({ LOG_FORMAT: 'json' }, (out) => out.includes('"msg":"stopped"') || out.includes('GraphQL ready'));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = jsonLines(stdout);
    expect(lines.find((l) => /^database: embedded PGlite in memory:\/\//.test(l.msg))).toBeDefined();
    const ready = lines.find((l) => String(l.msg).startsWith('GraphQL ready'))!;
    expect(ready).toMatchObject({ database: 'pglite', modelProvider: 'emulator', otelExport: false });
    expect(ready.msg).toContain('models: emulator');
    const banner = lines.find((l) => l.adminApiKey);
    expect(banner?.adminApiKey).toMatch(/^gcp_/);
    expect(lines.at(-1)!.msg).toBe('stopped');
    // Node 20: the AWS SDK warns that its next versions need Node 22; it arrives as a log line.
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(lines.some((l) => l.warning && /NodeVersionSupportWarning/.test(l.warning.message))).toBe(true);
    }
  });

  it('a start-up failure is one fatal JSON line naming the problem, and exit code 1', async () => {
    const { stdout, stderr, code } = await runService({ LOG_FORMAT: 'json', PORT: 'not-a-port' }, () => false);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = jsonLines(stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60 });
    expect(lines[0]!.msg).toMatch(/start-up failed: Invalid environment:\n\s+PORT/);
  });

  it('LOG_FORMAT=pretty prints readable lines instead', async () => {
    const { stdout } = await runService({ LOG_FORMAT: 'pretty', PORT: 'not-a-port' }, () => false);
    expect(stdout).toMatch(/FATAL.*start-up failed/);
    expect(() => JSON.parse(stdout.split('\n')[0]!)).toThrow();
  });

  it('TypeORM query errors go through the logger without the query parameters', () => {
    const out: string[] = [];
    const logger = createLogger('info', { format: 'json', destination: new Writable({ write: (c, _e, cb) => (out.push(String(c)), cb()) }) as never });
    new TypeOrmLogger(logger).logQueryError('relation "nope" does not exist', 'SELECT * FROM nope WHERE secret = $1', ['s3cr3t-value']);
    const line = JSON.parse(out.join(''));
    expect(line).toMatchObject({ level: 50, msg: 'query failed', sql: 'SELECT * FROM nope WHERE secret = $1', parameterCount: 1 });
    expect(line.err.message).toBe('relation "nope" does not exist');
    expect(out.join('')).not.toContain('s3cr3t-value');
  });
});
