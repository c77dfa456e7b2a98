import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { createBriefPrompt } from '../helpers/prompts';
import { GenerateResolver } from '../../src/generate';

const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on TextDelta { text index } ... on GenerationCompleted { stopReason } ... on GenerationFailed { code message } } }`;

describe('generate over graphql-ws: each event becomes its result through the compiled plan', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'silent' });
    key = await t.keyFor('APP', 'compiled-events');
    await createBriefPrompt(t, 'compiled');
  });
  afterAll(() => t?.close());

  it('streams every delta without running the subscription field resolver per event (graphql-js runs it once per event)', async () => {
    const perEvent = jest.spyOn(GenerateResolver.prototype, 'generate');
    try {
      const reply = 'One two three four five six seven eight nine ten eleven twelve.';
      const results = await wsCollect(t.ws(key), SUB, { i: { prompt: 'compiled', input: `Count.\n#reply: ${reply}` } });
      const events = results.map((r) => {
        expect(r.errors).toBeUndefined();
        return r.data!.generate as Record<string, unknown>;
      });
      expect(events[0]!.__typename).toBe('GenerationStarted');
      expect(events.at(-1)).toEqual({ __typename: 'GenerationCompleted', stopReason: 'end_turn' });
      const deltas = events.filter((e) => e.__typename === 'TextDelta');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.map((d) => d.text).join('')).toBe(reply);
      expect(deltas.map((d) => d.index)).toEqual(deltas.map((_, i) => i));
      // The results still carry the operation's request and trace ids.
      expect(results.every((r) => typeof r.extensions?.traceId === 'string')).toBe(true);
      expect(perEvent).toHaveBeenCalledTimes(0);
    } finally {
      perEvent.mockRestore();
    }
  });
});
