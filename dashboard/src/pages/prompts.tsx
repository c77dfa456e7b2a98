import { diffLines } from 'diff';
import { gql } from '../api';
import { fmt } from '../components/chart';
import { Loaded, useQuery, useQueryState, when } from '../components/ui';
import { BASE } from '../router';

interface Version {
  number: number;
  createdAt: string;
  createdBy: string | null;
  commitMessage: string | null;
  modelId: string | null;
  labels: string[];
  system: string | null;
  messages: { role: string; content: string }[];
  params: unknown;
  variables: string[];
}
interface Label {
  name: string;
  updatedAt: string;
  updatedBy: string | null;
  version: { number: number };
  history: { at: string; by: string | null; kind: string; fromVersion: number | null; toVersion: number; evalRun: { id: string; score: number | null } | null }[];
}
interface Run {
  id: string;
  evalSet: { name: string };
  promptVersion: number;
  label: string | null;
  modelId: string;
  status: string;
  score: number | null;
  passRate: number | null;
  caseCount: number;
  doneCount: number;
  costUsd: number | null;
  createdAt: string;
  finishedAt: string | null;
}

/** A version as text, for the diff: model, parameters, system and each message. */
export function versionText(v: Version): string {
  const lines = [`model: ${v.modelId ?? '(routed)'}`, `params: ${JSON.stringify(v.params ?? {})}`, '', '[system]', v.system ?? ''];
  for (const m of v.messages) lines.push('', `[${m.role.toLowerCase()}]`, m.content);
  return lines.join('\n') + '\n';
}

