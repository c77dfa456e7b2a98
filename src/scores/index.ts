/** Scores of traces: `Trace.scores` (judge, rule and human). */
export { TraceScore, ScoreSource } from './trace-score.entity';
export { TraceScoreService, type TraceScoreData } from './trace-score.service';
export { scoresModule } from './scores.module';
