import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { ensureDashboardBuilt, launchBrowser, offHost, type Browser } from '../../helpers/browser';
import { seedDashboard, type DashboardFixture } from '../../helpers/dashboard-fixture';
import { main as cli } from '../../../src/cli/main';

interface Figures {
  x: string[];
  series: Record<string, (number | null)[]>;
}

const figures = async (page: Page, chart: string): Promise<Figures> => JSON.parse((await page.locator(`[data-chart="${chart}"]`).getAttribute('data-figures'))!) as Figures;

/** The figure at the bucket of an API row. */
const at = (f: Figures, series: string, bucket: string) => f.series[series]?.[f.x.indexOf(new Date(bucket).toISOString())];

/**
 * A chart's figures once they show every API row of a series: after a selection changes, the chart
 * keeps its previous figures until its new query answers (marks included), so reading them at once
 * can catch the old view. Gives up after 15 s and returns what is shown (the caller's assertion fails).
 */
async function figuresShowing(page: Page, chart: string, series: string, rows: Array<{ bucket: string; meanScore: number | null }>): Promise<Figures> {
  let f = await figures(page, chart);
  for (const until = Date.now() + 15_000; rows.some((r) => at(f, series, r.bucket) !== r.meanScore) && Date.now() < until; f = await figures(page, chart)) {
    await page.waitForTimeout(100);
  }
  return f;
}

