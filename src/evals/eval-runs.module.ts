import { defineFeature } from '../core/feature-module';
import { EvalResult } from './runs/eval-result.entity';
import { EvalRun } from './runs/eval-run.entity';
import type { EvalRunDeps } from './runs/eval-run.ports';
import { EvalResultResolver, EvalRunResolver, LabelMoveEvalRunResolver, PromotionEvalRunResolver } from './runs/eval-run.resolver';
import { EvalRunService } from './runs/eval-run.service';

/** Eval runs and their results: runEval, the worker, progress, compareEvalRuns. */
export const evalRunsModule = defineFeature({
  entities: [EvalRun, EvalResult],
  resolvers: [EvalRunResolver, EvalResultResolver, PromotionEvalRunResolver, LabelMoveEvalRunResolver],
  create: (deps: EvalRunDeps) => new EvalRunService(deps),
});
