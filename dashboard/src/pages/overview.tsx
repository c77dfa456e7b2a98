import { useEffect } from 'preact/hooks';
import { gql } from '../api';
import { Chart, fmt, type Series } from '../components/chart';
import { Kpi, Loaded, RangePicker, useQuery, useRange, when } from '../components/ui';
import { bucketStarts, filterOf, floorBucket, previous, sumByBucket, type Range } from '../range';

interface Bucketed {
  bucket: string | null;
}

/** Values of `rows` on the range's bucket grid (null where a bucket has no row); `shift` maps a previous period's bucket onto the current one. */
export function onGrid<R extends Bucketed>(r: Range, rows: R[], value: (row: R) => number | null, shift = 0): (number | null)[] {
  const byBucket = new Map<number, number | null>();
  for (const row of rows) if (row.bucket) byBucket.set(floorBucket(Date.parse(row.bucket), r.bucket) + shift, value(row));
  return bucketStarts(r).map((t) => (byBucket.has(t) ? byBucket.get(t)! : null));
}

/** Two series: this period and the one before it, on the same axis. */
function withPrevious<R extends Bucketed>(r: Range, label: string, cur: R[], prev: R[], value: (row: R) => number | null): Series[] {
  const shift = r.to.getTime() - r.from.getTime();
  return [
    { label, values: onGrid(r, cur, value) },
    { label: `${label} (previous)`, values: onGrid(r, prev, value, shift), previous: true },
  ];
}

const sum = <T,>(rows: T[], f: (r: T) => number) => rows.reduce((a, r) => a + f(r), 0);

interface CostRow {
  bucket: string;
  requests: number;
  /** Absent on the FAILED rows (only their count is asked). */
  costUsd?: number;
}
interface LatencyRow {
  bucket: string | null;
  requests: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
}
interface CacheRow {
  bucket: string | null;
  requests: number;
  hits: number;
  hitRate: number;
  savedUsd: number;
}
interface GuardRow {
  bucket: string | null;
  requests: number;
  triggered: number;
}

/**
 * One field over both periods when the boundary between them is a bucket start (the usual case:
 * half the queries), else one field per period; `@include`/`@skip` pick which.
 */
const periods = (field: string, args: string, selection: string) =>
  `both: ${field}(${args}, filter: $both) @include(if: $aligned) { ${selection} }
  cur: ${field}(${args}, filter: $cur) @skip(if: $aligned) { ${selection} }
  prev: ${field}(${args}, filter: $prev) @skip(if: $aligned) { ${selection} }`;
const VARS = '$cur: TraceFilter, $prev: TraceFilter, $both: TraceFilter, $aligned: Boolean!, $bucket: TimeBucket';

const COST_Q = `query OverviewCost(${VARS}, $curFailed: TraceFilter, $prevFailed: TraceFilter, $bothFailed: TraceFilter) {
  ${periods('costBreakdown', 'groupBy: [MODEL], bucket: $bucket', 'bucket requests costUsd')}
  bothFailed: costBreakdown(groupBy: [MODEL], bucket: $bucket, filter: $bothFailed) @include(if: $aligned) { bucket requests }
  curFailed: costBreakdown(groupBy: [MODEL], bucket: $bucket, filter: $curFailed) @skip(if: $aligned) { bucket requests }
  prevFailed: costBreakdown(groupBy: [MODEL], bucket: $bucket, filter: $prevFailed) @skip(if: $aligned) { bucket requests }
}`;
const LAT_FIELDS = 'bucket requests p50Ms p95Ms p99Ms ttftP50Ms ttftP95Ms';
const LATENCY_Q = `query OverviewLatency(${VARS}) { ${periods('latencyStats', 'bucket: $bucket', LAT_FIELDS)} }`;
/** Percentiles of a whole period cannot be made from its buckets': their own request, so the charts need not wait. */
const LATENCY_TOTAL_Q = `query OverviewLatencyTotals($cur: TraceFilter, $prev: TraceFilter) {
  cur: latencyStats(filter: $cur) { ${LAT_FIELDS} }
  prev: latencyStats(filter: $prev) { ${LAT_FIELDS} }
}`;
const CACHE_Q = `query OverviewCache(${VARS}) { ${periods('cacheStats', 'bucket: $bucket', 'bucket requests hits hitRate savedUsd')} }`;
const GUARD_Q = `query OverviewGuardrails(${VARS}) { ${periods('guardrailStats', 'bucket: $bucket', 'bucket requests triggered')} }`;

/** The rows of each period: split at the boundary when both came in one field. */
function byPeriod<R extends Bucketed>(r: Range, d: { both?: R[] | null; cur?: R[] | null; prev?: R[] | null }): { cur: R[]; prev: R[] } {
  if (!d.both) return { cur: d.cur ?? [], prev: d.prev ?? [] };
  const from = r.from.getTime();
  return { cur: d.both.filter((x) => Date.parse(x.bucket!) >= from), prev: d.both.filter((x) => Date.parse(x.bucket!) < from) };
}

