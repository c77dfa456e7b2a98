import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { ReviewItem, ReviewKind } from './review-item.entity';
import { judgeAgreement, type ScorePair } from './agreement';
import type { JudgeAgreement } from './review.inputs';
import { ConflictError, NotFoundError } from '../graphql/errors';
import { idSchema, nameSchema, parseInput } from '../graphql/validation';
import { ScoreSource, type TraceScoreService } from '../scores/index';

/** Review settings (README "Configuration"). */
export interface ReviewOptions {
  /** Share of production traces sampled for review (REVIEW_SAMPLE_RATE). */
  traceSampleRate: number;
  /** Share of every eval run's results sampled for review (REVIEW_EVAL_SAMPLE_RATE). */
  evalSampleRate: number;
  /** How long a claim from reviewQueue holds (REVIEW_CLAIM_SECONDS). */
  claimMs: number;
  /** Rows younger than this are left for the next sampling pass (the trace writer batches). */
  lagMs?: number;
  now?: () => Date;
}

/** A production trace an online evaluator scored, offered to the review queue. */
export interface TraceReviewSample {
  traceId: string;
  evalSet: string | null;
  prompt: string | null;
  input: string | null;
  output: string | null;
  context: unknown;
  judgeScore: number | null;
  judgeReason: string | null;
  /** When the trace was made (the queue is oldest first). */
  createdAt: Date;
}

/** The units `judgeAgreement` buckets by (TimeBucket values). */
export type AgreementBucket = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

const reviewSchema = z.object({
  item: idSchema,
  score: z.number().finite().min(0, 'must be at least 0').max(1, 'must be at most 1'),
  label: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
  comment: z.string().max(4000, 'must be at most 4000 characters').nullish(),
});

const firstSchema = z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100');

/**
 * A deterministic sample of uuids: the first 32 bits of md5(id) as a fraction of 2^32, below the
 * rate. The same row is always in or out, so every process and every pass agree without state.
 */
const SAMPLED = (col: string, param: string) => `(('x' || substr(md5(${col}::text), 1, 8))::bit(32)::bigint)::float8 / 4294967296.0 < ${param}`;

/** How far back the first sampling pass looks. */
const FIRST_PASS_MS = 7 * 86_400_000;

/**
 * The human review queue and the judge's agreement with people. Sampling happens when the queue is
 * read (no work on the hot path): production traces and eval results newer than each source's
 * watermark are sampled by a hash of their id and copied into `review_items`. Claims are
 * `UPDATE ... FOR UPDATE SKIP LOCKED`, so two reviewers never get the same item.
 */
