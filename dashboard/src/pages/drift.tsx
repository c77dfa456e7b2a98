import { gql } from '../api';
import { fmt } from '../components/chart';
import { Loaded, RangePicker, useQuery, useRange, when } from '../components/ui';

interface DriftReport {
  drifted: boolean;
  baselineCount: number;
  windowCount: number;
  features: { name: string; method: string; statistic: number | null; threshold: number | null; drifted: boolean }[];
}

const DAY = 86_400_000;
/** Baselines: the span just before the window, of the window's length or of a fixed length. */
const BASELINES: Record<string, { label: string; ms: number | null }> = {
  '7d': { label: 'the 7 days before', ms: 7 * DAY },
  prev: { label: 'the period just before (same length)', ms: null },
  '30d': { label: 'the 30 days before', ms: 30 * DAY },
};

export function DriftAlerts() {
  // The window (a preset or a free range) and the baseline are kept in the URL: `?range=7d&baseline=30d`.
  const choice = useRange('24h');
  const b = choice.params.get('baseline');
  const baselineKey = b && BASELINES[b] ? b : '7d';
  const w = choice.range;
  const drift = useQuery(() => {
    const length = BASELINES[baselineKey]!.ms ?? w.to.getTime() - w.from.getTime();
    const window = { from: w.from.toISOString(), to: w.to.toISOString() };
    const baseline = { from: new Date(w.from.getTime() - length).toISOString(), to: window.from };
    return gql<{ drift: DriftReport }>(
      'query Drift($w: TimeRangeInput!, $b: TimeRangeInput!) { drift(window: $w, baseline: $b) { drifted baselineCount windowCount features { name method statistic threshold drifted } } }',
      { w: window, b: baseline },
    );
  }, [choice.key, baselineKey]);
  const alerts = useQuery(
    () =>
      gql<{
        alertRules: { id: string; name: string; metric: string; window: string; condition: unknown; enabled: boolean; firing: boolean; webhookUrl: string | null }[];
        alertEvents: { id: string; firedAt: string; message: string; value: number; baseline: number | null; rule: { name: string } }[];
        alertDeliveries: { id: string; ruleId: string; attempt: number; attemptedAt: string; ok: boolean; statusCode: number | null; durationMs: number; error: string | null; url: string }[];
      }>(
        '{ alertRules { id name metric window condition enabled firing webhookUrl } alertEvents(first: 50) { id firedAt message value baseline rule { name } } alertDeliveries(first: 50) { id ruleId attempt attemptedAt ok statusCode durationMs error url } }',
      ),
    [],
  );
  return (
    <section data-page="drift" data-from={w.from.toISOString()} data-to={w.to.toISOString()} data-baseline={baselineKey}>
      <div class="toolbar">
        <h1>Drift</h1>
        <RangePicker value={choice} />
        <label>
          against{' '}
          <select aria-label="Baseline" name="baseline" value={baselineKey} onChange={(e) => choice.set({ baseline: (e.target as HTMLSelectElement).value })}>
            {Object.entries(BASELINES).map(([k, v]) => (
              <option value={k}>{v.label}</option>
            ))}
          </select>
        </label>
      </div>
      <Loaded q={drift}>
        {(d) => (
          <div class="panel" data-drift={JSON.stringify(d.drift)}>
            <p>
              {d.drift.drifted ? <span class="badge red">drifted</span> : <span class="badge green">no drift</span>} window {fmt.int(d.drift.windowCount)} traces, baseline{' '}
              {fmt.int(d.drift.baselineCount)} traces
            </p>
            <table data-table="drift">
              <thead>
                <tr>
                  <th>Signal</th>
                  <th>Method</th>
                  <th class="num">Statistic</th>
                  <th class="num">Threshold</th>
                  <th>Drifted</th>
                </tr>
              </thead>
              <tbody>
                {d.drift.features.map((f) => (
                  <tr>
                    <td>{f.name}</td>
                    <td>{f.method}</td>
                    <td class="num">{f.statistic == null ? '–' : fmt.num(f.statistic)}</td>
                    <td class="num">{f.threshold == null ? '–' : fmt.num(f.threshold)}</td>
                    <td>{f.drifted ? <span class="badge red">yes</span> : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <Loaded q={alerts}>
        {(d) => {
          const ruleName = new Map(d.alertRules.map((r) => [r.id, r.name]));
          return (
            <>
              <h2>Alert rules</h2>
              <table data-table="alert-rules" class="panel">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Metric</th>
                    <th>Window</th>
                    <th>Condition</th>
                    <th>State</th>
                    <th>Webhook</th>
                  </tr>
                </thead>
                <tbody>
                  {d.alertRules.map((r) => (
                    <tr>
                      <td>{r.name}</td>
                      <td>{r.metric}</td>
                      <td>{r.window}</td>
                      <td>
                        <code>{JSON.stringify(r.condition)}</code>
                      </td>
                      <td>{!r.enabled ? <span class="badge">disabled</span> : r.firing ? <span class="badge red">firing</span> : <span class="badge green">ok</span>}</td>
                      <td>{r.webhookUrl ?? '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>Alert events</h2>
              <table data-table="alert-events" class="panel">
                <thead>
                  <tr>
                    <th>Fired</th>
                    <th>Rule</th>
                    <th class="num">Value</th>
                    <th class="num">Baseline</th>
                    <th>Message</th>
                  </tr>
                </thead>
                <tbody>
                  {d.alertEvents.map((e) => (
                    <tr>
                      <td>{when(e.firedAt)}</td>
                      <td>{e.rule.name}</td>
                      <td class="num">{fmt.num(e.value)}</td>
                      <td class="num">{e.baseline == null ? '–' : fmt.num(e.baseline)}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>Webhook deliveries</h2>
              <table data-table="alert-deliveries" class="panel">
                <thead>
                  <tr>
                    <th>At</th>
                    <th>Rule</th>
                    <th class="num">Attempt</th>
                    <th>Result</th>
                    <th class="num">Duration</th>
                    <th>URL</th>
                  </tr>
                </thead>
                <tbody>
                  {d.alertDeliveries.map((x) => (
                    <tr>
                      <td>{when(x.attemptedAt)}</td>
                      <td>{ruleName.get(x.ruleId) ?? x.ruleId}</td>
                      <td class="num">{x.attempt}</td>
                      <td>{x.ok ? <span class="badge green">{x.statusCode}</span> : <span class="badge red">{x.statusCode ?? x.error}</span>}</td>
                      <td class="num">{fmt.ms(x.durationMs)}</td>
                      <td>{x.url}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
