import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs the package when it is missing); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Builds dashboard/dist when its sources changed (a no-op otherwise). */
export function ensureDashboardBuilt(): void {
  // From test/helpers (jest) or dist/test/helpers (a compiled script): the repository's scripts/.
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'scripts', 'build-dashboard.mjs'))) {
    if (path.dirname(dir) === dir) throw new Error('scripts/build-dashboard.mjs not found');
    dir = path.dirname(dir);
  }
  execFileSync(process.execPath, [path.join(dir, 'scripts', 'build-dashboard.mjs'), '--quiet'], { stdio: 'inherit' });
}

/** What a page did: console errors, uncaught exceptions and every URL it requested. */
export interface PageLog {
  errors: string[];
  requests: string[];
}

export interface Browser {
  context: BrowserContext;
  /** A new tab recording its console errors and requests into `log`. */
  page(): Promise<{ page: Page; log: PageLog }>;
  close(): Promise<void>;
}

/** One headless Chromium with a new, empty profile (one per test file). */
export async function launchBrowser(): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-cp-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 } });
  return {
    context,
    async page() {
      const page = await context.newPage();
      const log: PageLog = { errors: [], requests: [] };
      page.on('console', (m) => {
        if (m.type() === 'error') log.errors.push(m.text());
      });
      page.on('pageerror', (e) => log.errors.push(String(e)));
      page.on('request', (r) => log.requests.push(r.url()));
      page.on('websocket', (ws) => log.requests.push(ws.url()));
      return { page, log };
    },
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** URLs of `log` that leave the test server (data: and blob: URLs stay in the page). */
export function offHost(log: PageLog, base: string): string[] {
  const origin = new URL(base);
  return log.requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:') || u === 'about:blank') return false;
    const url = new URL(u);
    return url.hostname !== origin.hostname || url.port !== origin.port;
  });
}
