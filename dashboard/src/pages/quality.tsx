import { useState } from 'preact/hooks';
import { gql } from '../api';
import { Chart, fmt, type Mark } from '../components/chart';
import { Kpi, Loaded, useQuery, useQueryState, when } from '../components/ui';
import { BUCKETS, floorBucket, type Bucket } from '../range';

interface TrendRow {
  bucket: string;
  meanScore: number | null;
  passRate: number | null;
  runs: number;
  items: number;
  promptVersions: number[];
}
interface LabelMove {
  at: string;
  kind: string;
  fromVersion: number | null;
  toVersion: number;
}
interface Agreement {
  n: number;
  agreement: number | null;
  cohensKappa: number | null;
  pearson: number | null;
  buckets: { bucket: string; n: number; agreement: number | null; cohensKappa: number | null; pearson: number | null }[];
}
interface ReviewItem {
  id: string;
  kind: string;
  prompt: string | null;
  evalSet: string | null;
  input: string | null;
  output: string | null;
  judgeScore: number | null;
  judgeReason: string | null;
  humanScore: number | null;
  reviewedBy?: string | null;
  reviewedAt?: string | null;
}

/** One evalScoreTrend per chosen eval set (aliases t0, t1, …) and the prompt's label history, in one request. */
const trendQuery = (n: number) => `query QualityTrend(${Array.from({ length: n }, (_, i) => `$s${i}: String!`).join(', ')}, $p: String, $b: TimeBucket, $hasPrompt: Boolean!, $name: String!) {
  ${Array.from({ length: n }, (_, i) => `t${i}: evalScoreTrend(evalSet: $s${i}, prompt: $p, bucket: $b) { bucket meanScore passRate runs items promptVersions }`).join('\n  ')}
  prompt(name: $name) @include(if: $hasPrompt) { labels { name history { at kind fromVersion toVersion } } }
}`;

/** Label moves of the prompt as marks on the time axis: "production v1→v2". */
export function labelMarks(labels: { name: string; history: LabelMove[] }[]): Mark[] {
  return labels.flatMap((l) => l.history.map((h) => ({ at: Date.parse(h.at), label: `${l.name} ${h.fromVersion == null ? '' : `v${h.fromVersion}`}→v${h.toVersion}` }))).sort((a, b) => a.at - b.at);
}

/** The time axis of a trend: every bucket from the first row (or mark) to the last. */
function axis(rows: { bucket: string }[], marks: Mark[], bucket: Bucket): number[] {
  const times = [...rows.map((r) => Date.parse(r.bucket)), ...marks.map((m) => floorBucket(m.at, bucket))];
  if (!times.length) return [];
  const step = bucket === 'HOUR' ? 3_600_000 : bucket === 'DAY' ? 86_400_000 : bucket === 'WEEK' ? 7 * 86_400_000 : 0;
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  if (!step) return [...new Set(times)].sort((a, b) => a - b);
  const out: number[] = [];
  for (let t = lo; t <= hi + step; t += step) out.push(t);
  return out;
}

