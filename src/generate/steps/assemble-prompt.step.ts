import { renderVersion } from '../../prompts';
import type { AssemblyParts } from '../assemble';
import { assembleOrFail } from '../model-target';
import { need } from '../request-state';
import type { PipelineStep } from './step';

/**
 * Render and assemble (`prompt_assembly`). What to trim from the history is decided here; a
 * summary that must be written is bought only after routing and the response cache
 * (`summarizeHistory`). The prompt is counted without cache points (no model is known yet).
 */
export const assemblePrompt: PipelineStep = {
  name: 'assemblePrompt',
  explain: true,
  async run(st, deps) {
    const version = need(st.version, 'version');
    const sessionKey = st.req.sessionId ? `${st.caller.apiKeyId}:${st.req.sessionId}` : null;
    await st.spans.time('prompt_assembly', (attrs) => {
      st.assemblyAttrs = attrs;
      const rendered = renderVersion(version, st.variables);
      const plan = deps.history.plan(st.history, sessionKey);
      const parts: AssemblyParts = {
        system: rendered.system,
        templateMessages: rendered.messages,
        historySummary: plan.summary,
        history: plan.kept,
        context: st.context,
        input: st.input,
      };
      Object.assign(attrs, { contextKept: parts.context.map((c) => c.id), contextDropped: [...st.droppedContext, ...st.screenedOutContext] });
      st.parts = parts;
      st.historyPlan = plan;
    });
    st.counted = assembleOrFail(need(st.parts, 'parts'), null);
  },
};
