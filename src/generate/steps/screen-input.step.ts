import type { ScreenedText, Verdict as ScreenedVerdict } from '../../guardrails';
import type { Chunk } from '../assemble';
import type { GuardrailIntervenedEvent } from '../generate.events';
import { addInputMicros, guardEvent, recordEvent, stageCostData, zeroCost } from '../outcome';
import type { PipelineDeps } from '../pipeline.deps';
import { tokensCostMicros } from '../../providers';
import { need, Refusal } from '../request-state';
import type { PipelineStep } from './step';

type Slot = { kind: 'input' } | { kind: 'variable'; name: string } | { kind: 'message'; index: number } | { kind: 'chunk'; chunk: Chunk };

/**
 * Input guardrails (`guardrail_input`): the input, every variable of the version, every turn of
 * the conversation history and every kept chunk go through the prompt's INPUT policies
 * (GuardrailService.screenInput). Anonymized texts replace the originals (the model, the history
 * summary, the cache key and the trace see the placeholders); a chunk dropped for injection is left out of the prompt; a block ends the
 * request. Interventions on chunks are traced, not sent to the client.
 */
export const screenInput: PipelineStep = {
  name: 'screenInput',
  async *run(st, deps) {
    const version = need(st.version, 'version');
    let blocked: Refusal | null = null;
    const events = await st.spans.time('guardrail_input', async (attrs) => {
      const policies = await deps.guardrails.policiesFor(version.prompt, 'INPUT');
      attrs.policies = policies.map((p) => p.name);
      if (!policies.length) {
        attrs.droppedChunks = [];
        return [];
      }
      const slots: Slot[] = [];
      const texts: ScreenedText[] = [];
      if (st.input) {
        slots.push({ kind: 'input' });
        texts.push({ text: st.input, source: 'input' });
      }
      for (const name of Object.keys(st.variables)) {
        if (!version.variables.includes(name)) continue;
        slots.push({ kind: 'variable', name });
        texts.push({ text: st.variables[name]!, source: `variable:${name}` });
      }
      st.history.forEach((turn, index) => {
        slots.push({ kind: 'message', index });
        texts.push({ text: turn.content, source: `history:${index}` });
      });
      for (const chunk of st.context) {
        slots.push({ kind: 'chunk', chunk });
        texts.push({ text: chunk.text, source: `context:${chunk.id}`, isContextChunk: true });
      }
      const screened = await deps.guardrails.screenInput(policies, texts);
      const escalated = screened.checks.filter((c) => c.verdict.escalation);
      if (escalated.length) {
        // Which layer decided each uncertain text, and what asking Bedrock cost (in the request's cost).
        attrs.injectionEscalations = escalated.map((c) => ({
          source: texts[c.index]!.source,
          policy: c.policy.name,
          localScore: c.verdict.escalation!.localScore,
          decidedBy: c.verdict.escalation!.decidedBy,
          answers: c.verdict.escalation!.answers.map((a) => ({ layer: a.layer, verdict: a.verdict, ...(a.modelId ? { modelId: a.modelId } : {}) })),
        }));
        st.screeningMicros = escalated.reduce((n, c) => n + escalationMicros(deps, c.verdict.escalation!.answers), 0);
        attrs.escalationMicros = st.screeningMicros;
        if (st.screeningMicros) {
          const before = st.trace.costByStage ? { ...st.trace.costByStage, total: st.trace.costMicros } : zeroCost();
          Object.assign(st.trace, { costMicros: st.trace.costMicros + st.screeningMicros, costByStage: stageCostData(addInputMicros(before, st.screeningMicros)) });
        }
      }
      const events: GuardrailIntervenedEvent[] = [];
      for (const c of screened.checks) {
        const { action, findings } = c.verdict;
        if (action === 'NONE') continue;
        const slot = slots[c.index]!;
        if (c === screened.blocked) events.push(guardEvent(st, 'INPUT', c.policy, 'BLOCKED', findings));
        else if (slot.kind !== 'chunk') events.push(guardEvent(st, 'INPUT', c.policy, action, findings));
        else {
          if (c.dropped) st.screenedOutContext.push({ id: slot.chunk.id, source: slot.chunk.source, reason: 'prompt_injection', score: slot.chunk.score });
          recordEvent(st, 'INPUT', c.policy, action, findings);
        }
      }
      if (screened.blocked) {
        blocked = new Refusal('GUARDRAIL_BLOCKED', screened.blocked.policy.blockedMessage, 'BLOCKED');
        return events;
      }
      const context: Chunk[] = [];
      const history = [...st.history];
      slots.forEach((slot, i) => {
        const text = screened.texts[i];
        if (text === null || text === undefined) return; // a dropped chunk
        if (slot.kind === 'input') st.input = text;
        else if (slot.kind === 'variable') st.variables[slot.name] = text;
        else if (slot.kind === 'message') history[slot.index] = { ...history[slot.index]!, content: text };
        else context.push(text === slot.chunk.text ? slot.chunk : { ...slot.chunk, text });
      });
      st.context = context;
      st.history = history;
      attrs.droppedChunks = st.screenedOutContext.map((d) => d.id);
      return events;
    });
    for (const ev of events) yield ev;
    if (blocked) throw blocked;
  },
};

/** Bedrock Guardrails content filters (prompt attack included): USD 0.15 per 1,000 text units of 1,000 characters. */
const GUARDRAIL_CONTENT_MICROS_PER_UNIT = 150;

/** What the escalation layers of one text cost: the classifier's tokens at its prices, ApplyGuardrail's text units. */
function escalationMicros(deps: PipelineDeps, answers: NonNullable<ScreenedVerdict['escalation']>['answers']): number {
  let micros = 0;
  for (const a of answers) {
    if (a.layer === 'classifier-model' && a.usage && a.modelId) {
      const p = deps.models.pricing.pricesFor(a.modelId);
      if (p) micros += tokensCostMicros(a.usage.inputTokens, p.input) + tokensCostMicros(a.usage.outputTokens, p.output);
    } else if (a.layer === 'bedrock-guardrail' && a.characters) micros += Math.ceil(a.characters / 1000) * GUARDRAIL_CONTENT_MICROS_PER_UNIT;
  }
  return micros;
}