export function Quality() {
  const sets = useQuery(() => gql<{ evalSets: { name: string }[]; prompts: { name: string }[] }>('{ evalSets { name } prompts { name } }'), []);
  // The chosen sets, prompt and bucket live in the URL (`?set=a&set=b&prompt=p&bucket=WEEK`); no `set`
  // means the first set, `?set=` (empty) means none chosen.
  const query = useQueryState();
  const known = sets.data ? new Set(sets.data.evalSets.map((s) => s.name)) : null;
  const chosen = query.params.has('set') ? query.params.getAll('set').filter((s) => s && (!known || known.has(s))) : null;
  const prompt = query.params.get('prompt') ?? '';
  const b = query.params.get('bucket') as Bucket | null;
  const bucket: Bucket = b && BUCKETS.includes(b) ? b : 'DAY';
  // Sets named in the URL that do not exist are left out, so the trend waits for the list.
  const picked = !sets.data ? [] : (chosen ?? (sets.data.evalSets[0] ? [sets.data.evalSets[0].name] : []));
  const setChosen = (next: string[]) => query.set({ set: next.length ? next : [''] });
  // Agreement of one set when one is chosen, else of all.
  const set = picked.length === 1 ? picked[0]! : null;
  const trend = useQuery(
    () =>
      picked.length
        ? gql<Record<string, TrendRow[]> & { prompt?: { labels: { name: string; history: LabelMove[] }[] } | null }>(trendQuery(picked.length), {
            ...Object.fromEntries(picked.map((name, i) => [`s${i}`, name])),
            p: prompt || null,
            b: bucket,
            hasPrompt: Boolean(prompt),
            name: prompt || '',
          })
        : Promise.resolve(null),
    [picked.join('\n'), prompt, bucket],
  );
  const agreement = useQuery(
    () =>
      // Waits for the set list, which decides the chosen set.
      !sets.data
        ? new Promise<never>(() => undefined)
        : gql<{ judgeAgreement: Agreement }>(
            'query Agreement($s: String, $b: TimeBucket) { judgeAgreement(evalSet: $s, bucket: $b) { n agreement cohensKappa pearson buckets { bucket n agreement cohensKappa pearson } } }',
            { s: set, b: bucket },
          ),
    [set, bucket, Boolean(sets.data)],
  );

  return (
    <section data-page="quality">
      <div class="toolbar">
        <h1>Quality</h1>
        {sets.error ? (
          <p class="error" role="alert">
            {sets.error.message}
          </p>
        ) : null}
        <fieldset class="sets" data-field="evalSets">
          <legend>Eval sets</legend>
          {(sets.data?.evalSets ?? []).map((s) => (
            <label>
              <input
                type="checkbox"
                name="evalSet"
                value={s.name}
                checked={picked.includes(s.name)}
                onChange={(e) => {
                  const on = (e.target as HTMLInputElement).checked;
                  setChosen(on ? [...picked, s.name] : picked.filter((x) => x !== s.name));
                }}
              />{' '}
              {s.name}
            </label>
          ))}
        </fieldset>
        <label>
          Prompt{' '}
          <select name="prompt" value={prompt} onChange={(e) => query.set({ prompt: (e.target as HTMLSelectElement).value })}>
            <option value="">all prompts</option>
            {(sets.data?.prompts ?? []).map((p) => (
              <option value={p.name}>{p.name}</option>
            ))}
          </select>
        </label>
        <label>
          Bucket{' '}
          <select name="bucket" value={bucket} onChange={(e) => query.set({ bucket: (e.target as HTMLSelectElement).value })}>
            {BUCKETS.map((b) => (
              <option value={b}>{b.toLowerCase()}</option>
            ))}
          </select>
        </label>
      </div>
      <div class="grid">
        {picked.length ? (
          <Loaded q={trend}>
            {(d) => {
              if (!d) return null;
              const marks = labelMarks(d.prompt?.labels ?? []);
              const rows = picked.map((_, i) => d[`t${i}`] ?? []);
              const x = axis(rows.flat(), marks, bucket);
              const at = (trend: TrendRow[], f: (r: TrendRow) => number | null) =>
                x.map((t) => {
                  const row = trend.find((r) => Date.parse(r.bucket) === t);
                  return row ? f(row) : null;
                });
              // One set: "Mean score" and "Pass rate"; several: each set's, overlaid ("support-set mean score").
              const name = (set: string, what: string) => (picked.length === 1 ? what : `${set} ${what.toLowerCase()}`);
              return (
                <Chart
                  id="evalScoreTrend"
                  title={`Eval score: ${picked.join(', ')}${prompt ? ` · ${prompt} (label moves in red)` : ''}`}
                  x={x}
                  marks={marks}
                  format={fmt.num}
                  series={picked.flatMap((set, i) => [
                    { label: name(set, 'Mean score'), values: at(rows[i]!, (r) => r.meanScore) },
                    { label: name(set, 'Pass rate'), values: at(rows[i]!, (r) => r.passRate) },
                  ])}
                />
              );
            }}
          </Loaded>
        ) : (
          <p class="loading">{!sets.data ? 'Loading…' : sets.data.evalSets.length ? 'No eval set chosen.' : 'No eval set yet.'}</p>
        )}
        <Loaded q={agreement}>
          {(d) => {
            const a = d.judgeAgreement;
            const x = a.buckets.map((b) => Date.parse(b.bucket));
            return (
              <div class="panel" data-agreement={JSON.stringify({ n: a.n, agreement: a.agreement, cohensKappa: a.cohensKappa, pearson: a.pearson })}>
                <strong>Judge–human agreement</strong>
                <div class="kpis" style="margin-top:8px">
                  <Kpi id="agreementN" label="Pairs" value={a.n} previous={null} format={fmt.int} />
                  <Kpi id="agreement" label="Agreement" value={a.agreement} previous={null} format={fmt.pct} />
                  <Kpi id="kappa" label="Cohen's κ" value={a.cohensKappa} previous={null} format={fmt.num} />
                  <Kpi id="pearson" label="Pearson r" value={a.pearson} previous={null} format={fmt.num} />
                </div>
                {x.length ? (
                  <Chart
                    id="judgeAgreement"
                    title="Agreement over time"
                    x={x}
                    format={fmt.num}
                    series={[
                      { label: 'Agreement', values: a.buckets.map((b) => b.agreement) },
                      { label: 'κ', values: a.buckets.map((b) => b.cohensKappa) },
                    ]}
                  />
                ) : null}
              </div>
            );
          }}
        </Loaded>
      </div>
      <ReviewQueue />
    </section>
  );
}