export function Prompts({ name }: { name: string | null }) {
  const list = useQuery(
    () =>
      gql<{ prompts: { name: string; description: string | null; labels: { name: string; version: { number: number } }[]; versions: { number: number }[] }[] }>(
        '{ prompts { name description labels { name version { number } } versions { number } } }',
      ),
    [],
  );
  return (
    <section data-page="prompts">
      <h1>Prompts</h1>
      <div style="display:grid;grid-template-columns:260px 1fr;gap:12px">
        <Loaded q={list}>
          {(d) => (
            <div class="panel">
              <table data-table="prompts">
                <tbody>
                  {d.prompts.map((p) => (
                    <tr class={p.name === name ? 'on' : ''}>
                      <td>
                        <a href={`${BASE}/prompts/${encodeURIComponent(p.name)}`}>{p.name}</a>
                        <div class="kpi-prev">
                          {p.versions.length} versions · {p.labels.map((l) => `${l.name}→v${l.version.number}`).join(', ')}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loaded>
        <div>{name ? <PromptDetail key={name} name={name} /> : <p class="loading">Choose a prompt.</p>}</div>
      </div>
    </section>
  );
}

function PromptDetail({ name }: { name: string }) {
  const q = useQuery(
    () =>
      gql<{ prompt: { name: string; description: string | null; versions: Version[]; labels: Label[] } | null; evalRuns: Run[] }>(
        `query PromptPage($n: String!) {
          prompt(name: $n) { name description versions { number createdAt createdBy commitMessage modelId labels system messages { role content } params { temperature maxTokens topP } variables }
            labels { name updatedAt updatedBy version { number } history { at by kind fromVersion toVersion evalRun { id score } } } }
          evalRuns(prompt: $n, first: 200) { id evalSet { name } promptVersion label modelId status score passRate caseCount doneCount costUsd createdAt finishedAt }
        }`,
        { n: name },
      ),
    [name],
  );
  // The two versions of the diff are kept in the URL: `?diffFrom=1&diffTo=3`.
  const query = useQueryState();
  const num = (k: string) => (query.params.get(k) ? Number(query.params.get(k)) : null);
  const a = num('diffFrom');
  const b = num('diffTo');
  return (
    <Loaded q={q}>
      {(d) => {
        const p = d.prompt;
        if (!p) return <p class="error">No prompt {name}.</p>;
        const versions = [...p.versions].sort((x, y) => y.number - x.number);
        const vb = versions.find((v) => v.number === b) ?? versions[0];
        const va = versions.find((v) => v.number === a) ?? versions[1] ?? versions[0];
        const parts = va && vb ? diffLines(versionText(va), versionText(vb)) : [];
        const runsBy = new Map<number, Run[]>();
        for (const r of d.evalRuns) runsBy.set(r.promptVersion, [...(runsBy.get(r.promptVersion) ?? []), r]);
        return (
          <>
            <h2>{p.name}</h2>
            {p.description ? <p>{p.description}</p> : null}
            <div class="panel">
              <strong>Versions</strong>
              <table data-table="versions">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Created</th>
                    <th>By</th>
                    <th>Message</th>
                    <th>Model</th>
                    <th>Labels</th>
                    <th>Eval runs (score)</th>
                  </tr>
                </thead>
                <tbody>
                  {versions.map((v) => (
                    <tr data-version={v.number}>
                      <td>v{v.number}</td>
                      <td>{when(v.createdAt)}</td>
                      <td>{v.createdBy ?? '–'}</td>
                      <td>{v.commitMessage ?? ''}</td>
                      <td>{v.modelId ?? '(routed)'}</td>
                      <td>
                        {v.labels.map((l) => (
                          <span class="badge green">{l}</span>
                        ))}
                      </td>
                      <td>
                        {(runsBy.get(v.number) ?? []).map((r) => (
                          <span class="badge" data-eval-run={r.id} title={`${r.evalSet.name} ${r.status} ${when(r.createdAt)}`}>
                            {r.evalSet.name} {r.score == null ? r.status.toLowerCase() : fmt.num(r.score)}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="panel" style="margin-top:12px">
              <div class="toolbar">
                <strong>Diff</strong>
                <select name="diffFrom" value={va?.number} onChange={(e) => query.set({ diffFrom: (e.target as HTMLSelectElement).value })}>
                  {versions.map((v) => (
                    <option value={v.number}>v{v.number}</option>
                  ))}
                </select>
                →
                <select name="diffTo" value={vb?.number} onChange={(e) => query.set({ diffTo: (e.target as HTMLSelectElement).value })}>
                  {versions.map((v) => (
                    <option value={v.number}>v{v.number}</option>
                  ))}
                </select>
              </div>
              <div class="diff" data-section="diff">
                {parts.map((part) => (
                  <span class={part.added ? 'add' : part.removed ? 'del' : ''}>
                    {part.value
                      .replace(/\n$/, '')
                      .split('\n')
                      .map((l) => `${part.added ? '+ ' : part.removed ? '- ' : '  '}${l}`)
                      .join('\n')}
                  </span>
                ))}
              </div>
            </div>
            <div class="panel" style="margin-top:12px">
              <strong>Labels and history</strong>
              <table data-table="labels">
                <thead>
                  <tr>
                    <th>Label</th>
                    <th>At</th>
                    <th>Move</th>
                    <th>By</th>
                    <th>Gate run</th>
                  </tr>
                </thead>
                <tbody>
                  {p.labels.flatMap((l) =>
                    [...l.history]
                      .sort((x, y) => Date.parse(y.at) - Date.parse(x.at))
                      .map((h) => (
                        <tr data-label-move={`${l.name}:${h.toVersion}`}>
                          <td>
                            <span class="badge green">{l.name}</span>
                          </td>
                          <td>{when(h.at)}</td>
                          <td>
                            {h.kind.toLowerCase()} {h.fromVersion == null ? '' : `v${h.fromVersion} `}→ v{h.toVersion}
                          </td>
                          <td>{h.by ?? '–'}</td>
                          <td>{h.evalRun ? `${h.evalRun.id.slice(0, 8)} (${h.evalRun.score == null ? '–' : fmt.num(h.evalRun.score)})` : '–'}</td>
                        </tr>
                      )),
                  )}
                </tbody>
              </table>
            </div>
            <div class="panel" style="margin-top:12px">
              <strong>Eval runs</strong>
              <table data-table="eval-runs">
                <thead>
                  <tr>
                    <th>Created</th>
                    <th>Set</th>
                    <th>Version</th>
                    <th>Model</th>
                    <th>Status</th>
                    <th class="num">Score</th>
                    <th class="num">Pass rate</th>
                    <th class="num">Cases</th>
                    <th class="num">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {d.evalRuns.map((r) => (
                    <tr>
                      <td>{when(r.createdAt)}</td>
                      <td>{r.evalSet.name}</td>
                      <td>v{r.promptVersion}</td>
                      <td>{r.modelId}</td>
                      <td>{r.status}</td>
                      <td class="num">{r.score == null ? '–' : fmt.num(r.score)}</td>
                      <td class="num">{r.passRate == null ? '–' : fmt.pct(r.passRate)}</td>
                      <td class="num">
                        {r.doneCount}/{r.caseCount}
                      </td>
                      <td class="num">{r.costUsd == null ? '–' : fmt.usd(r.costUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        );
      }}
    </Loaded>
  );
}
