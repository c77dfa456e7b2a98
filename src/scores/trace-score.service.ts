import type { DataSource, EntityManager } from 'typeorm';
import { TraceScore, ScoreSource } from './trace-score.entity';

/** What a scorer records about a trace. */
export interface TraceScoreData {
  traceId: string;
  name: string;
  source: ScoreSource;
  score: number;
  passed?: boolean | null;
  reason?: string | null;
  evaluator?: string | null;
}

/** Scores of traces (online evaluators, reviewers). */
export class TraceScoreService {
  constructor(private readonly db: DataSource) {}

  /** Records a score, in the caller's transaction when given one. */
  async add(data: TraceScoreData, m: EntityManager = this.db.manager): Promise<TraceScore> {
    return m.save(m.create(TraceScore, { passed: null, reason: null, evaluator: null, ...data }));
  }

  /** Records several scores in one INSERT, in the caller's transaction when given one. */
  async addMany(data: TraceScoreData[], m: EntityManager = this.db.manager): Promise<void> {
    if (!data.length) return;
    await m.insert(
      TraceScore,
      data.map((d) => ({ passed: null, reason: null, evaluator: null, ...d })),
    );
  }

  forTrace(traceId: string): Promise<TraceScore[]> {
    return this.db.getRepository(TraceScore).find({ where: { traceId }, order: { at: 'ASC', id: 'ASC' } });
  }
}