/** Claims items for the caller (reviewQueue claims, so only on request) and records a person's score. */
function ReviewQueue() {
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const claim = () =>
    gql<{ reviewQueue: ReviewItem[] }>('{ reviewQueue(first: 10) { id kind prompt evalSet input output judgeScore judgeReason humanScore } }').then(
      (d) => setItems(d.reviewQueue),
      (e: Error) => setError(e.message),
    );
  return (
    <div data-panel="review">
      <div class="toolbar">
        <h2>Review queue</h2>
        <button type="button" onClick={claim} data-action="claim">
          {items ? 'Claim more' : 'Claim items to review'}
        </button>
      </div>
      {error ? <p class="error">{error}</p> : null}
      {items && !items.length ? <p class="loading">Nothing awaits review.</p> : null}
      {(items ?? []).map((it) => (
        <ReviewCard key={it.id} item={it} />
      ))}
    </div>
  );
}

function ReviewCard({ item }: { item: ReviewItem }) {
  const [score, setScore] = useState('');
  const [comment, setComment] = useState('');
  const [done, setDone] = useState<ReviewItem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    gql<{ submitReview: ReviewItem }>('mutation Review($i: ReviewInput!) { submitReview(input: $i) { id humanScore reviewedAt reviewedBy kind prompt evalSet input output judgeScore judgeReason } }', {
      i: { item: item.id, score: Number(score), comment: comment || null },
    }).then(
      (d) => {
        setDone(d.submitReview);
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  };
  return (
    <form class="panel" style="margin-bottom:8px" data-review-item={item.id} onSubmit={submit}>
      <div>
        <span class="badge">{item.kind}</span>
        {item.prompt ? <span class="badge">{item.prompt}</span> : null}
        {item.evalSet ? <span class="badge">{item.evalSet}</span> : null}
        {item.judgeScore != null ? <span class="badge">judge {fmt.num(item.judgeScore)}</span> : null}
      </div>
      <div class="two" style="margin:8px 0">
        <div>
          <strong>Input</strong>
          <pre>{item.input ?? '–'}</pre>
        </div>
        <div>
          <strong>Output</strong>
          <pre>{item.output ?? '–'}</pre>
        </div>
      </div>
      {item.judgeReason ? <p>Judge: {item.judgeReason}</p> : null}
      {done ? (
        <p class="badge green" data-reviewed={done.humanScore ?? ''}>
          Scored {done.humanScore} by {done.reviewedBy} at {when(done.reviewedAt)}
        </p>
      ) : (
        <div class="toolbar">
          <input name="score" type="number" min="0" max="1" step="0.05" required placeholder="score 0..1" value={score} onInput={(e) => setScore((e.target as HTMLInputElement).value)} />
          <input name="comment" placeholder="comment" value={comment} onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
          <button type="submit">Submit score</button>
        </div>
      )}
      {error ? <p class="error">{error}</p> : null}
    </form>
  );
}
