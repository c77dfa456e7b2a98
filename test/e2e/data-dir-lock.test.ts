import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_SECRET, startTestApp } from '../helpers/test-app';

/** Two processes on one embedded data folder would each see only their own writes: the second refuses to start. */
describe('DATA_DIR lock (embedded PGlite serves one process)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-lock-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a second process on the same DATA_DIR with a clear message, and frees the folder at a clean stop', async () => {
    const first = await startTestApp({ DATA_DIR: dataDir, DATABASE_URL: '' });
    try {
      const child = fork(path.join(__dirname, '../../src/index.ts'), [], {
        execArgv: ['-r', require.resolve('../helpers/swc-register.js')],
        silent: true,
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN_SECRET, MODEL_PROVIDER: 'emulator', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: '' },
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(out).toContain(`is in use by process ${process.pid}`);
      expect(out).toMatch(/PostgreSQL \(DATABASE_URL\)/);
    } finally {
      await first.close();
    }
    // Stopped cleanly: the folder is free again, and its data is still there.
    const again = await startTestApp({ DATA_DIR: dataDir, DATABASE_URL: '' });
    await again.close();
  });

  it('takes over a lock left by a process that is gone (kill -9)', async () => {
    fs.writeFileSync(path.join(dataDir, 'genai-cp.lock'), JSON.stringify({ pid: 4_194_000, host: os.hostname() }));
    const t = await startTestApp({ DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'genai-cp.lock'), 'utf8')).pid).toBe(process.pid);
    await t.close();
  });
});
