import { startTestApp, type TestApp } from '../helpers/test-app';
import { createGuardedPrompt } from '../helpers/prompts';

const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status text guardrailEvents { direction action policy } error { code message } } }`;
const TRACE = `query($id: ID!) { trace(id: $id) { output spans { name } } }`;

type Ev = Record<string, any>;

describe('generateOnce with OUTPUT guardrails (HTTP, emulator scripted by #reply)', () => {
  let t: TestApp;
  let app: string;

  const promptWith = (name: string, policy: Record<string, unknown>) => createGuardedPrompt(t, name, policy);
  async function once(prompt: string, input: string): Promise<Ev> {
    const r = (await t.gql(ONCE, { i: { cache: 'BYPASS', prompt, input } }, app)) as { data: { generateOnce: Ev } };
    return r.data.generateOnce;
  }

  beforeAll(async () => {
    t = await startTestApp();
    app = await t.keyFor('APP');
    await promptWith('once-anon', { name: 'once-anon-email', appliesTo: ['OUTPUT'], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } });
    await promptWith('once-cards', {
      name: 'once-block-cards',
      appliesTo: ['OUTPUT'],
      pii: { entities: [{ type: 'CREDIT_DEBIT_CARD_NUMBER', action: 'BLOCK' }] },
      blockedMessage: 'That answer was withheld.',
    });
  });
  afterAll(() => t?.close());

  it('screens the whole answer: masked as a stream is, with its ANONYMIZED event and guardrail_output span', async () => {
    const r = await once('once-anon', 'Who?\n#reply: Write to jane.doe@example.com for a refund.');
    expect(r).toMatchObject({
      status: 'COMPLETED',
      text: 'Write to {EMAIL} for a refund.',
      guardrailEvents: [{ direction: 'OUTPUT', action: 'ANONYMIZED', policy: 'once-anon-email' }],
      error: null,
    });
    await t.app.services.traces.writer.flush();
    const tr = (await t.mustGql(TRACE, { id: r.traceId })).trace;
    expect(tr.output).toBe('Write to {EMAIL} for a refund.');
    expect(tr.spans.map((s: Ev) => s.name)).toContain('guardrail_output');
  });

  it('a blocked answer is BLOCKED with no text at all', async () => {
    const reply = `Sure. The card on file is 4111 1111 1111 1111 and it expires soon. ${'More words follow here. '.repeat(5)}`;
    expect(await once('once-cards', `What card?\n#reply: ${reply}`)).toMatchObject({
      status: 'BLOCKED',
      text: '',
      guardrailEvents: [{ direction: 'OUTPUT', action: 'BLOCKED', policy: 'once-block-cards' }],
      error: { code: 'GUARDRAIL_BLOCKED', message: 'That answer was withheld.' },
    });
  });
});
