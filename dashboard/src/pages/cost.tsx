import { gql } from '../api';
import { Chart, fmt } from '../components/chart';
import { Loaded, RangePicker, useQuery, useRange } from '../components/ui';
import { bucketStarts, filterOf, sumByBucket } from '../range';
import { onGrid } from './overview';

const STAGES = ['system', 'context', 'history', 'input', 'output', 'cacheRead', 'cacheWrite'] as const;
type Stage = (typeof STAGES)[number];
const DIMENSIONS = ['PROMPT', 'PROMPT_VERSION', 'LABEL', 'MODEL', 'ROUTE_RULE', 'USER', 'API_KEY', 'TAG'] as const;

interface StageRow {
  bucket: string;
  requests: number;
  costUsd: number;
  costByStage: Record<Stage, number>;
}
interface DimRow {
  bucket: string;
  keys: Record<string, string | number | null>;
  requests: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

const groupName = (keys: DimRow['keys']) =>
  Object.values(keys)
    .map((v) => (v == null ? '(none)' : String(v)))
    .join(' · ');

export function Cost() {
  const choice = useRange('7d');
  // The dimension is kept in the URL (`?dim=PROMPT`) with the range.
  const d = choice.params.get('dim');
  const dim: string = d && (DIMENSIONS as readonly string[]).includes(d) ? d : 'MODEL';
  const r = choice.range;
  const x = bucketStarts(r);
  const stages = useQuery(
    () =>
      gql<{ costBreakdown: StageRow[] }>(
        `query CostByStage($f: TraceFilter, $b: TimeBucket) { costBreakdown(groupBy: [MODEL], bucket: $b, filter: $f) { bucket requests costUsd costByStage { ${STAGES.join(' ')} } } }`,
        { f: filterOf(r), b: r.bucket },
      ).then((d) =>
        sumByBucket(d.costBreakdown, (into, row) => {
          into.requests += row.requests;
          into.costUsd += row.costUsd;
          for (const s of STAGES) into.costByStage[s] += row.costByStage[s];
        }),
      ),
    [choice.key],
  );
  const byDim = useQuery(
    () =>
      gql<{ costBreakdown: DimRow[] }>(
        'query CostByDimension($f: TraceFilter, $b: TimeBucket, $g: [Dimension!]!) { costBreakdown(groupBy: $g, bucket: $b, filter: $f) { bucket keys requests costUsd inputTokens outputTokens } }',
        { f: filterOf(r), b: r.bucket, g: [dim] },
      ),
    [choice.key, dim],
  );
  return (
    <section data-page="cost">
      <div class="toolbar">
        <h1>Cost</h1>
        <RangePicker value={choice} />
      </div>
      <Loaded q={stages}>
        {(d) => (
          <Chart
            id="costByStage"
            title="Cost by stage (USD, stacked)"
            x={x}
            stacked
            height={260}
            format={fmt.usd}
            series={STAGES.map((s) => ({ label: s, values: onGrid(r, d, (row) => row.costByStage[s]) }))}
          />
        )}
      </Loaded>
      <div class="toolbar" style="margin-top:16px">
        <h2>By dimension</h2>
        <select aria-label="Dimension" value={dim} onChange={(e) => choice.set({ dim: (e.target as HTMLSelectElement).value })}>
          {DIMENSIONS.map((d) => (
            <option value={d}>{d.toLowerCase().replace('_', ' ')}</option>
          ))}
        </select>
      </div>
      <Loaded q={byDim}>
        {(d) => {
          const groups = new Map<string, { requests: number; costUsd: number; inputTokens: number; outputTokens: number; rows: DimRow[] }>();
          for (const row of d.costBreakdown) {
            const k = groupName(row.keys);
            const g = groups.get(k) ?? { requests: 0, costUsd: 0, inputTokens: 0, outputTokens: 0, rows: [] };
            g.requests += row.requests;
            g.costUsd += row.costUsd;
            g.inputTokens += row.inputTokens;
            g.outputTokens += row.outputTokens;
            g.rows.push(row);
            groups.set(k, g);
          }
          const sorted = [...groups.entries()].sort((a, b) => b[1].costUsd - a[1].costUsd);
          const max = sorted[0]?.[1].costUsd || 1;
          return (
            <div class="two">
              <Chart
                id="costByDimension"
                title={`Cost by ${dim.toLowerCase().replace('_', ' ')} (top 8)`}
                x={x}
                format={fmt.usd}
                series={sorted.slice(0, 8).map(([k, g]) => ({ label: k, values: onGrid(r, g.rows, (row) => row.costUsd) }))}
              />
              <div class="panel">
                <table data-table="cost-by-dimension">
                  <thead>
                    <tr>
                      <th>{dim.toLowerCase().replace('_', ' ')}</th>
                      <th class="num">Requests</th>
                      <th class="num">Input tok</th>
                      <th class="num">Output tok</th>
                      <th class="num">Cost</th>
                      <th class="num">Cost / req</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sorted.map(([k, g]) => (
                      <tr data-group={k} data-cost={g.costUsd} data-requests={g.requests}>
                        <td>
                          {k}
                          <div style={`height:3px;background:#2563eb;width:${(100 * g.costUsd) / max}%`} />
                        </td>
                        <td class="num">{fmt.int(g.requests)}</td>
                        <td class="num">{fmt.int(g.inputTokens)}</td>
                        <td class="num">{fmt.int(g.outputTokens)}</td>
                        <td class="num">{fmt.usd(g.costUsd)}</td>
                        <td class="num">{g.requests ? fmt.usd(g.costUsd / g.requests) : '–'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}
