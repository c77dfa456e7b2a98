import { admitBudget } from './admit-budget.step';
import { announceStart } from './announce-start.step';
import { assemblePrompt } from './assemble-prompt.step';
import { callModel } from './call-model.step';
import { fitModel } from './fit-model.step';
import { lookupCache } from './lookup-cache.step';
import { pickModel } from './pick-model.step';
import { refuseBlankText } from './refuse-blank-text.step';
import { resolvePrompt } from './resolve-prompt.step';
import { respond } from './respond.step';
import { rightSizeContext } from './right-size-context.step';
import { routeRequest } from './route-request.step';
import { screenInput } from './screen-input.step';
import { settleBudget } from './settle-budget.step';
import type { PipelineStep } from './step';
import { stopIfClientGone } from './stop-if-client-gone.step';
import { summarizeHistory } from './summarize-history.step';

export type { PipelineStep } from './step';
export { routeRequest };

/**
 * The generate pipeline, in order: the one place that knows it. `explainRoute` runs the steps
 * marked `explain` up to `routeRequest`.
 */
export const GENERATE_STEPS: readonly PipelineStep[] = [
  resolvePrompt,
  refuseBlankText,
  rightSizeContext,
  screenInput,
  assemblePrompt,
  routeRequest,
  pickModel,
  lookupCache,
  summarizeHistory,
  fitModel,
  stopIfClientGone,
  admitBudget,
  announceStart,
  callModel,
  settleBudget,
  respond,
];
