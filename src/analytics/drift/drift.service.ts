import type { DataSource } from 'typeorm';
import { BadUserInputError } from '../../graphql/errors';
import { countTokens } from '../../providers/index';
import { SqlParams, traceFilterConditions, type TraceFilterData } from '../../traces';
import { centroidShift, jensenShannon, ksTest, outlierShare, psi, psiNumeric, twoProportionZ, welchT, insufficient, MIN_SAMPLES, OUTLIER_SHARE_THRESHOLD, type DriftResult } from './drift-statistics';
import type { DriftFeature, DriftReport } from './drift.types';
import { inputLanguage } from './input-language';

/** Traces sampled per range: a random sample bounds the memory and time of one report. */
export const DRIFT_SAMPLE = 5000;
/** Inputs embedded per range for the topic signals (each embedded once, then cached). */
export const TOPIC_SAMPLE = 200;

/** The embedding model the topic signals use (the provider's; the emulator's is deterministic). */
export interface InputEmbedder {
  /** Names the model and dimensions; cached vectors of another model are not reused. */
  model: string;
  embed(text: string): Promise<number[]>;
}

/** Options of the drift service. */
export interface DriftServiceOptions {
  /** Embeds user inputs for the topic signals; without it those signals say so and are not judged. */
  embedder?: InputEmbedder;
  /** Inputs embedded per range (default TOPIC_SAMPLE). */
  topicSample?: number;
  /** Parallel embedding calls (default 4). */
  embedConcurrency?: number;
  /** The fewest values per side a signal needs before it is judged (default MIN_SAMPLES = 20). */
  minSamples?: number;
}

/** A time range [from, to). */
export interface DriftRange {
  from: Date;
  to: Date;
}

interface Row {
  id: string;
  latency_ms: number | null;
  ttft_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_micros: string | number;
  status: string;
  model_id: string | null;
  route_rule: string | null;
  stage_input_tokens: number | null;
  input_text: string | null;
  guardrail: boolean;
  context_scores: unknown;
  context_dropped: number | string | null;
}

const NUMERIC = [
  ['latencyMs', 'latency_ms'],
  ['ttftMs', 'ttft_ms'],
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['costUsd', 'cost_micros'],
] as const;

/**
 * Drift of production traffic between two time ranges (API.md `drift`), over the signals of
 * docs/drift.md: user inputs (length, language, topic), routing (model and rule mix), retrieval
 * (chunk scores, chunks dropped) and outcomes (errors, guardrail triggers, output length, eval scores,
 * latency). Reads traces, trace scores and eval results; owns only the input embedding cache.
 */
export class DriftService {
  private readonly minSamples: number;

  constructor(
    private readonly db: DataSource,
    private readonly options: DriftServiceOptions = {},
  ) {
    this.minSamples = options.minSamples ?? MIN_SAMPLES;
  }

  async drift(filter: TraceFilterData | null | undefined, window: DriftRange, baseline: DriftRange): Promise<DriftReport> {
    validateRanges(window, baseline);
    const [w, b] = await Promise.all([this.sample(filter, window), this.sample(filter, baseline)]);
    const min = this.minSamples;
    const features: DriftFeature[] = [];
    const add = (name: string, method: string, r: DriftResult, nw: number, nb: number) =>
      features.push({
        name,
        method,
        statistic: r.statistic,
        threshold: r.threshold,
        drifted: r.drifted,
        insufficientData: r.insufficient ?? false,
        note: r.note ?? null,
        windowSamples: nw,
        baselineSamples: nb,
      });
    const numeric = (name: string, method: 'ks' | 'psi', xs: number[], ys: number[]) => add(name, method, method === 'ks' ? ksTest(xs, ys, min) : psiNumeric(xs, ys, 10, min), xs.length, ys.length);
    const categorical = (name: string, method: 'psi' | 'jensen-shannon', xs: Map<string, number>, ys: Map<string, number>) =>
      add(name, method, method === 'psi' ? psi(xs, ys, min) : jensenShannon(xs, ys, min), sum(xs), sum(ys));

    // User inputs.
    const inW = w.filter((r) => r.input_text !== null);
    const inB = b.filter((r) => r.input_text !== null);
    numeric('inputLength', 'psi', inW.map(inputTokensOf), inB.map(inputTokensOf));
    categorical(
      'inputLanguage',
      'jensen-shannon',
      counts(inW, (r) => inputLanguage(r.input_text)),
      counts(inB, (r) => inputLanguage(r.input_text)),
    );
    const topic = await this.topic(inW, inB);
    add('inputTopicCentroid', 'centroid-cosine', topic.centroid, topic.nw, topic.nb);
    add('inputTopicOutliers', 'outlier-share', topic.outliers, topic.nw, topic.nb);

    // Routing.
    categorical(
      'modelId',
      'jensen-shannon',
      counts(w, (r) => r.model_id),
      counts(b, (r) => r.model_id),
    );
    categorical(
      'routeRule',
      'jensen-shannon',
      counts(w, (r) => r.route_rule),
      counts(b, (r) => r.route_rule),
    );

    // Retrieval.
    const scoresW = w.flatMap(contextScores);
    const scoresB = b.flatMap(contextScores);
    numeric('contextScore', 'ks', scoresW, scoresB);
    const chunks = (rows: Row[]) => rows.reduce((a, r) => a + contextCount(r), 0);
    const dropped = (rows: Row[]) => rows.reduce((a, r) => a + (contextCount(r) ? Math.min(Number(r.context_dropped ?? 0), contextCount(r)) : 0), 0);
    add('contextDropped', 'two-proportion-z', twoProportionZ(dropped(w), chunks(w), dropped(b), chunks(b), undefined, min), chunks(w), chunks(b));

    // Outcomes.
    const rate = (name: string, hit: (r: Row) => boolean) =>
      add(name, 'two-proportion-z', twoProportionZ(w.filter(hit).length, w.length, b.filter(hit).length, b.length, undefined, min), w.length, b.length);
    rate('errorRate', (r) => r.status === 'FAILED');
    rate('guardrailTriggerRate', (r) => r.guardrail === true);
    numeric('outputLength', 'psi', numbers(w, 'output_tokens'), numbers(b, 'output_tokens'));
    const [onlineW, onlineB, runsW, runsB] = await Promise.all([
      this.onlineScores(filter, window),
      this.onlineScores(filter, baseline),
      this.runScores(filter, window),
      this.runScores(filter, baseline),
    ]);
    add('evalScoreOnline', 'welch-t', welchT(onlineW, onlineB, undefined, min), onlineW.length, onlineB.length);
    add('evalScoreRuns', 'welch-t', welchT(runsW, runsB, undefined, min), runsW.length, runsB.length);
    for (const [name, col] of NUMERIC) numeric(name, 'ks', numbers(w, col), numbers(b, col));
    categorical(
      'status',
      'psi',
      counts(w, (r) => r.status),
      counts(b, (r) => r.status),
    );

    return { drifted: features.some((f) => f.drifted), features, windowCount: w.length, baselineCount: b.length };
  }

