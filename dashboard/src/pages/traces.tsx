import { useState } from 'preact/hooks';
import { gql } from '../api';
import { fmt } from '../components/chart';
import { Loaded, useQuery, when } from '../components/ui';
import { BASE, navigate } from '../router';

interface TraceRow {
  id: string;
  createdAt: string;
  prompt: string | null;
  promptVersion: number | null;
  label: string | null;
  modelId: string | null;
  status: string;
  errorCode: string | null;
  cached: boolean;
  latencyMs: number | null;
  costUsd: number;
  user: string | null;
  tags: string[];
  source: string;
}

const ROW = 'id createdAt prompt promptVersion label modelId status errorCode cached latencyMs costUsd user tags source';
/** The filter fields the list offers, as URL parameters (so a filtered list is a link). */
const TEXT_FILTERS = ['prompt', 'label', 'modelId', 'user', 'apiKey'] as const;

function filterFrom(params: URLSearchParams): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  for (const k of TEXT_FILTERS) if (params.get(k)) f[k] = params.get(k);
  if (params.get('status')) f.status = params.get('status');
  if (params.get('source')) f.source = params.get('source');
  if (params.get('tag')) f.tags = [params.get('tag')];
  if (params.get('cached')) f.cached = params.get('cached') === 'true';
  return f;
}