export class ReviewService {
  constructor(
    private readonly db: DataSource,
    private readonly scores: TraceScoreService,
    private readonly opts: ReviewOptions,
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Copies newly sampled traces and eval results into the queue; returns how many were added. */
  async sample(): Promise<number> {
    const upto = new Date(this.now().getTime() - (this.opts.lagMs ?? 2000));
    let added = 0;
    for (const source of ['traces', 'eval_results'] as const) {
      const [w] = (await this.db.query(`SELECT watermark FROM review_sampler WHERE source = $1`, [source])) as Array<{ watermark: Date }>;
      const from = w ? new Date(w.watermark) : new Date(upto.getTime() - FIRST_PASS_MS);
      if (from >= upto) continue;
      const sql =
        source === 'traces'
          ? `INSERT INTO review_items (kind, trace_id, prompt, input, output, context, created_at)
             SELECT 'TRACE', t.id, t.prompt, t.request->>'input', t.output, t.request->'context', t.created_at FROM traces t
             WHERE t.created_at > $1 AND t.created_at <= $2 AND t.source = 'PRODUCTION' AND t.status = 'COMPLETED' AND ${SAMPLED('t.id', '$3')}
             ON CONFLICT DO NOTHING RETURNING id`
          : `INSERT INTO review_items (kind, eval_result_id, trace_id, eval_set, prompt, input, output, context, judge_score, judge_reason, human_score, created_at)
             SELECT 'EVAL_RESULT', r.id, r.trace_id, s.name, run.prompt, coalesce(c.input, c.variables::text), r.output, c.context,
                    r.judge_score, r.judge_reason, r.human_score, r.created_at
             FROM eval_results r JOIN eval_runs run ON run.id = r.run_id JOIN eval_sets s ON s.id = run.eval_set_id JOIN eval_cases c ON c.id = r.case_id
             WHERE r.created_at > $1 AND r.created_at <= $2 AND ${SAMPLED('r.id', '$3')}
             ON CONFLICT DO NOTHING RETURNING id`;
      const rate = source === 'traces' ? this.opts.traceSampleRate : this.opts.evalSampleRate;
      const rows = (await this.db.query(sql, [from.toISOString(), upto.toISOString(), rate])) as unknown[];
      added += Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
      await this.db.query(
        `INSERT INTO review_sampler (source, watermark) VALUES ($1, $2)
         ON CONFLICT (source) DO UPDATE SET watermark = GREATEST(review_sampler.watermark, EXCLUDED.watermark)`,
        [source, upto.toISOString()],
      );
    }
    return added;
  }

  /**
   * Queues a trace an online evaluator scored, with the judge's score and reason and the evaluator's
   * eval set (so judgeAgreement of that set counts it once a person scores it). A trace the sampler
   * already queued keeps its item and gains the judge's score.
   */
  async addTraceItem(item: TraceReviewSample, m: EntityManager = this.db.manager): Promise<void> {
    await m.query(
      `INSERT INTO review_items (kind, trace_id, eval_set, prompt, input, output, context, judge_score, judge_reason, created_at)
       VALUES ('TRACE', $1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
       ON CONFLICT (trace_id) WHERE kind = 'TRACE' DO UPDATE SET
         eval_set = coalesce(review_items.eval_set, EXCLUDED.eval_set),
         judge_score = coalesce(review_items.judge_score, EXCLUDED.judge_score),
         judge_reason = coalesce(review_items.judge_reason, EXCLUDED.judge_reason)`,
      [
        item.traceId,
        item.evalSet,
        item.prompt,
        item.input,
        item.output,
        item.context === null || item.context === undefined ? null : JSON.stringify(item.context),
        item.judgeScore,
        item.judgeReason,
        item.createdAt.toISOString(),
      ],
    );
  }

  /**
   * Up to `first` unreviewed items, oldest first, claimed by `reviewer` for the claim period: items
   * the reviewer already holds come back; items another reviewer holds are skipped until the claim
   * lapses.
   */
  async queue(reviewer: string, first = 10): Promise<ReviewItem[]> {
    const take = parseInput(firstSchema, first, 'first');
    await this.sample();
    const now = this.now();
    const until = new Date(now.getTime() + this.opts.claimMs);
    const raw = (await this.db.query(
      `UPDATE review_items SET claimed_by = $1, claimed_until = $2
       WHERE id IN (SELECT id FROM review_items
                    WHERE human_score IS NULL AND (claimed_until IS NULL OR claimed_until <= $3 OR claimed_by = $1)
                    ORDER BY created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [reviewer, until.toISOString(), now.toISOString(), take],
    )) as unknown[];
    const ids = ((Array.isArray(raw[0]) ? raw[0] : raw) as Array<{ id: string }>).map((r) => r.id);
    if (!ids.length) return [];
    return this.db.getRepository(ReviewItem).createQueryBuilder('i').whereInIds(ids).orderBy('i.createdAt', 'ASC').addOrderBy('i.id', 'ASC').getMany();
  }

  /**
   * Records a person's score on the item, and on what it came from: `eval_results.human_score` and
   * a HUMAN score on the trace. CONFLICT when someone else holds the item or it was reviewed.
   */
  async submit(input: unknown, reviewer: string): Promise<ReviewItem> {
    const data = parseInput(reviewSchema, input, 'input');
    const now = this.now();
    return this.db.transaction(async (m) => {
      const item = await m.findOne(ReviewItem, { where: { id: data.item }, lock: { mode: 'pessimistic_write' } });
      if (!item) throw new NotFoundError('ReviewItem', data.item);
      if (item.humanScore !== null) throw new ConflictError(`review item "${item.id}" was already reviewed${item.reviewedBy ? ` by ${item.reviewedBy}` : ''}`);
      if (item.claimedBy && item.claimedBy !== reviewer && item.claimedUntil && item.claimedUntil > now) {
        throw new ConflictError(`review item "${item.id}" is claimed by ${item.claimedBy} until ${item.claimedUntil.toISOString()}`);
      }
      Object.assign(item, {
        humanScore: data.score,
        label: data.label ?? null,
        comment: data.comment ?? null,
        reviewedBy: reviewer,
        reviewedAt: now,
        claimedBy: null,
        claimedUntil: null,
      });
      const saved = await m.save(item);
      if (item.evalResultId) await m.query(`UPDATE eval_results SET human_score = $2 WHERE id = $1`, [item.evalResultId, data.score]);
      if (item.traceId) {
        await this.scores.add(
          {
            traceId: item.traceId,
            name: data.label ?? 'human',
            source: ScoreSource.HUMAN,
            score: data.score,
            passed: data.score >= 0.5,
            reason: data.comment ?? null,
            evaluator: reviewer,
          },
          m,
        );
      }
      return saved;
    });
  }

  /**
   * Judge vs human over eval results with both scores (of one eval set, or all), and over production
   * traces an online evaluator of that set judged and a person scored; per time bucket of the
   * result's (trace's) creation when `bucket` is given.
   */
  async agreement(evalSet: string | null | undefined, bucket?: AgreementBucket | null): Promise<JudgeAgreement> {
    const set = evalSet === null || evalSet === undefined ? null : parseInput(nameSchema, evalSet, 'evalSet');
    if (set !== null) {
      const found = (await this.db.query(`SELECT 1 FROM eval_sets WHERE name = $1`, [set])) as unknown[];
      if (!found.length) throw new NotFoundError('EvalSet', set);
    }
    const unit = bucket ? bucket.toLowerCase() : null;
    const rows = (await this.db.query(
      `SELECT x.judge, x.human, ${unit ? `date_trunc('${unit}', x.at, 'UTC')` : 'NULL'} AS bucket FROM (
         SELECT r.judge_score AS judge, r.human_score AS human, r.created_at AS at
         FROM eval_results r JOIN eval_runs run ON run.id = r.run_id JOIN eval_sets s ON s.id = run.eval_set_id
         WHERE r.judge_score IS NOT NULL AND r.human_score IS NOT NULL AND ($1::text IS NULL OR s.name = $1)
         UNION ALL
         -- production traces an online evaluator's judge scored (under the evaluator's eval set)
         SELECT i.judge_score, i.human_score, i.created_at FROM review_items i
         WHERE i.kind = 'TRACE' AND i.judge_score IS NOT NULL AND i.human_score IS NOT NULL AND ($1::text IS NULL OR i.eval_set = $1)
       ) x ORDER BY x.at`,
      [set],
    )) as Array<{ judge: number; human: number; bucket: Date | string | null }>;
    const pairs: ScorePair[] = rows.map((r) => ({ judge: Number(r.judge), human: Number(r.human) }));
    const byBucket = new Map<string, ScorePair[]>();
    if (unit) {
      rows.forEach((r, i) => {
        const key = new Date(r.bucket as string).toISOString();
        byBucket.set(key, [...(byBucket.get(key) ?? []), pairs[i]!]);
      });
    }
    return {
      ...judgeAgreement(pairs),
      buckets: [...byBucket.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([b, ps]) => ({ bucket: new Date(b), ...judgeAgreement(ps) })),
    };
  }
}

export { ReviewKind };
