/**
 * Screenshots of every dashboard page into docs/dashboard/*.png, against a throwaway app (in-memory
 * PGlite, the model emulator) seeded as the browser tests seed it:
 *
 *   npm run dashboard:screenshots
 *
 * Uses Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH) through playwright-core.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestApp } from '../test/helpers/test-app';
import { ensureDashboardBuilt, launchBrowser } from '../test/helpers/browser';
import { seedDashboard } from '../test/helpers/dashboard-fixture';

const OUT = path.join(__dirname, '..', '..', 'docs', 'dashboard');

async function main(): Promise<void> {
  ensureDashboardBuilt();
  const t = await startTestApp({ REVIEW_SAMPLE_RATE: '1' });
  const browser = await launchBrowser();
  try {
    const fx = await seedDashboard(
      { gql: t.gql, dataSource: t.app.dataSource, flush: () => t.app.services.traces.writer.flush(), tickAlerts: () => t.app.services.alerts.scheduler.tick() },
      { synthetic: 3000 },
    );
    const key = await t.keyFor('ANALYST', 'analyst');
    const base = t.url.replace(/\/graphql$/, '');
    await new Promise((r) => setTimeout(r, 2200)); // the review sampler's next pass
    fs.mkdirSync(OUT, { recursive: true });
    const shots: { name: string; path: string; ready: string; then?: (page: import('playwright-core').Page) => Promise<void> }[] = [
      { name: 'overview', path: '/', ready: '[data-chart="evalScore"]' },
      { name: 'cost', path: '/cost', ready: '[data-table="cost-by-dimension"] tr[data-group]' },
      {
        name: 'quality',
        path: '/quality',
        ready: '[data-chart="evalScoreTrend"]',
        then: async (page) => {
          await page.selectOption('select[name="prompt"]', fx.prompt);
          await page.locator('[data-mark]').first().waitFor();
          await page.click('[data-action="claim"]');
          await page.locator('[data-review-item]').first().waitFor();
        },
      },
      { name: 'drift-alerts', path: '/drift', ready: '[data-table="drift"] td' },
      { name: 'traces', path: '/traces', ready: '[data-table="traces"] tr[data-trace]' },
      { name: 'trace', path: `/traces/${fx.traceIds[0]}`, ready: '[data-table="spans"] tr[data-span]' },
      { name: 'prompts', path: `/prompts/${fx.prompt}`, ready: '[data-section="diff"] .add' },
    ];
    for (const s of shots) {
      const { page } = await browser.page();
      await page.goto(`${base}/dashboard${s.path}#key=${encodeURIComponent(key)}`);
      await page.locator(s.ready).first().waitFor();
      await s.then?.(page);
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(OUT, `${s.name}.png`), fullPage: s.name !== 'traces' });
      process.stdout.write(`docs/dashboard/${s.name}.png\n`);
      await page.close();
    }
    const { page } = await browser.page();
    await page.goto(`${base}/dashboard#key=${encodeURIComponent(key)}`);
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-container').waitFor();
    await page.click('.graphiql-execute-button');
    await page.locator('.graphiql-response .CodeMirror-code').first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(OUT, 'graphiql.png') });
    process.stdout.write('docs/dashboard/graphiql.png\n');
  } finally {
    await browser.close();
    await t.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