describe(`dashboard in Chromium (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let b: Browser;
  let analyst: string;
  let fx: DashboardFixture;
  let base: string;

  beforeAll(async () => {
    ensureDashboardBuilt();
    t = await startTestApp({ REVIEW_SAMPLE_RATE: '1' });
    fx = await seedDashboard({ gql: t.gql, dataSource: t.app.dataSource, flush: () => t.app.services.traces.writer.flush(), tickAlerts: () => t.app.services.alerts.scheduler.tick() });
    analyst = await t.keyFor('ANALYST', 'reviewer');
    base = t.url.replace(/\/graphql$/, '');
    b = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  /** Opens a dashboard path with the analyst key in the address (stored, then removed). */
  async function open(path: string, ready: string) {
    const { page, log } = await b.page();
    await page.goto(`${base}/dashboard${path}#key=${encodeURIComponent(analyst)}`);
    await page.locator(ready).first().waitFor();
    await page.waitForLoadState('networkidle');
    return { page, log };
  }

  it('#key= stores the key in localStorage and leaves the address bar', async () => {
    const { page, log } = await open('/', '[data-page="overview"]');
    expect(page.url()).toBe(`${base}/dashboard/`);
    expect(await page.evaluate("localStorage.getItem('genai-cp.apiKey')")).toBe(analyst);
    // Reloading without the fragment keeps working with the stored key.
    await page.goto(`${base}/dashboard/traces`);
    await page.locator('[data-table="traces"] tr[data-trace]').first().waitFor();
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('the link `genai-cp dashboard --prompt P` prints opens that page with the key, which leaves the address bar', async () => {
    const lines: string[] = [];
    const code = await cli(['dashboard', '--prompt', fx.prompt], { GENAI_CP_URL: t.url, GENAI_CP_API_KEY: analyst }, { log: (l) => lines.push(l), err: (l) => lines.push(l), isTTY: false });
    expect(code).toBe(0);
    expect(lines).toEqual([`${base}/dashboard/prompts/${fx.prompt}#key=${encodeURIComponent(analyst)}`]);
    const { page, log } = await b.page();
    await page.evaluate('localStorage.clear()').catch(() => undefined);
    await page.goto(lines[0]!);
    await page.locator('[data-table="versions"] tr[data-version]').first().waitFor();
    expect(page.url()).toBe(`${base}/dashboard/prompts/${fx.prompt}`);
    expect(await page.evaluate("localStorage.getItem('genai-cp.apiKey')")).toBe(analyst);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('the overview charts show the figures the API returns for the seeded traces', async () => {
    const { page, log } = await open('/', '[data-chart="latency"]');
    await page.locator('[data-chart="cacheHitRate"]').waitFor();
    const section = page.locator('[data-page="overview"]');
    const filter = { from: await section.getAttribute('data-from'), to: await section.getAttribute('data-to') };
    const bucket = await section.getAttribute('data-bucket');
    expect(bucket).toBe('HOUR');
    expect(Date.parse(filter.to!) - Date.parse(filter.from!)).toBe(86_400_000);
    const api = await t.gql(
      `query($f: TraceFilter, $b: TimeBucket) {
        costBreakdown(groupBy: [MODEL], bucket: $b, filter: $f) { bucket requests costUsd }
        latencyStats(bucket: $b, filter: $f) { bucket p50Ms p95Ms p99Ms ttftP50Ms }
        cacheStats(bucket: $b, filter: $f) { bucket hitRate savedUsd }
        total: costBreakdown(groupBy: [MODEL], filter: $f) { requests costUsd }
      }`,
      { f: filter, b: bucket },
      analyst,
    );
    expect(api.errors).toBeUndefined();
    const d = api.data!;
    // costBreakdown names a dimension: the chart adds up the models of each bucket.
    const perBucket = new Map<string, { requests: number; costUsd: number }>();
    for (const row of d.costBreakdown) {
      const e = perBucket.get(row.bucket) ?? { requests: 0, costUsd: 0 };
      e.requests += row.requests;
      e.costUsd += row.costUsd;
      perBucket.set(row.bucket, e);
    }
    expect(perBucket.size).toBeGreaterThan(10);
    const requests = await figures(page, 'requests');
    const cost = await figures(page, 'cost');
    for (const [bucket, row] of perBucket) {
      expect(at(requests, 'Requests', bucket)).toBe(row.requests);
      expect(at(cost, 'Cost', bucket)).toBeCloseTo(row.costUsd, 9);
    }
    // Buckets without traffic are gaps, not zeros made up.
    expect(requests.series.Requests!.filter((v) => v != null)).toHaveLength(perBucket.size);
    const latency = await figures(page, 'latency');
    for (const row of d.latencyStats) {
      expect(at(latency, 'p50', row.bucket)).toBe(row.p50Ms);
      expect(at(latency, 'p95', row.bucket)).toBe(row.p95Ms);
      expect(at(latency, 'p99', row.bucket)).toBe(row.p99Ms);
    }
    const cache = await figures(page, 'cacheHitRate');
    for (const row of d.cacheStats) expect(at(cache, 'Hit rate', row.bucket)).toBe(row.hitRate);
    // The alert that fired in the range, as the API lists it.
    const fired = (await t.gql('{ alertEvents { firedAt rule { name } } }', {}, analyst)).data!.alertEvents;
    expect(fired.map((e: { rule: { name: string } }) => e.rule.name)).toContain('any spend on support');
    expect(await page.locator('[data-table="alerts-fired"] tbody tr').count()).toBe(fired.length);
    expect(await page.locator('[data-table="alerts-fired"]').textContent()).toContain('any spend on support');
    // The headline figures and the previous period's series.
    const total = (k: 'requests' | 'costUsd') => d.total.reduce((a: number, r: Record<string, number>) => a + r[k]!, 0);
    expect(Number(await page.locator('[data-kpi="requests"]').getAttribute('data-value'))).toBe(total('requests'));
    expect(Number(await page.locator('[data-kpi="cost"]').getAttribute('data-value'))).toBeCloseTo(total('costUsd'), 9);
    // The previous period (one query over both periods, split at the boundary): the API's answer for the 24 h before, shifted a day.
    const prevFilter = { from: new Date(Date.parse(filter.from!) - 86_400_000).toISOString(), to: filter.from };
    const prevRows = (await t.gql('query($f: TraceFilter) { costBreakdown(groupBy: [MODEL], bucket: HOUR, filter: $f) { bucket requests } }', { f: prevFilter }, analyst)).data!.costBreakdown;
    const prevSums = new Map<string, number>();
    for (const row of prevRows) prevSums.set(row.bucket, (prevSums.get(row.bucket) ?? 0) + row.requests);
    expect(prevSums.size).toBeGreaterThan(10);
    for (const [bucket, n] of prevSums) expect(at(requests, 'Requests (previous)', new Date(Date.parse(bucket) + 86_400_000).toISOString())).toBe(n);

    // Another range and bucket: 7 days by day, then the same 7 days by hour.
    await page.click('[data-range="7d"]');
    await page.locator('[data-page="overview"][data-bucket="DAY"][data-ready="true"]').waitFor();
    for (const want of ['DAY', 'HOUR']) {
      if (want === 'HOUR') {
        await page.selectOption('select[name="bucket"]', 'HOUR');
        await page.locator('[data-page="overview"][data-bucket="HOUR"][data-ready="true"]').waitFor();
      }
      const f7 = { from: await section.getAttribute('data-from'), to: await section.getAttribute('data-to') };
      expect(Date.parse(f7.to!) - Date.parse(f7.from!)).toBe(7 * 86_400_000);
      const rows = (await t.gql('query($f: TraceFilter, $b: TimeBucket) { costBreakdown(groupBy: [MODEL], bucket: $b, filter: $f) { bucket requests } }', { f: f7, b: want }, analyst)).data!
        .costBreakdown;
      const sums = new Map<string, number>();
      for (const row of rows) sums.set(row.bucket, (sums.get(row.bucket) ?? 0) + row.requests);
      const shown = await figures(page, 'requests');
      expect(shown.x).toHaveLength(want === 'DAY' ? 7 : 168);
      for (const [bucket, n] of sums) expect(at(shown, 'Requests', bucket)).toBe(n);
    }
    // 24 h by day: the boundary is not a day's start, so each period is its own query (no day mixes the two).
    await page.click('[data-range="24h"]');
    await page.selectOption('select[name="bucket"]', 'DAY');
    await page.locator('[data-page="overview"][data-bucket="DAY"][data-ready="true"]').waitFor();
    const f1 = { from: await section.getAttribute('data-from'), to: await section.getAttribute('data-to') };
    expect(Date.parse(f1.to!) - Date.parse(f1.from!)).toBe(86_400_000);
    const dayRows = (await t.gql('query($f: TraceFilter) { costBreakdown(groupBy: [MODEL], bucket: DAY, filter: $f) { bucket requests } }', { f: f1 }, analyst)).data!.costBreakdown;
    const daySums = new Map<string, number>();
    for (const row of dayRows) daySums.set(row.bucket, (daySums.get(row.bucket) ?? 0) + row.requests);
    const shownDays = await figures(page, 'requests');
    for (const [bucket, n] of daySums) expect(at(shownDays, 'Requests', bucket)).toBe(n);
    expect(shownDays.series.Requests!.filter((v) => v != null).reduce((a, v) => a! + v!, 0)).toBe(Number(await page.locator('[data-kpi="requests"]').getAttribute('data-value')));
    expect(log.errors).toEqual([]);
    expect(offHost(log, base)).toEqual([]);
    await page.close();
  });

  it('a free from/to range is validated, kept in the URL, and shows the API figures of it and of the period before', async () => {
    const { page, log } = await open('/', '[data-page="overview"][data-ready="true"]');
    const section = page.locator('[data-page="overview"]');
    // Default: the last 24 h, shown in the inputs.
    const dto = await section.getAttribute('data-to');
    expect(await page.inputValue('input[name="to"]')).toBe(dto!.slice(0, 16));
    expect(Date.parse(dto!) - Date.parse((await section.getAttribute('data-from'))!)).toBe(86_400_000);
    // "from" after "to": an error, and the view does not change.
    await page.fill('input[name="from"]', '2026-01-02T00:00');
    await page.fill('input[name="to"]', '2026-01-01T00:00');
    await page.click('[data-action="apply-range"]');
    expect(await page.locator('[data-range-error]').textContent()).toContain('before');
    expect(await section.getAttribute('data-to')).toBe(dto);
    // A 30-hour range ending 6 h before the newest hour (not a preset), by hour.
    const to = new Date(Math.floor(Date.parse(dto!) / 3_600_000) * 3_600_000 - 6 * 3_600_000);
    const from = new Date(to.getTime() - 30 * 3_600_000 + 30 * 60_000); // starts mid-hour: the previous period is its own query
    await page.fill('input[name="from"]', from.toISOString().slice(0, 16));
    await page.fill('input[name="to"]', to.toISOString().slice(0, 16));
    await page.click('[data-action="apply-range"]');
    await page.locator(`[data-page="overview"][data-from="${from.toISOString()}"][data-ready="true"]`).waitFor();
    expect(await page.locator('[data-range-error]').count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('from')).toBe(from.toISOString().slice(0, 16));
    const check = async () => {
      expect(await section.getAttribute('data-to')).toBe(to.toISOString());
      expect(await section.getAttribute('data-bucket')).toBe('HOUR');
      const prevFrom = new Date(2 * from.getTime() - to.getTime()).toISOString();
      const d = (
        await t.gql(
          `query($f: TraceFilter, $p: TraceFilter) {
            cur: costBreakdown(groupBy: [MODEL], bucket: HOUR, filter: $f) { bucket requests costUsd }
            total: costBreakdown(groupBy: [MODEL], filter: $f) { requests costUsd }
            prev: costBreakdown(groupBy: [MODEL], filter: $p) { requests costUsd }
            lat: latencyStats(filter: $f) { p95Ms }
          }`,
          { f: { from: from.toISOString(), to: to.toISOString() }, p: { from: prevFrom, to: from.toISOString() } },
          analyst,
        )
      ).data!;
      const sums = new Map<string, number>();
      for (const row of d.cur) sums.set(row.bucket, (sums.get(row.bucket) ?? 0) + row.requests);
      expect(sums.size).toBeGreaterThan(10);
      const shown = await figures(page, 'requests');
      expect(shown.x).toHaveLength(30); // 29.5 h: the half hour at the start and 29 whole hours
      for (const [bucket, n] of sums) expect(at(shown, 'Requests', bucket)).toBe(n);
      const total = (rows: Record<string, number>[], k: string) => rows.reduce((a, r) => a + r[k]!, 0);
      const kpi = async (id: string, attr: string) => Number(await page.locator(`[data-kpi="${id}"]`).getAttribute(attr));
      expect(await kpi('requests', 'data-value')).toBe(total(d.total, 'requests'));
      expect(await kpi('cost', 'data-value')).toBeCloseTo(total(d.total, 'costUsd'), 9);
      expect(await kpi('requests', 'data-previous')).toBe(total(d.prev, 'requests'));
      expect(total(d.prev, 'requests')).toBeGreaterThan(0);
      expect(await kpi('cost', 'data-previous')).toBeCloseTo(total(d.prev, 'costUsd'), 9);
      expect(await kpi('p95', 'data-value')).toBe(d.lat[0].p95Ms);
    };
    await check();
    // The link reproduces the view.
    const link = page.url();
    const again = await b.page();
    await again.page.goto(link);
    await again.page.locator(`[data-page="overview"][data-from="${from.toISOString()}"][data-ready="true"]`).waitFor();
    expect(await again.page.inputValue('input[name="from"]')).toBe(from.toISOString().slice(0, 16));
    await again.page.close();
    expect(log.errors).toEqual([]);
    expect(offHost(log, base)).toEqual([]);
    await page.close();
  });

  /** A second eval set with a run of the prompt's v2 (made once, by whichever test needs it first). */
  let secondSet: Promise<string> | undefined;
  const second = 'support-set-strict';
  const ensureSecondSet = () =>
    (secondSet ??= (async () => {
      await t.gql('mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', {
        i: { name: second, cases: [{ input: 'How do I reset my password?', assertions: [{ type: 'icontains', value: 'nowhere' }] }] },
      });
      const run = (await t.gql('mutation($i: RunEvalInput!) { runEval(input: $i) { id } }', { i: { evalSet: second, prompt: fx.prompt, version: 2 } })).data!.runEval.id;
      let status = 'QUEUED';
      for (let i = 0; i < 600 && ['RUNNING', 'QUEUED'].includes(status); i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await t.gql('query($id: ID!) { evalRun(id: $id) { status } }', { id: run }, analyst)).data!.evalRun.status;
      }
      expect(status).toBe('SUCCEEDED');
      return second;
    })());

  it('the quality page overlays the score trends of several eval sets', async () => {
    await ensureSecondSet();
    const { page, log } = await open('/quality', '[data-chart="evalScoreTrend"]');
    await page.check(`input[name="evalSet"][value="${second}"]`);
    await page.selectOption('select[name="prompt"]', fx.prompt);
    await page.locator(`[data-chart="evalScoreTrend"][data-figures*="${second} mean score"] [data-mark]`).first().waitFor();
    const f = await figures(page, 'evalScoreTrend');
    for (const set of [fx.evalSet, second]) {
      const trend = (await t.gql('query($s: String!, $p: String) { evalScoreTrend(evalSet: $s, prompt: $p) { bucket meanScore } }', { s: set, p: fx.prompt }, analyst)).data!.evalScoreTrend;
      expect(trend.length).toBeGreaterThan(0);
      for (const row of trend) expect(at(f, `${set} mean score`, row.bucket)).toBe(row.meanScore);
    }
    const marks = JSON.parse((await page.locator('[data-chart="evalScoreTrend"]').getAttribute('data-marks'))!) as { label: string }[];
    expect(marks.map((m) => m.label).sort()).toEqual(['production v1→v2', 'production →v1']);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("every page's selections live in the URL: a reload or the link reproduces the view, Back undoes a change", async () => {
    await ensureSecondSet();
    const url = (page: Page) => new URL(page.url()).searchParams;
    // Quality: two eval sets, a prompt and a bucket.
    const { page, log } = await open('/quality', '[data-chart="evalScoreTrend"]');
    await page.check(`input[name="evalSet"][value="${second}"]`);
    await page.selectOption('select[name="prompt"]', fx.prompt);
    await page.selectOption('select[name="bucket"]', 'WEEK');
    const overlaid = `[data-chart="evalScoreTrend"][data-figures*="${second} mean score"]`;
    await page.locator(`${overlaid} [data-mark]`).first().waitFor();
    expect(url(page).getAll('set')).toEqual([fx.evalSet, second]);
    expect(url(page).get('prompt')).toBe(fx.prompt);
    expect(url(page).get('bucket')).toBe('WEEK');
    const trend = (await t.gql('query($s: String!, $p: String) { evalScoreTrend(evalSet: $s, prompt: $p, bucket: WEEK) { bucket meanScore } }', { s: second, p: fx.prompt }, analyst)).data!
      .evalScoreTrend;
    expect(trend.length).toBeGreaterThan(0);
    const before = await figuresShowing(page, 'evalScoreTrend', `${second} mean score`, trend);
    for (const row of trend) expect(at(before, `${second} mean score`, row.bucket)).toBe(row.meanScore);
    const quality = async (p: Page) => {
      await p.locator(`${overlaid} [data-mark]`).first().waitFor();
      expect(await p.locator('input[name="evalSet"]:checked').evaluateAll((els) => els.map((e) => e.getAttribute('value')))).toEqual([fx.evalSet, second]);
      expect(await p.inputValue('select[name="prompt"]')).toBe(fx.prompt);
      expect(await p.inputValue('select[name="bucket"]')).toBe('WEEK');
      expect(await figures(p, 'evalScoreTrend')).toEqual(before);
    };
    await page.reload();
    await quality(page);
    // The link, opened in another tab.
    const shared = await b.page();
    await shared.page.goto(page.url());
    await quality(shared.page);
    await shared.page.close();
    // No set chosen is a choice too, and survives a reload; Back brings the two sets again.
    await page.uncheck(`input[name="evalSet"][value="${second}"]`);
    await page.uncheck(`input[name="evalSet"][value="${fx.evalSet}"]`);
    await page.locator('text=No eval set chosen.').waitFor();
    await page.reload();
    await page.locator('text=No eval set chosen.').waitFor();
    expect(await page.locator('input[name="evalSet"]:checked').count()).toBe(0);
    await page.goBack();
    await page.locator('input[name="evalSet"]:checked').first().waitFor();
    expect(await page.locator('input[name="evalSet"]:checked').evaluateAll((els) => els.map((e) => e.getAttribute('value')))).toEqual([fx.evalSet]);

    // Overview: the eval set, with the range and the bucket.
    await page.goto(`${base}/dashboard/`);
    await page.locator('[data-page="overview"][data-ready="true"]').waitFor();
    await page.click('[data-range="7d"]');
    await page.selectOption('select[name="bucket"]', 'HOUR');
    await page.selectOption('select[aria-label="Eval set"]', second);
    await page.locator(`[data-chart="evalScore"]:has-text("Eval score: ${second}")`).waitFor();
    expect(Object.fromEntries(url(page))).toEqual({ range: '7d', bucket: 'HOUR', evalSet: second });
    await page.reload();
    await page.locator('[data-page="overview"][data-bucket="HOUR"][data-ready="true"]').waitFor();
    await page.locator(`[data-chart="evalScore"]:has-text("Eval score: ${second}")`).waitFor();
    expect(await page.inputValue('select[aria-label="Eval set"]')).toBe(second);
    expect(await page.getAttribute('[data-range="7d"]', 'aria-pressed')).toBe('true');

    // Cost: the dimension.
    await page.goto(`${base}/dashboard/cost?range=30d`);
    await page.locator('[data-table="cost-by-dimension"] tr[data-group]').first().waitFor();
    await page.selectOption('select[aria-label="Dimension"]', 'PROMPT');
    await page.locator(`[data-table="cost-by-dimension"] tr[data-group="${fx.prompt}"]`).waitFor();
    expect(Object.fromEntries(url(page))).toEqual({ range: '30d', dim: 'PROMPT' });
    await page.reload();
    await page.locator(`[data-table="cost-by-dimension"] tr[data-group="${fx.prompt}"]`).waitFor();
    expect(await page.inputValue('select[aria-label="Dimension"]')).toBe('PROMPT');

    // Drift: the window (a preset here) and the baseline.
    await page.goto(`${base}/dashboard/drift`);
    await page.locator('[data-table="drift"] td').first().waitFor();
    await page.click('[data-range="7d"]');
    await page.selectOption('select[name="baseline"]', '30d');
    await page.locator('[data-page="drift"][data-baseline="30d"]').waitFor();
    const window = { from: await page.getAttribute('[data-page="drift"]', 'data-from'), to: await page.getAttribute('[data-page="drift"]', 'data-to') };
    expect(Date.parse(window.to!) - Date.parse(window.from!)).toBe(7 * 86_400_000);
    expect(Object.fromEntries(url(page))).toEqual({ range: '7d', baseline: '30d' });
    await page.reload();
    await page.locator('[data-table="drift"] td').first().waitFor();
    expect(await page.inputValue('select[name="baseline"]')).toBe('30d');
    expect(await page.getAttribute('[data-page="drift"]', 'data-from')).toBe(window.from);

    // Prompts: the two versions of the diff.
    await page.goto(`${base}/dashboard/prompts/${fx.prompt}`);
    await page.locator('[data-section="diff"] .add').first().waitFor();
    await page.selectOption('select[name="diffFrom"]', '2');
    await page.selectOption('select[name="diffTo"]', '1');
    await page.waitForURL((u) => u.searchParams.get('diffTo') === '1');
    const diff = await page.locator('[data-section="diff"]').innerHTML();
    await page.reload();
    await page.locator('[data-section="diff"] .add').first().waitFor();
    expect([await page.inputValue('select[name="diffFrom"]'), await page.inputValue('select[name="diffTo"]')]).toEqual(['2', '1']);
    expect(await page.locator('[data-section="diff"]').innerHTML()).toBe(diff);
    expect(log.errors).toEqual([]);
    expect(offHost(log, base)).toEqual([]);
    await page.close();
  });

  it('every page loads without a console error and without a request leaving localhost', async () => {
    const pages: [string, string][] = [
      ['/', '[data-chart="evalScore"]'],
      ['/cost', '[data-table="cost-by-dimension"] tr[data-group]'],
      ['/quality', '[data-chart="evalScoreTrend"]'],
      ['/drift', '[data-table="drift"] td'],
      ['/traces', '[data-table="traces"] tr[data-trace]'],
      [`/traces/${fx.traceIds[0]}`, '[data-table="spans"] tr[data-span]'],
      [`/prompts/${fx.prompt}`, '[data-section="diff"] .add'],
    ];
    for (const [path, ready] of pages) {
      const { page, log } = await open(path, ready);
      const panelErrors = await page.locator('.error').allTextContents();
      expect({ path, errors: log.errors, panelErrors, offHost: offHost(log, base) }).toEqual({ path, errors: [], panelErrors: [], offHost: [] });
      expect(log.requests.length).toBeGreaterThan(2);
      await page.close();
    }
  });

  it('the cost page stacks the stages the API reports, and groups by any dimension', async () => {
    const { page } = await open('/cost', '[data-chart="costByStage"]');
    await page.locator('[data-table="cost-by-dimension"] tr[data-group]').first().waitFor();
    const f = await figures(page, 'costByStage');
    const from = f.x[0]!;
    const to = new Date(Date.parse(f.x.at(-1)!) + 86_400_000).toISOString();
    const api = await t.gql(
      'query($f: TraceFilter) { costBreakdown(groupBy: [MODEL], bucket: DAY, filter: $f) { bucket costByStage { system output } } byModel: costBreakdown(groupBy: [MODEL], filter: $f) { keys costUsd } }',
      { f: { from, to } },
      analyst,
    );
    const stages = new Map<string, { system: number; output: number }>();
    for (const row of api.data!.costBreakdown) {
      const e = stages.get(row.bucket) ?? { system: 0, output: 0 };
      e.system += row.costByStage.system;
      e.output += row.costByStage.output;
      stages.set(row.bucket, e);
    }
    expect(stages.size).toBeGreaterThan(1);
    for (const [bucket, e] of stages) {
      expect(at(f, 'system', bucket)).toBeCloseTo(e.system, 9);
      expect(at(f, 'output', bucket)).toBeCloseTo(e.output, 9);
    }
    for (const row of api.data!.byModel) {
      const tr = page.locator(`[data-table="cost-by-dimension"] tr[data-group="${row.keys.MODEL ?? '(none)'}"]`);
      expect(Number(await tr.getAttribute('data-cost'))).toBeCloseTo(row.costUsd, 6);
    }
    await page.close();
  });

  it('the trace list filters as the API does, from the form and from the URL', async () => {
    const { page } = await open('/traces', '[data-table="traces"] tr[data-trace]');
    expect(await page.locator('[data-table="traces"] tr[data-trace]').count()).toBe(50);
    await page.fill('input[name="prompt"]', fx.prompt);
    await page.selectOption('select[name="source"]', 'PRODUCTION');
    await page.click('form button[type="submit"]');
    await page.waitForURL(`${base}/dashboard/traces?prompt=${fx.prompt}&source=PRODUCTION`);
    await page.waitForLoadState('networkidle');
    const api = (await t.gql('query($f: TraceFilter) { traces(first: 50, filter: $f) { edges { node { id } } } }', { f: { prompt: fx.prompt, source: 'PRODUCTION' } }, analyst)).data!.traces.edges.map(
      (e: { node: { id: string } }) => e.node.id,
    );
    expect(api.length).toBeGreaterThanOrEqual(fx.traceIds.length);
    const shown = await page.locator('[data-table="traces"] tr[data-trace]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace')));
    expect(shown).toEqual(api);
    for (const id of fx.traceIds) expect(shown).toContain(id);
    await page.close();
  });

  it('a trace page shows the assembled prompt, the output, the spans, cost by stage and guardrail findings', async () => {
    const { page } = await open(`/traces/${fx.traceIds[0]}`, '[data-table="spans"] tr[data-span]');
    const api = (await t.gql('query($id: ID!) { trace(id: $id) { output spans { name } costByStage { output } } }', { id: fx.traceIds[0] }, analyst)).data!.trace;
    expect(await page.locator('[data-section="output"]').textContent()).toBe(api.output);
    expect(await page.locator('[data-section="assembled-prompt"]').textContent()).toContain('Mention where to click');
    expect(await page.locator('[data-table="spans"] tr[data-span]').count()).toBe(api.spans.length);
    expect(Number(await page.locator('[data-stage="output"]').getAttribute('data-cost'))).toBe(api.costByStage.output);
    expect(await page.locator('[data-table="guardrail-findings"]').textContent()).toContain('EMAIL');
    await page.close();
  });

  it('a reviewer scores an item of the review queue', async () => {
    await new Promise((r) => setTimeout(r, 2200)); // the sampler leaves traces younger than 2 s for its next pass
    const { page, log } = await open('/quality', '[data-action="claim"]');
    await page.click('[data-action="claim"]');
    const card = page.locator('[data-review-item]').first();
    await card.waitFor();
    const id = await card.getAttribute('data-review-item');
    await card.locator('input[name="score"]').fill('0.75');
    await card.locator('input[name="comment"]').fill('good enough');
    await card.locator('button[type="submit"]').click();
    await card.locator('[data-reviewed]').waitFor();
    const rows = await t.app.dataSource.query('SELECT human_score, reviewed_by, comment FROM review_items WHERE id = $1', [id]);
    expect(rows[0]).toMatchObject({ human_score: 0.75, reviewed_by: 'reviewer', comment: 'good enough' });
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('a label move appears on the eval score trend of the prompt', async () => {
    const { page } = await open('/quality', '[data-chart="evalScoreTrend"]');
    await page.selectOption('select[name="prompt"]', fx.prompt);
    await page.locator('[data-chart="evalScoreTrend"] [data-mark]').first().waitFor();
    const marks = JSON.parse((await page.locator('[data-chart="evalScoreTrend"]').getAttribute('data-marks'))!) as { at: number; label: string }[];
    const history = (await t.gql('{ prompt(name: "support") { labels { name history { at toVersion } } } }', {}, analyst)).data!.prompt.labels[0].history;
    expect(marks.map((m) => m.label).sort()).toEqual(['production v1→v2', 'production →v1']);
    expect(marks.map((m) => m.at).sort()).toEqual(history.map((h: { at: string }) => Date.parse(h.at)).sort());
    const f = await figures(page, 'evalScoreTrend');
    const trend = (await t.gql('{ evalScoreTrend(evalSet: "support-set", prompt: "support") { bucket meanScore } }', {}, analyst)).data!.evalScoreTrend;
    for (const row of trend) expect(at(f, 'Mean score', row.bucket)).toBe(row.meanScore);
    await page.close();
  });

  it('GET /graphql in a browser is an offline GraphiQL offering the stored key as the Authorization header', async () => {
    const { page, log } = await open('/', '[data-page="overview"]');
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-container').waitFor();
    await page.waitForLoadState('networkidle');
    const headers = await page.locator('.graphiql-editor-tool').first().textContent();
    expect(headers).toContain(`Bearer ${analyst}`);
    // Run the default query through GraphiQL: it answers with data, using the stored key.
    const answered = page.waitForResponse((r) => r.url() === `${base}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('Overview'));
    await page.click('.graphiql-execute-button');
    const res = await answered;
    expect(res.request().headers().authorization).toBe(`Bearer ${analyst}`);
    expect(((await res.json()) as { data?: unknown }).data).toBeTruthy();
    expect(log.errors).toEqual([]);
    expect(offHost(log, base)).toEqual([]);
    await page.close();
  });
});
