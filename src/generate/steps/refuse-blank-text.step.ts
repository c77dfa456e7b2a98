import { Refusal } from '../request-state';
import type { PipelineStep } from './step';

/** Bedrock refuses blank text blocks: a blank input or history turn is the caller's mistake, said with its field. */
export const refuseBlankText: PipelineStep = {
  name: 'refuseBlankText',
  run({ req }) {
    if (req.input !== null && !req.input.trim()) throw new Refusal('BAD_USER_INPUT', 'input.input: must not be blank');
    req.messages.forEach((m, i) => {
      if (!m.content.trim()) throw new Refusal('BAD_USER_INPUT', `input.messages.${i}.content: must not be blank`);
    });
  },
};
