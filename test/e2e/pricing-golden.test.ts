import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { resolveModel } from '../../src/providers/catalog';
import { countTokens } from '../../src/providers/tokens';

/**
 * Golden pricing through the whole pipeline: input, output, cache write and cache read priced at the
 * model's prices for a Claude and a Nova model, and the streamed (`generate`) and not streamed
 * (`generateOnce`) answers to the same request costing exactly the same.
 */
const FIELDS = `costUsd usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens }
  costByStage { system context history input output cacheRead cacheWrite }`;
const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on GenerationCompleted { ${FIELDS} } } }`;
const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { status ${FIELDS} } }`;

type Result = {
  costUsd: number;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  costByStage: Record<string, number>;
};

/** micro-USD of `tokens` at `usdPerMillion`, rounded half-up once over the sum (as the service does). */
function expectedMicros(u: Result['usage'], p: { input: number; output: number; cacheRead: number | null; cacheWrite: number | null }): number {
  const picos = u.inputTokens * p.input * 1e6 + u.outputTokens * p.output * 1e6 + u.cacheReadTokens * (p.cacheRead ?? 0) * 1e6 + u.cacheWriteTokens * (p.cacheWrite ?? 0) * 1e6;
  return Math.floor((Math.round(picos) + 500_000) / 1_000_000);
}

describe('golden pricing through the pipeline (Claude and Nova, streamed and not streamed)', () => {
  let t: TestApp;
  let app: string;
  beforeAll(async () => {
    t = await startTestApp();
    app = await t.keyFor('APP');
  });
  afterAll(() => t?.close());

  for (const modelId of ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'amazon.nova-pro-v1:0']) {
    it(`prices ${modelId}: a cache write, then cache reads, the same streamed and not streamed`, async () => {
      const info = resolveModel(modelId)!;
      const system = `You review supplier contracts. ${'Each clause must be checked for delivery terms, penalties and liability caps. '.repeat(Math.ceil(info.promptCaching!.minTokens / 12))}`;
      expect(countTokens(system)).toBeGreaterThan(info.promptCaching!.minTokens);
      const name = `golden-${modelId.replace(/[^a-z0-9]/g, '-')}`;
      for (const [q, v] of [
        ['mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name }],
        ['mutation($n: String!, $s: String!, $m: String!) { createPromptVersion(input: { prompt: $n, system: $s, modelId: $m }) { number } }', { n: name, s: system, m: modelId }],
        ['mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name }],
      ] as const) {
        const r = await t.gql(q, v);
        expect(r.errors).toBeUndefined();
      }
      const input = { prompt: name, input: 'Summarize the liability terms.\n#reply: Liability is capped at the contract value.', cache: 'BYPASS' };

      const first = (await wsCollect(t.ws(app), SUB, { i: input })).at(-1)!.data!.generate as Result;
      expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
      expect(first.usage.cacheReadTokens).toBe(0);
      const streamed = (await wsCollect(t.ws(app), SUB, { i: input })).at(-1)!.data!.generate as Result;
      const once = (await t.gql(ONCE, { i: input }, app)).data!.generateOnce as Result & { status: string };
      expect(once.status).toBe('COMPLETED');

      for (const r of [first, streamed, once]) {
        expect(Math.round(r.costUsd * 1e6)).toBe(expectedMicros(r.usage, info.prices));
        const stages = Object.values(r.costByStage).reduce((a, b) => a + b, 0);
        expect(Math.round(stages * 1e6)).toBe(Math.round(r.costUsd * 1e6));
      }
      // A stage is its exact amount rounded down or up (largest remainder keeps the sum exact).
      expect(Math.abs(Math.round(first.costByStage.cacheWrite * 1e6) - first.usage.cacheWriteTokens * info.prices.cacheWrite!)).toBeLessThan(1);
      // Cache reads, streamed and not: the same usage and the same cost, to the micro-dollar.
      expect(streamed.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
      expect(once.usage).toEqual(streamed.usage);
      expect(once.costUsd).toBe(streamed.costUsd);
      expect(once.costByStage).toEqual(streamed.costByStage);
      expect(streamed.costUsd).toBeLessThan(first.costUsd);
    });
  }

  it('reports the same usage for Converse and ConverseStream from the provider', async () => {
    const provider = t.app.services.models.provider;
    const req = {
      modelId: 'amazon.nova-lite-v1:0',
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user' as const, content: [{ text: 'Hi\n#reply: Hello there, how can I help?' }] }],
      inferenceConfig: { maxTokens: 100 },
    };
    const complete = await provider.complete(req);
    let streamedUsage: unknown;
    let text = '';
    for await (const ev of provider.stream(req)) {
      if (ev.type === 'usage') streamedUsage = ev.usage;
      if (ev.type === 'text') text += ev.text;
    }
    expect(text).toBe(complete.text);
    expect(streamedUsage).toEqual(complete.usage);
  });
});
