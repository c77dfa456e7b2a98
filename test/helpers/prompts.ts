import type { TestApp } from './test-app';

/** Creates prompt `name` with one version ("Be brief.") labelled production; throws on any error. */
export async function createBriefPrompt(p: { gql(query: string): Promise<{ errors?: unknown[] }> }, name = 'p'): Promise<void> {
  for (const q of [
    `mutation { createPrompt(input: { name: "${name}" }) { id } }`,
    `mutation { createPromptVersion(input: { prompt: "${name}", system: "Be brief." }) { number } }`,
    `mutation { promotePromptVersion(input: { prompt: "${name}", version: 1, label: "production" }) { promoted } }`,
  ]) {
    const r = await p.gql(q);
    if (r.errors) throw new Error(`${q}: ${JSON.stringify(r.errors)}`);
  }
}

/**
 * A prompt `name` (one version on Nova Lite with a fixed system line, labelled production) and a
 * guardrail policy on it: `policy` plus `prompts: [name]`. The guardrail e2e tests' common setup.
 */
export async function createGuardedPrompt(t: Pick<TestApp, 'mustGql'>, name: string, policy: Record<string, unknown>): Promise<void> {
  await t.mustGql('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
  await t.mustGql('mutation($n: String!) { createPromptVersion(input: { prompt: $n, system: "You are helpful.", modelId: "amazon.nova-lite-v1:0" }) { number } }', { n: name });
  await t.mustGql('mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name });
  await t.mustGql('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', { p: { prompts: [name], ...policy } });
}