export function TraceList({ params }: { params: URLSearchParams }) {
  const key = params.toString();
  const [pages, setPages] = useState<{ key: string; rows: TraceRow[]; end: string | null; more: boolean } | null>(null);
  const q = useQuery(async () => {
    const d = await gql<{ traces: { edges: { node: TraceRow }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } }>(
      `query Traces($f: TraceFilter) { traces(first: 50, filter: $f) { edges { node { ${ROW} } } pageInfo { endCursor hasNextPage } } }`,
      { f: filterFrom(params) },
    );
    const page = { key, rows: d.traces.edges.map((e) => e.node), end: d.traces.pageInfo.endCursor, more: d.traces.pageInfo.hasNextPage };
    setPages(page);
    return page;
  }, [key]);
  const more = async () => {
    if (!pages?.end) return;
    const d = await gql<{ traces: { edges: { node: TraceRow }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } }>(
      `query Traces($f: TraceFilter, $a: String) { traces(first: 50, filter: $f, after: $a) { edges { node { ${ROW} } } pageInfo { endCursor hasNextPage } } }`,
      { f: filterFrom(params), a: pages.end },
    );
    setPages({ key, rows: [...pages.rows, ...d.traces.edges.map((e) => e.node)], end: d.traces.pageInfo.endCursor, more: d.traces.pageInfo.hasNextPage });
  };
  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const [k, v] of form.entries()) if (typeof v === 'string' && v.trim()) next.set(k, v.trim());
    navigate(`/traces${next.toString() ? `?${next}` : ''}`);
  };
  return (
    <section data-page="traces">
      <h1>Traces</h1>
      <form class="toolbar" onSubmit={apply} key={key}>
        {TEXT_FILTERS.map((k) => (
          <input name={k} placeholder={k} value={params.get(k) ?? ''} size={12} />
        ))}
        <input name="tag" placeholder="tag" value={params.get('tag') ?? ''} size={10} />
        <select name="status" value={params.get('status') ?? ''}>
          <option value="">any status</option>
          <option>COMPLETED</option>
          <option>FAILED</option>
          <option>BLOCKED</option>
        </select>
        <select name="source" value={params.get('source') ?? ''}>
          <option value="">any source</option>
          <option>PRODUCTION</option>
          <option>EVAL</option>
        </select>
        <select name="cached" value={params.get('cached') ?? ''}>
          <option value="">cached or not</option>
          <option value="true">cache hits</option>
          <option value="false">model calls</option>
        </select>
        <button type="submit">Filter</button>
      </form>
      <Loaded q={q}>
        {() => {
          const rows = pages?.key === key ? pages.rows : [];
          return (
            <div class="panel">
              <table data-table="traces">
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Prompt</th>
                    <th>Label</th>
                    <th>Model</th>
                    <th>Status</th>
                    <th class="num">Latency</th>
                    <th class="num">Cost</th>
                    <th>User</th>
                    <th>Tags</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((t) => (
                    <tr data-trace={t.id}>
                      <td>
                        <a href={`${BASE}/traces/${t.id}`}>{when(t.createdAt)}</a>
                      </td>
                      <td>{t.prompt ? `${t.prompt}${t.promptVersion != null ? ` v${t.promptVersion}` : ''}` : '–'}</td>
                      <td>{t.label ?? '–'}</td>
                      <td>{t.modelId ?? '–'}</td>
                      <td>
                        <span class={`badge ${t.status === 'COMPLETED' ? 'green' : 'red'}`}>{t.status}</span>
                        {t.cached ? <span class="badge">cached</span> : null}
                        {t.source === 'EVAL' ? <span class="badge">eval</span> : null}
                      </td>
                      <td class="num">{t.latencyMs == null ? '–' : fmt.ms(t.latencyMs)}</td>
                      <td class="num">{fmt.usd(t.costUsd)}</td>
                      <td>{t.user ?? '–'}</td>
                      <td>{t.tags.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {!rows.length ? <p class="loading">No trace matches.</p> : null}
              {pages?.more ? (
                <button type="button" onClick={more}>
                  Load more
                </button>
              ) : null}
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}

interface TraceDetail extends TraceRow {
  otelTraceId: string | null;
  assembledPrompt: unknown;
  request: unknown;
  output: string | null;
  routeRule: string | null;
  routedBy: string | null;
  stopReason: string | null;
  ttftMs: number | null;
  savedUsd: number;
  apiKey: string | null;
  sessionId: string | null;
  guardrailEvents: unknown;
  costByStage: Record<string, number> | null;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number } | null;
  spans: { name: string; startedAt: string; durationMs: number; attributes: unknown }[];
  scores: { name: string; score: number; source: string; passed: boolean | null; evaluator: string | null; reason: string | null; at: string }[];
}

const STAGES = ['system', 'context', 'history', 'input', 'output', 'cacheRead', 'cacheWrite'];

/** Guardrail events as rows, whatever their nesting: one row per finding (or per event without findings). */
function findings(events: unknown): Record<string, unknown>[] {
  const list = Array.isArray(events) ? events : events && typeof events === 'object' ? Object.values(events) : [];
  return list.flatMap((e) => {
    const ev = (e ?? {}) as Record<string, unknown>;
    const fs = Array.isArray(ev.findings) ? (ev.findings as Record<string, unknown>[]) : [];
    const base = { policy: ev.policy, direction: ev.direction, action: ev.action };
    return fs.length ? fs.map((f) => ({ ...base, ...f })) : [base];
  });
}

export function TracePage({ id }: { id: string }) {
  const q = useQuery(
    () =>
      gql<{ trace: TraceDetail | null }>(
        `query Trace($id: ID!) { trace(id: $id) { ${ROW} otelTraceId assembledPrompt request output routeRule routedBy stopReason ttftMs savedUsd apiKey sessionId guardrailEvents costByStage { ${STAGES.join(' ')} } usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens } spans { name startedAt durationMs attributes } scores { name score passed evaluator reason at source } } }`,
        { id },
      ),
    [id],
  );
  return (
    <section data-page="trace">
      <Loaded q={q}>
        {(d) => {
          const t = d.trace;
          if (!t) return <p class="error">No trace {id}.</p>;
          const t0 = Math.min(...t.spans.map((s) => Date.parse(s.startedAt)), Date.parse(t.createdAt));
          const t1 = Math.max(...t.spans.map((s) => Date.parse(s.startedAt) + s.durationMs), t0 + 1);
          const maxStage = Math.max(...STAGES.map((s) => t.costByStage?.[s] ?? 0), 1e-12);
          const rows = findings(t.guardrailEvents);
          return (
            <>
              <div class="toolbar">
                <h1>
                  Trace <code>{t.id}</code>
                </h1>
                <span class={`badge ${t.status === 'COMPLETED' ? 'green' : 'red'}`}>{t.status}</span>
                {t.errorCode ? <span class="badge red">{t.errorCode}</span> : null}
              </div>
              <div class="kpis">
                <div class="kpi">
                  <div class="kpi-label">Prompt</div>
                  <div>
                    {t.prompt ? <a href={`${BASE}/prompts/${encodeURIComponent(t.prompt)}`}>{t.prompt}</a> : '–'} {t.promptVersion != null ? `v${t.promptVersion}` : ''} {t.label ? `(${t.label})` : ''}
                  </div>
                </div>
                <div class="kpi">
                  <div class="kpi-label">Model</div>
                  <div>{t.modelId ?? '–'}</div>
                  <div class="kpi-prev">{t.routeRule ? `rule ${t.routeRule}` : (t.routedBy ?? '')}</div>
                </div>
                <div class="kpi" data-kpi="latency" data-value={t.latencyMs ?? ''}>
                  <div class="kpi-label">Latency / TTFT</div>
                  <div>
                    {t.latencyMs == null ? '–' : fmt.ms(t.latencyMs)} / {t.ttftMs == null ? '–' : fmt.ms(t.ttftMs)}
                  </div>
                </div>
                <div class="kpi" data-kpi="cost" data-value={t.costUsd}>
                  <div class="kpi-label">Cost (saved)</div>
                  <div>
                    {fmt.usd(t.costUsd)} ({fmt.usd(t.savedUsd)})
                  </div>
                </div>
                <div class="kpi">
                  <div class="kpi-label">Tokens in / out</div>
                  <div>{t.usage ? `${fmt.int(t.usage.inputTokens)} / ${fmt.int(t.usage.outputTokens)}` : '–'}</div>
                </div>
                <div class="kpi">
                  <div class="kpi-label">When / who</div>
                  <div>{when(t.createdAt)}</div>
                  <div class="kpi-prev">
                    {t.user ?? '–'} · key {t.apiKey ?? '–'}
                  </div>
                </div>
              </div>
              <div class="two">
                <div class="panel">
                  <h2>Assembled prompt</h2>
                  <pre data-section="assembled-prompt">{JSON.stringify(t.assembledPrompt, null, 2)}</pre>
                </div>
                <div class="panel">
                  <h2>Output</h2>
                  <pre data-section="output">{t.output ?? '–'}</pre>
                  {t.stopReason ? <p>stop: {t.stopReason}</p> : null}
                </div>
              </div>
              <div class="two" style="margin-top:12px">
                <div class="panel">
                  <h2>Spans</h2>
                  <table class="timeline" data-table="spans">
                    <tbody>
                      {t.spans.map((s) => {
                        const start = Date.parse(s.startedAt) - t0;
                        return (
                          <tr data-span={s.name}>
                            <td>{s.name}</td>
                            <td style="width:60%">
                              <div class="bar" style={`margin-left:${(100 * start) / (t1 - t0)}%;width:${(100 * s.durationMs) / (t1 - t0)}%`} title={JSON.stringify(s.attributes)} />
                            </td>
                            <td class="num">{fmt.ms(s.durationMs)}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                <div class="panel">
                  <h2>Cost by stage</h2>
                  <table data-table="cost-by-stage">
                    <tbody>
                      {STAGES.map((s) => (
                        <tr data-stage={s} data-cost={t.costByStage?.[s] ?? 0}>
                          <td>{s}</td>
                          <td style="width:50%">
                            <div style={`height:10px;background:#16a34a;width:${(100 * (t.costByStage?.[s] ?? 0)) / maxStage}%`} />
                          </td>
                          <td class="num">{fmt.usd(t.costByStage?.[s] ?? 0)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
              <div class="panel" style="margin-top:12px">
                <h2>Guardrail findings</h2>
                {rows.length ? (
                  <table data-table="guardrail-findings">
                    <thead>
                      <tr>
                        <th>Policy</th>
                        <th>Direction</th>
                        <th>Action</th>
                        <th>Kind</th>
                        <th>Name</th>
                        <th>Match</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((f) => (
                        <tr>
                          <td>{String(f.policy ?? '–')}</td>
                          <td>{String(f.direction ?? '–')}</td>
                          <td>{String(f.action ?? '–')}</td>
                          <td>{String(f.kind ?? '–')}</td>
                          <td>{String(f.name ?? '–')}</td>
                          <td>{String(f.match ?? '–')}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p class="loading">No guardrail finding.</p>
                )}
              </div>
              {t.scores.length ? (
                <div class="panel" style="margin-top:12px">
                  <h2>Scores</h2>
                  <table data-table="scores">
                    <tbody>
                      {t.scores.map((s) => (
                        <tr>
                          <td>{s.name}</td>
                          <td class="num">{fmt.num(s.score)}</td>
                          <td>{s.passed == null ? '' : s.passed ? 'pass' : 'fail'}</td>
                          <td>{s.evaluator ?? ''}</td>
                          <td>{s.reason ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