  private async sample(filter: TraceFilterData | null | undefined, range: DriftRange): Promise<Row[]> {
    const p = new SqlParams();
    // The range replaces the filter's own from/to.
    const cond = traceFilterConditions({ ...(filter ?? {}), from: range.from, to: range.to }, 't', p.add);
    const context = `CASE WHEN jsonb_typeof(t.request->'context') = 'array' THEN t.request->'context' ELSE '[]'::jsonb END`;
    // The sample is drawn first, so the JSON extraction below runs on DRIFT_SAMPLE rows, not on the whole range.
    return this.db.query(
      `SELECT t.id, t.latency_ms, t.ttft_ms, t.input_tokens, t.output_tokens, t.cost_micros, t.status, t.model_id, t.route_rule, t.stage_input_tokens,
         COALESCE(t.request->>'input', CASE WHEN jsonb_typeof(t.request->'messages') = 'array' THEN t.request->'messages'->-1->>'content' END) AS input_text,
         jsonb_array_length(t.guardrail_events) > 0 AS guardrail,
         (SELECT jsonb_agg(c->'score') FROM jsonb_array_elements(${context}) c) AS context_scores,
         (SELECT jsonb_array_length(s->'attributes'->'contextDropped') FROM jsonb_array_elements(t.spans) s
           WHERE s->>'name' = 'prompt_assembly' AND jsonb_typeof(s->'attributes'->'contextDropped') = 'array' LIMIT 1) AS context_dropped
       FROM (SELECT * FROM traces t WHERE ${cond.join(' AND ')} ORDER BY random() LIMIT ${DRIFT_SAMPLE}) t`,
      p.values,
    );
  }

  /** Online scores (judge and rule, not human) of the traces in the range. */
  private async onlineScores(filter: TraceFilterData | null | undefined, range: DriftRange): Promise<number[]> {
    const p = new SqlParams();
    const cond = traceFilterConditions({ ...(filter ?? {}), from: range.from, to: range.to }, 't', p.add);
    const rows: Array<{ score: number }> = await this.db.query(
      `SELECT s.score FROM trace_scores s JOIN traces t ON t.id = s.trace_id WHERE ${cond.join(' AND ')} AND s.source <> 'HUMAN' ORDER BY random() LIMIT ${DRIFT_SAMPLE}`,
      p.values,
    );
    return rows.map((r) => Number(r.score));
  }

  /** Scores of eval results (offline and scheduled runs) created in the range, of the filter's prompt when it names one. */
  private async runScores(filter: TraceFilterData | null | undefined, range: DriftRange): Promise<number[]> {
    const rows: Array<{ score: number }> = await this.db.query(
      `SELECT r.score FROM eval_results r JOIN eval_runs run ON run.id = r.run_id
       WHERE r.created_at >= $1 AND r.created_at < $2 AND ($3::text IS NULL OR run.prompt = $3) ORDER BY random() LIMIT ${DRIFT_SAMPLE}`,
      [range.from.toISOString(), range.to.toISOString(), filter?.prompt ?? null],
    );
    return rows.map((r) => Number(r.score));
  }

