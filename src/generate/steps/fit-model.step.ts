import { assembleOrFail, fitWindow } from '../model-target';
import { need } from '../request-state';
import type { PipelineStep } from './step';

/** The prompt assembled for the target model (its cache points), and the output cap within its context window. */
export const fitModel: PipelineStep = {
  name: 'fitModel',
  run(st) {
    const target = need(st.target, 'target');
    target.assembled = assembleOrFail(need(st.parts, 'parts'), target.model.promptCaching);
    target.maxTokens = fitWindow(target.model, target.assembled, target.maxTokens);
  },
};
