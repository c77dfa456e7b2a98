import type { PipelineStep } from './step';

/** The prompt version, by label (default `production`) or number. */
export const resolvePrompt: PipelineStep = {
  name: 'resolvePrompt',
  explain: true,
  async run(st, deps) {
    const version = await deps.prompts.resolveVersion(st.req.prompt, { label: st.req.label, version: st.req.version });
    st.trace.prompt = version.prompt;
    st.trace.promptVersion = version.number;
    st.trace.label = version.label;
    st.version = version;
  },
};