  /** Topic signals over up to `topicSample` embedded inputs per range. */
  private async topic(w: Row[], b: Row[]): Promise<{ centroid: DriftResult; outliers: DriftResult; nw: number; nb: number }> {
    const n = this.options.topicSample ?? TOPIC_SAMPLE;
    const pick = (rows: Row[]) => rows.filter((r) => r.input_text!.trim()).slice(0, n); // rows are already in random order
    const sw = pick(w);
    const sb = pick(b);
    const min = this.minSamples;
    const unavailable = (note: string) => {
      const r: DriftResult = { statistic: null, threshold: null, drifted: false, insufficient: true, note };
      return { centroid: r, outliers: r, nw: sw.length, nb: sb.length };
    };
    const none = insufficient(sw.length, sb.length, null, min);
    if (none) return { centroid: none, outliers: { ...none, threshold: OUTLIER_SHARE_THRESHOLD }, nw: sw.length, nb: sb.length };
    if (!this.options.embedder) return unavailable('no embedding model configured');
    let vectors: Map<string, number[]>;
    try {
      vectors = await this.embeddings([...sw, ...sb]);
    } catch (err) {
      return unavailable(`embeddings unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const vw = sw.map((r) => vectors.get(r.id)!);
    const vb = sb.map((r) => vectors.get(r.id)!);
    return { centroid: centroidShift(vw, vb, { min }), outliers: outlierShare(vw, vb, { min }), nw: vw.length, nb: vb.length };
  }

  /** Embeddings of the rows' inputs: cached ones read, the others computed (bounded concurrency) and stored. */
  private async embeddings(rows: Row[]): Promise<Map<string, number[]>> {
    const embedder = this.options.embedder!;
    const out = new Map<string, number[]>();
    const ids = rows.map((r) => r.id);
    const cached: Array<{ trace_id: string; embedding: number[] | string }> = await this.db.query(
      `SELECT trace_id, embedding FROM drift_input_embeddings WHERE model = $1 AND trace_id = ANY($2::uuid[])`,
      [embedder.model, ids],
    );
    for (const c of cached) out.set(c.trace_id, parseVector(c.embedding));
    const missing = rows.filter((r) => !out.has(r.id));
    let next = 0;
    const fresh: Array<[string, number[]]> = [];
    const worker = async () => {
      while (next < missing.length) {
        const r = missing[next++]!;
        const v = await embedder.embed(r.input_text!.slice(0, 8000));
        fresh.push([r.id, v]);
        out.set(r.id, v);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.embedConcurrency ?? 4, missing.length) }, worker));
    for (let i = 0; i < fresh.length; i += 200) {
      const chunk = fresh.slice(i, i + 200);
      const params: unknown[] = [embedder.model];
      const values = chunk.map(([id, v]) => `(${(params.push(id), `$${params.length}`)}::uuid, $1, ${(params.push(v), `$${params.length}`)}::real[])`);
      await this.db.query(`INSERT INTO drift_input_embeddings (trace_id, model, embedding) VALUES ${values.join(', ')} ON CONFLICT DO NOTHING`, params);
    }
    return out;
  }
}

/** Both ranges non-empty (from before to) and disjoint: BAD_USER_INPUT naming the field otherwise. */
export function validateRanges(window: DriftRange, baseline: DriftRange): void {
  for (const [field, r] of [
    ['window', window],
    ['baseline', baseline],
  ] as const) {
    if (r.from.getTime() >= r.to.getTime()) throw new BadUserInputError(`${field}.from`, 'must be before `to` (the range is empty or reversed)');
  }
  if (window.from.getTime() < baseline.to.getTime() && baseline.from.getTime() < window.to.getTime()) {
    throw new BadUserInputError('baseline', 'must not overlap the window: a range compared with itself cannot drift');
  }
}

function parseVector(v: number[] | string): number[] {
  if (Array.isArray(v)) return v.map(Number);
  // PostgreSQL array text form: {0.1,0.2,...}
  return v
    .replace(/^\{|\}$/g, '')
    .split(',')
    .map(Number);
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, x) => a + x, 0);

function inputTokensOf(r: Row): number {
  return r.stage_input_tokens !== null && r.stage_input_tokens !== undefined ? Number(r.stage_input_tokens) : countTokens(r.input_text ?? '');
}

function contextScores(r: Row): number[] {
  return Array.isArray(r.context_scores) ? r.context_scores.filter((s): s is number => typeof s === 'number') : [];
}

function contextCount(r: Row): number {
  return Array.isArray(r.context_scores) ? r.context_scores.length : 0;
}

function numbers(rows: Row[], col: keyof Row): number[] {
  const out: number[] = [];
  for (const r of rows) if (r[col] !== null && r[col] !== undefined) out.push(Number(r[col]));
  return out;
}

function counts(rows: Row[], key: (r: Row) => string | null): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) {
    const k = key(r) ?? '(none)';
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
