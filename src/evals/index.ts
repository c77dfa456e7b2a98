/** Eval sets and cases (API.md "Evaluation"). */
export { EvalSet } from './eval-set.entity';
export { EvalCase } from './eval-case.entity';
export { EvalCaseInput, EvalSetInput, EvalSetUpdateInput } from './eval-set.inputs';
export { EvalSetResolver } from './eval-set.resolver';
export { EvalSetService, type EvalSetServiceOptions } from './eval-set.service';
export {
  assertionSchema,
  assertionsSchema,
  evalCaseSchema,
  parseEvalCases,
  ASSERTION_TYPES,
  BASE_ASSERTION_TYPES,
  baseOf,
  MAX_CASES_PER_CALL,
  type Assertion,
  type AssertionType,
  type CaseContextChunk,
  type CaseMessage,
  type EvalCaseData,
} from './eval-case.schemas';
export { evalsModule } from './evals.module';
export { evalRunsModule } from './eval-runs.module';
export { EvalRun, EvalRunStatus } from './runs/eval-run.entity';
export { EvalResult } from './runs/eval-result.entity';
export { EvalRunService, type RunEvalData } from './runs/eval-run.service';
export type { EvalRunDeps, EvalCaseRequest, EvalCaseGeneration, EvalVersionRef } from './runs/eval-run.ports';
export { GRADE_TOOL } from './judge/llm-judge';
export { EvalGate } from './runs/eval-gate';
export { onlineEvalsModule } from './online-evals.module';
export { OnlineEvaluator } from './online/online-evaluator.entity';
export { OnlineEvaluatorService, type OnlineEvaluatorServiceDeps } from './online/online-evaluator.service';
export { OnlineEvalWorker, JUDGE_MAX_OUTPUT_TOKENS, type JudgeBudget, type JudgeHold, type OnlineEvalStats } from './online/online-eval-worker';
export { evalSchedulesModule } from './eval-schedules.module';
export { EvalSchedule } from './schedules/eval-schedule.entity';
export { EvalScheduleService, type EvalScheduleServiceDeps } from './schedules/eval-schedule.service';