/** Guardrail rows summed per bucket: triggers per request (a request tripping two policies counts twice). */
function guardPerBucket(rows: GuardRow[]): { bucket: string; requests: number; triggered: number }[] {
  const m = new Map<string, { bucket: string; requests: number; triggered: number }>();
  for (const r of rows) {
    const k = r.bucket ?? '';
    const e = m.get(k) ?? { bucket: k, requests: r.requests, triggered: 0 };
    e.triggered += r.triggered;
    m.set(k, e);
  }
  return [...m.values()];
}

export function Overview() {
  const choice = useRange('24h');
  const r = choice.range;
  const bucket = choice.params.get('bucket') ?? '';
  const p = previous(r);
  const aligned = floorBucket(r.from.getTime(), r.bucket) === r.from.getTime();
  const both = { from: p.from, to: r.to, bucket: r.bucket };
  const vars = { cur: filterOf(r), prev: filterOf(p), both: filterOf(both), aligned, bucket: r.bucket };
  const deps = [choice.key];
  const cost = useQuery(async () => {
    const failed = { status: 'FAILED' };
    const d = await gql<{ [k in 'both' | 'cur' | 'prev' | 'bothFailed' | 'curFailed' | 'prevFailed']?: CostRow[] }>(COST_Q, {
      ...vars,
      curFailed: filterOf(r, failed),
      prevFailed: filterOf(p, failed),
      bothFailed: filterOf(both, failed),
    });
    const add = (into: CostRow, row: CostRow) => {
      into.requests += row.requests;
      if (into.costUsd !== undefined) into.costUsd += row.costUsd ?? 0;
    };
    const all = byPeriod(r, d);
    const failedRows = byPeriod(r, { both: d.bothFailed, cur: d.curFailed, prev: d.prevFailed });
    return { cur: sumByBucket(all.cur, add), prev: sumByBucket(all.prev, add), curFailed: sumByBucket(failedRows.cur, add), prevFailed: sumByBucket(failedRows.prev, add) };
  }, deps);
  // Latency merges sketch bins in one PostgreSQL query: two periods in parallel beat one twice as long.
  const latency = useQuery(async () => byPeriod(r, await gql<{ both?: LatencyRow[]; cur?: LatencyRow[]; prev?: LatencyRow[] }>(LATENCY_Q, { ...vars, aligned: false })), deps);
  const latencyTotals = useQuery(() => gql<{ cur: LatencyRow[]; prev: LatencyRow[] }>(LATENCY_TOTAL_Q, vars), deps);
  const cache = useQuery(async () => byPeriod(r, await gql<{ both?: CacheRow[]; cur?: CacheRow[]; prev?: CacheRow[] }>(CACHE_Q, vars)), deps);
  const guard = useQuery(async () => byPeriod(r, await gql<{ both?: GuardRow[]; cur?: GuardRow[]; prev?: GuardRow[] }>(GUARD_Q, vars)), deps);
  const evals = useQuery(
    () =>
      gql<{ evalSets: { name: string }[]; alertEvents: { id: string; firedAt: string; message: string; value: number; rule: { name: string; metric: string } }[] }>(
        '{ evalSets { name } alertEvents(first: 100) { id firedAt message value rule { name metric } } }',
      ),
    [],
  );
  const alerts = evals;
  // The chosen eval set is kept in the URL (`?evalSet=`) with the range; the first set otherwise.
  const evalSet = choice.params.get('evalSet');
  const set = evals.data ? (evalSet && evals.data.evalSets.some((s) => s.name === evalSet) ? evalSet : (evals.data.evalSets[0]?.name ?? null)) : null;
  const trend = useQuery(
    () =>
      set
        ? gql<{ evalScoreTrend: { bucket: string; meanScore: number | null; runs: number }[] }>(
            'query($s: String!, $b: TimeBucket) { evalScoreTrend(evalSet: $s, bucket: $b) { bucket meanScore runs } }',
            { s: set, b: r.bucket },
          )
        : Promise.resolve({ evalScoreTrend: [] }),
    [set, choice.key],
  );
  const x = bucketStarts(r);
  // Every panel answered (or failed): the browser tests and the render benchmark wait for this.
  const ready = [cost, latency, latencyTotals, cache, guard, evals, trend].every((q) => !q.loading);
  // The first time every panel is drawn after a page load (the render benchmark reads it): the frame
  // after the effects that drew the charts.
  useEffect(() => {
    if (ready && !performance.getEntriesByName('overview-ready').length) requestAnimationFrame(() => performance.mark('overview-ready'));
  }, [ready]);

  return (
    <section data-page="overview" data-from={r.from.toISOString()} data-to={r.to.toISOString()} data-bucket={r.bucket} data-ready={String(ready)}>
      <div class="toolbar">
        <h1>Overview</h1>
        <RangePicker value={choice} />
        <select aria-label="Bucket" name="bucket" value={bucket} onChange={(e) => choice.set({ bucket: (e.target as HTMLSelectElement).value })}>
          <option value="">default bucket</option>
          {(['HOUR', 'DAY', 'WEEK'] as const).map((b) => (
            <option value={b}>by {b.toLowerCase()}</option>
          ))}
        </select>
        <span class="loading">
          {when(r.from.toISOString())} → {when(r.to.toISOString())} UTC, by {r.bucket.toLowerCase()}
        </span>
      </div>
      <div class="kpis">
        <Loaded q={cost}>
          {(d) => {
            const [n, pn] = [sum(d.cur, (x) => x.requests), sum(d.prev, (x) => x.requests)];
            const [c, pc] = [sum(d.cur, (x) => x.costUsd ?? 0), sum(d.prev, (x) => x.costUsd ?? 0)];
            const [f, pf] = [sum(d.curFailed, (x) => x.requests), sum(d.prevFailed, (x) => x.requests)];
            return (
              <>
                <Kpi id="requests" label="Requests" value={n} previous={pn} format={fmt.int} />
                <Kpi id="cost" label="Cost" value={c} previous={pc} format={fmt.usd} lowerIsBetter />
                <Kpi id="costPerRequest" label="Cost / request" value={n ? c / n : null} previous={pn ? pc / pn : null} format={fmt.usd} lowerIsBetter />
                <Kpi id="errorRate" label="Error rate" value={n ? f / n : null} previous={pn ? pf / pn : null} format={fmt.pct} lowerIsBetter />
              </>
            );
          }}
        </Loaded>
        <Loaded q={latencyTotals}>
          {(d) => (
            <>
              <Kpi id="p50" label="Latency p50" value={d.cur[0]?.p50Ms ?? null} previous={d.prev[0]?.p50Ms ?? null} format={fmt.ms} lowerIsBetter />
              <Kpi id="p95" label="Latency p95" value={d.cur[0]?.p95Ms ?? null} previous={d.prev[0]?.p95Ms ?? null} format={fmt.ms} lowerIsBetter />
              <Kpi id="p99" label="Latency p99" value={d.cur[0]?.p99Ms ?? null} previous={d.prev[0]?.p99Ms ?? null} format={fmt.ms} lowerIsBetter />
              <Kpi id="ttftP50" label="TTFT p50" value={d.cur[0]?.ttftP50Ms ?? null} previous={d.prev[0]?.ttftP50Ms ?? null} format={fmt.ms} lowerIsBetter />
            </>
          )}
        </Loaded>
        <Loaded q={cache}>
          {(d) => {
            const [h, ph] = [sum(d.cur, (x) => x.hits), sum(d.prev, (x) => x.hits)];
            const [n, pn] = [sum(d.cur, (x) => x.requests), sum(d.prev, (x) => x.requests)];
            return (
              <>
                <Kpi id="cacheHitRate" label="Cache hit rate" value={n ? h / n : null} previous={pn ? ph / pn : null} format={fmt.pct} />
                <Kpi id="cacheSaved" label="Cache savings" value={sum(d.cur, (x) => x.savedUsd)} previous={sum(d.prev, (x) => x.savedUsd)} format={fmt.usd} />
              </>
            );
          }}
        </Loaded>
        <Loaded q={guard}>
          {(d) => {
            const cur = guardPerBucket(d.cur);
            const prev = guardPerBucket(d.prev);
            const n = sum(cur, (x) => x.requests);
            const pn = sum(prev, (x) => x.requests);
            return (
              <Kpi
                id="guardrailRate"
                label="Guardrail triggers / req"
                value={n ? sum(cur, (x) => x.triggered) / n : null}
                previous={pn ? sum(prev, (x) => x.triggered) / pn : null}
                format={fmt.pct}
                lowerIsBetter
              />
            );
          }}
        </Loaded>
      </div>
      <div class="grid">
        <Loaded q={cost}>
          {(d) => (
            <>
              <Chart id="requests" title="Requests" x={x} series={withPrevious(r, 'Requests', d.cur, d.prev, (row) => row.requests)} format={fmt.int} />
              <Chart id="cost" title="Cost (USD)" x={x} series={withPrevious(r, 'Cost', d.cur, d.prev, (row) => row.costUsd ?? 0)} format={fmt.usd} />
              <Chart
                id="costPerRequest"
                title="Cost per request (USD)"
                x={x}
                series={withPrevious(r, 'Cost / request', d.cur, d.prev, (row) => (row.requests ? (row.costUsd ?? 0) / row.requests : null))}
                format={fmt.usd}
              />
              <Chart
                id="errorRate"
                title="Error rate"
                x={x}
                format={fmt.pct}
                series={(() => {
                  const shift = r.to.getTime() - r.from.getTime();
                  const rate = (all: (number | null)[], failed: (number | null)[]) => all.map((n, i) => (n ? (failed[i] ?? 0) / n : null));
                  return [
                    {
                      label: 'Error rate',
                      values: rate(
                        onGrid(r, d.cur, (x) => x.requests),
                        onGrid(r, d.curFailed, (x) => x.requests),
                      ),
                    },
                    {
                      label: 'Error rate (previous)',
                      values: rate(
                        onGrid(r, d.prev, (x) => x.requests, shift),
                        onGrid(r, d.prevFailed, (x) => x.requests, shift),
                      ),
                      previous: true,
                    },
                  ];
                })()}
              />
            </>
          )}
        </Loaded>
        <Loaded q={latency}>
          {(d) => {
            const shift = r.to.getTime() - r.from.getTime();
            return (
              <>
                <Chart
                  id="latency"
                  title="Latency percentiles"
                  x={x}
                  format={fmt.ms}
                  series={[
                    { label: 'p50', values: onGrid(r, d.cur, (x) => x.p50Ms) },
                    { label: 'p95', values: onGrid(r, d.cur, (x) => x.p95Ms) },
                    { label: 'p99', values: onGrid(r, d.cur, (x) => x.p99Ms) },
                    { label: 'p95 (previous)', values: onGrid(r, d.prev, (x) => x.p95Ms, shift), previous: true },
                  ]}
                />
                <Chart
                  id="ttft"
                  title="Time to first token"
                  x={x}
                  format={fmt.ms}
                  series={[
                    { label: 'TTFT p50', values: onGrid(r, d.cur, (x) => x.ttftP50Ms) },
                    { label: 'TTFT p95', values: onGrid(r, d.cur, (x) => x.ttftP95Ms) },
                    { label: 'TTFT p95 (previous)', values: onGrid(r, d.prev, (x) => x.ttftP95Ms, shift), previous: true },
                  ]}
                />
              </>
            );
          }}
        </Loaded>
        <Loaded q={cache}>
          {(d) => (
            <>
              <Chart id="cacheHitRate" title="Cache hit rate" x={x} series={withPrevious(r, 'Hit rate', d.cur, d.prev, (row) => row.hitRate)} format={fmt.pct} />
              <Chart id="cacheSaved" title="Cache savings (USD)" x={x} series={withPrevious(r, 'Saved', d.cur, d.prev, (row) => row.savedUsd)} format={fmt.usd} />
            </>
          )}
        </Loaded>
        <Loaded q={guard}>
          {(d) => (
            <Chart
              id="guardrailRate"
              title="Guardrail triggers per request"
              x={x}
              series={withPrevious(r, 'Triggers / request', guardPerBucket(d.cur), guardPerBucket(d.prev), (row) => (row.requests ? row.triggered / row.requests : null))}
              format={fmt.pct}
            />
          )}
        </Loaded>
        <div class="panel">
          <div class="toolbar">
            <strong>Eval score</strong>
            <select aria-label="Eval set" value={set ?? ''} onChange={(e) => choice.set({ evalSet: (e.target as HTMLSelectElement).value })}>
              {(evals.data?.evalSets ?? []).map((s) => (
                <option value={s.name}>{s.name}</option>
              ))}
            </select>
          </div>
          {set ? (
            <Loaded q={trend}>
              {(d) => <Chart id="evalScore" title={`Eval score: ${set}`} x={x} series={withPrevious(r, 'Mean score', d.evalScoreTrend, d.evalScoreTrend, (row) => row.meanScore)} format={fmt.num} />}
            </Loaded>
          ) : (
            <p class="loading">No eval set yet.</p>
          )}
        </div>
      </div>
      <h2>Alerts fired</h2>
      <Loaded q={alerts}>
        {(d) => {
          const fired = d.alertEvents.filter((e) => Date.parse(e.firedAt) >= r.from.getTime() && Date.parse(e.firedAt) < r.to.getTime());
          return fired.length ? (
            <table data-table="alerts-fired">
              <thead>
                <tr>
                  <th>Fired</th>
                  <th>Rule</th>
                  <th>Metric</th>
                  <th class="num">Value</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {fired.map((e) => (
                  <tr>
                    <td>{when(e.firedAt)}</td>
                    <td>{e.rule.name}</td>
                    <td>{e.rule.metric}</td>
                    <td class="num">{fmt.num(e.value)}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="loading">No alert fired in this range.</p>
          );
        }}
      </Loaded>
    </section>
  );
}
