import { defineFeature } from '../core/feature-module';
import { OnlineEvalResult } from './online/online-eval-result.entity';
import { OnlineEvaluator } from './online/online-evaluator.entity';
import { OnlineEvaluatorResolver } from './online/online-evaluator.resolver';
import { OnlineEvaluatorService, type OnlineEvaluatorServiceDeps } from './online/online-evaluator.service';

/** Online evaluators: CRUD, and the worker scoring sampled production traces off the hot path. */
export const onlineEvalsModule = defineFeature({
  entities: [OnlineEvaluator, OnlineEvalResult],
  resolvers: [OnlineEvaluatorResolver],
  create: (deps: OnlineEvaluatorServiceDeps) => new OnlineEvaluatorService(deps),
});
