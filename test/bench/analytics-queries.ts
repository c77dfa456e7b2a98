/** The timing half shared by `BENCH=analytics` on PostgreSQL and on ClickHouse: the windows, the query loop, the trace paging row. */
import { Dimension as D, TimeBucket as B, type AnalyticsService } from '../../src/analytics';
import type { TraceService } from '../../src/traces';
import { percentile } from './stats';

export const ms = (n: number) => n.toFixed(n < 10 ? 1 : 0);

export async function time(f: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** The time windows the benchmark queries ask about, ending at `end` (two of them deliberately unaligned). */
export function analyticsWindows(end: Date) {
  const day = 86_400_000;
  return {
    last30: { from: new Date(end.getTime() - 30 * day + 1234), to: end },
    last7: { from: new Date(end.getTime() - 7 * day), to: end },
    last24h: { from: new Date(end.getTime() - day - 777), to: end },
  };
}

export type AnalyticsQuery = [label: string, run: (a: AnalyticsService) => Promise<unknown>];

type Windows = ReturnType<typeof analyticsWindows>;

/** The queries both stores are timed on: `first` (cost and latency) and `last` (guardrails, cache); each store adds its own between and after. */
export function sharedAnalyticsQueries({ last30, last7, last24h }: Windows): { first: AnalyticsQuery[]; last: AnalyticsQuery[] } {
  return {
    first: [
      ['costBreakdown [MODEL] by DAY, 30 days (unaligned)', (a) => a.costBreakdown(last30, [D.MODEL], B.DAY)],
      ['costBreakdown [PROMPT, MODEL], everything', (a) => a.costBreakdown({}, [D.PROMPT, D.MODEL])],
      ['costBreakdown [PROMPT, LABEL] by HOUR, 7 days', (a) => a.costBreakdown(last7, [D.PROMPT, D.LABEL], B.HOUR)],
      ['costBreakdown [API_KEY] filter prompt, 30 days', (a) => a.costBreakdown({ ...last30, prompt: 'support' }, [D.API_KEY], B.DAY)],
      ['latencyStats [MODEL] by HOUR, 24 h', (a) => a.latencyStats(last24h, [D.MODEL], B.HOUR)],
      ['latencyStats [MODEL] by DAY, 7 days', (a) => a.latencyStats(last7, [D.MODEL], B.DAY)],
      ['latencyStats [MODEL] by HOUR, 30 days', (a) => a.latencyStats(last30, [D.MODEL], B.HOUR)],
    ],
    last: [
      ['guardrailStats by DAY, everything', (a) => a.guardrailStats({}, B.DAY)],
      ['cacheStats by DAY, everything', (a) => a.cacheStats({}, B.DAY)],
    ],
  };
}

export interface TimeAnalyticsOptions {
  /** Answers from the rollups. */
  rolled: AnalyticsService;
  /** Answers with a plain GROUP BY over the raw traces. */
  raw: AnalyticsService;
  /** Answers from the rollups with no sketch cache (`sketchCacheRows: 0`): what a first, cold query costs. */
  uncached: AnalyticsService;
  traces: TraceService;
  queries: AnalyticsQuery[];
  /** Timed runs per query for the rollups; the plain GROUP BY gets `rawRuns`. */
  runs: number;
  rawRuns: number;
  /** The 7-day window the trace paging row reads. */
  last7: { from: Date; to: Date };
  /** Digits of the "x faster" ratio. */
  ratioDigits: number;
}

/**
 * Times each query from the rollups and as a plain GROUP BY, interleaved in the same run (p50/p95 side
 * by side; and the Node CPU of a warm rollup call), then ten pages of `traces(first: 50)`; returns the table rows.
 */
export async function timeAnalyticsQueries(o: TimeAnalyticsOptions): Promise<Array<Record<string, string>>> {
  const { rolled, raw, uncached } = o;
  const rows: Array<Record<string, string>> = [];
  for (const [label, q] of o.queries) {
    const r: number[] = [];
    const c: number[] = [];
    const p: number[] = [];
    await q(rolled); // warm
    // Node CPU of the warm calls (user + system): what the service costs this process, whatever the load.
    let cpu = 0;
    for (let i = 0; i < Math.max(o.runs, o.rawRuns); i++) {
      if (i < o.runs) {
        const before = process.cpuUsage();
        r.push(await time(() => q(rolled)));
        const d = process.cpuUsage(before);
        cpu += (d.user + d.system) / 1000;
      }
      if (i < o.runs) c.push(await time(() => q(uncached)));
      if (i < o.rawRuns) p.push(await time(() => q(raw)));
    }
    r.sort((a, b) => a - b);
    c.sort((a, b) => a - b);
    p.sort((a, b) => a - b);
    rows.push({
      query: label,
      'rollups p50 ms': ms(percentile(r, 50)),
      'rollups p95 ms': ms(percentile(r, 95)),
      'rollups Node CPU ms': ms(cpu / o.runs),
      'no cache p50 ms': ms(percentile(c, 50)),
      'no cache p95 ms': ms(percentile(c, 95)),
      'GROUP BY p50 ms': ms(percentile(p, 50)),
      'GROUP BY p95 ms': ms(percentile(p, 95)),
      'x faster (p50)': (percentile(p, 50) / percentile(r, 50)).toFixed(o.ratioDigits),
    });
    console.log(`  ${label}: ${JSON.stringify(rows[rows.length - 1])}`);
  }
  const pages: number[] = [];
  for (let run = 0; run < o.runs; run++) {
    pages.push(
      await time(async () => {
        let after: string | null = null;
        for (let i = 0; i < 10; i++) {
          const page = await o.traces.list({ ...o.last7, modelId: 'amazon.nova-pro-v1:0' }, 50, after);
          after = page.nodes.length ? page.cursorOf(page.nodes[page.nodes.length - 1]!) : null;
        }
      }),
    );
  }
  pages.sort((a, b) => a - b);
  rows.push({
    query: 'traces(first: 50) x10 pages, model filter',
    'rollups p50 ms': ms(percentile(pages, 50)),
    'rollups p95 ms': ms(percentile(pages, 95)),
    'rollups Node CPU ms': '-',
    'no cache p50 ms': '-',
    'no cache p95 ms': '-',
    'GROUP BY p50 ms': '-',
    'GROUP BY p95 ms': '-',
    'x faster (p50)': '-',
  });
  return rows;
}
