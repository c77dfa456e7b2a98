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
  MAX_CASES_PER_CALL,
  type Assertion,
  type AssertionType,
  type CaseContextChunk,
  type CaseMessage,
  type EvalCaseData,
} from './eval-case.schemas';
export { evalsModule } from './evals.module';
